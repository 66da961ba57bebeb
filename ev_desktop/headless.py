"""``ev-driver``: the driver without a window — log in, request one supply (or run a services
file) and print every step as a plain Spanish line.

The last line of each supply is machine-readable for scripts and scale tests::

    RESULT index=1/1 requested=CP003 session=… cp=CP003 outcome=completed kwh=2.150 eur=0.753

Exit codes: 0 every supply reached an end (ticket, denial, expiry); 1 some supply timed out;
2 login failed / bad arguments / unreadable services file; 130 Ctrl+C.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from ev_common.contract import (
    ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyInterrupted, SupplyProgress,
    SupplyStartedNotice, Ticket,
)
from ev_common.kafka.status import LinkState
from ev_common.heap import settle_heap
from ev_common.logsetup import setup_logging
from ev_common.central_addresses import Address, central_list_arg
from ev_common.central_addresses import text as central_text
from ev_common.settings import DEFAULT_CENTRAL, add_common_args, common_settings, setting
from ev_common.secret_input import InsecureFileError, MissingSecret, add_password_file_arg, read_password
from ev_common.tls_links import add_client_tls_args, link_tls_from_args

from .core.driver import DriverConfig, DriverCore, LoginError

PASSWORD_ENV = "EV_DRIVER_PASSWORD"
from ev_common.kafka.outbox import OutboxRefused

from .core.events import (LinkChanged, OutboxSetAside, RequestQueued, ReservationCancelled, link_text,
                          not_saved_text, set_aside_text)
from .core.services import (ServiceOutcome, ServicesFileError, ServicesProgress, ServicesRunner,
                            load_services_file)
from .core.tracker import INTERRUPT_TEXT, OUTCOME_TEXT, SupplyTracker, deny_text

log = logging.getLogger("ev_desktop.headless")
DEMO_PASSWORD = "pass123"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ev-driver",
        description="The driver without a window: logs in, requests a supply (or runs a services "
                    "file) and prints every step (the step lines are in Spanish, the users' language).")
    add_common_args(p)
    p.set_defaults(log_level=setting("log_level", "WARNING"))
    p.add_argument("--central", type=central_list_arg,
                   default=setting("central", DEFAULT_CENTRAL),  # argparse applies type= to it
                   help="HOST:PORT of Central's socket, or several comma-separated (an active Central "
                        "and its standbys, tried in turn) (env EV_CENTRAL; default %(default)s)")
    add_client_tls_args(p)
    p.add_argument("--driver-id", default=setting("driver_id", ""),
                   help="driver id (env EV_DRIVER_ID)")
    add_password_file_arg(p, PASSWORD_ENV, "driver's password (with --demo: pass123)")
    p.add_argument("--demo", action="store_true",
                   help=f"demo accounts: default password '{DEMO_PASSWORD}'")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--cp", help="charging point to request, e.g. CP003")
    what.add_argument("--any", action="store_true", help="any free charging point (the default)")
    what.add_argument("--services", help="services file: one charging point per line")
    p.add_argument("--login-wait", type=float, default=60.0,
                   help="seconds to keep retrying while Central does not answer (default %(default)s)")
    p.add_argument("--pause", type=float, default=4.0,
                   help="seconds to wait between services (default %(default)s)")
    p.add_argument("--supply-timeout", type=float, default=600.0,
                   help="at most this many seconds waiting for each supply to end (default %(default)s)")
    p.add_argument("--late-ticket-wait", type=float, default=20.0,
                   help="seconds to wait for a late start or ticket when a reservation is interrupted or "
                        "expires just as the supply starts (default %(default)s)")
    p.add_argument("--reservation-wait", type=float, default=None,
                   help="seconds a reservation is kept without the supply starting before it is cancelled "
                        "(default: until Central expires it)")
    return p


def clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


class Printer:
    """Turns core events into lines; only the current supply's events (filtered by the tracker)."""

    def __init__(self, core: DriverCore, out=None) -> None:
        self.core = core
        self.out = out or sys.stdout
        self._link: LinkState | None = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _relevant(self, ev: Any, tr: SupplyTracker) -> bool:
        rid = getattr(ev, "request_id", None)
        if isinstance(ev, (ChargeAuthorized, ChargeDenied)) and rid == tr.request_id:
            return True
        sid = getattr(ev, "session_id", None)
        return sid is not None and sid == tr.session_id

    def __call__(self, ev: Any) -> None:
        tr = self.core.tracker
        assert tr is not None
        if isinstance(ev, LinkChanged):
            self._on_link(ev)
        elif isinstance(ev, RequestQueued):
            # before the producer's first verdict, "waiting for Kafka" would be a guess (and
            # wrong when Kafka is up): say what is happening
            why = (link_text(ev.link_state) if self._link is not None or ev.link_state == LinkState.CONNECTED
                   else "conectando con Kafka — se enviará en cuanto conecte")
            self.say(f"Solicitud en cola para {ev.cp_id or 'cualquier punto libre'} ({why})")
        elif isinstance(ev, ReservationCancelled):
            self.say(f"Reserva{' en ' + ev.cp_id if ev.cp_id else ''} cancelada")
        elif isinstance(ev, OutboxSetAside):
            self.say(f"AVISO: {set_aside_text(ev.kept)}")
        elif isinstance(ev, Ticket) and not self._relevant(ev, tr):
            # e.g. the ticket of a supply that ended while this driver was not running
            self.say(f"TICKET de un suministro anterior en {ev.cp_id} (sesión {ev.session_id}): "
                     f"{ev.kwh:.2f} kWh {ev.eur:.2f} € ({OUTCOME_TEXT.get(ev.outcome, ev.outcome)})")
        elif not self._relevant(ev, tr):
            log.debug("ignoring %s (not the current supply)", type(ev).__name__)
        elif isinstance(ev, ChargeAuthorized):
            self.say(f"Autorizado en {ev.cp_id} ({ev.location}, {ev.price_eur_kwh:.2f} €/kWh) — "
                     f"reserva hasta {clock(ev.reservation_expires_at)}")
        elif isinstance(ev, ChargeDenied):
            self.say(f"Denegado{' en ' + ev.cp_id if ev.cp_id else ''}: {deny_text(ev.reason, ev.detail)}")
        elif isinstance(ev, ReservationExpired):
            self.say(f"La reserva en {ev.cp_id} ha caducado sin empezar la recarga")
        elif isinstance(ev, SupplyStartedNotice):
            self.say(f"Recarga iniciada en {ev.cp_id} a las {clock(ev.started_at)}")
        elif isinstance(ev, SupplyProgress):
            self.say(f"CARGANDO ⚡ {ev.kw:.1f} kW {ev.kwh:.2f} kWh {ev.eur:.2f} €")
        elif isinstance(ev, SupplyInterrupted):
            reason = INTERRUPT_TEXT.get(ev.reason, ev.reason)
            tail = " — esperando el ticket" if tr.ticket_expected else ""
            self.say(f"Recarga interrumpida en {ev.cp_id}: {reason}"
                     f"{' (' + ev.detail + ')' if ev.detail else ''}{tail}")
        elif isinstance(ev, Ticket):
            self.say(f"TICKET {ev.cp_id}: {ev.kwh:.2f} kWh {ev.eur:.2f} € "
                     f"({OUTCOME_TEXT.get(ev.outcome, ev.outcome)})")

    def _on_link(self, ev: LinkChanged) -> None:
        st = ev.status
        if st.state != LinkState.CONNECTED and (not st.last_error
                                                or st.last_error == "not connected yet"):
            return  # the producer has not tried yet: wait for a real verdict
        if st.state == self._link:
            return
        self._link = st.state
        if st.state == LinkState.CONNECTED:
            self.say(f"Kafka conectado ({st.bootstrap})"
                     + (f" — {st.queued} evento(s) pendientes se envían ahora" if st.queued else ""))
        elif st.state == LinkState.OFFLINE:
            pending = (f"{st.queued} evento(s) pendientes quedan en cola y se enviarán al volver"
                       if st.queued else "lo que se solicite quedará en cola y se enviará al volver")
            self.say(f"Kafka no disponible en {st.bootstrap} — {pending} [{st.last_error}]")
        else:
            self.say(f"Kafka con problemas en {st.bootstrap} — reintentando [{st.last_error}]")


class CentralAnnouncer:
    """Says which Central answers (``--central h1:p,h2:p``), once, and again after a failover —
    the console's counterpart of the desktop's status bar: with standbys configured, the first
    address is not necessarily the one in use. Called on every socket call that connected, so it
    prints only when the address changes."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self.in_use: Address | None = None

    def __call__(self, address: Address) -> None:
        previous, self.in_use = self.in_use, address
        if previous is None:
            self._say(f"CENTRAL en uso: {central_text(address)}")
        elif previous != address:
            self._say(f"CENTRAL en uso: {central_text(address)} "
                      f"(la anterior, {central_text(previous)}, dejó de responder)")


async def _login(core: DriverCore, driver_id: str, password: str, wait_s: float) -> bool:
    """Log in; while Central cannot be reached (down, restarting, busy) retry for *wait_s*
    seconds, saying so. Wrong credentials end at once: retrying cannot fix them."""
    deadline = time.monotonic() + wait_s
    delay = 1.0
    while True:
        try:
            await core.login(driver_id, password)
            return True
        except LoginError as exc:
            if exc.code != "unreachable" or time.monotonic() + delay > deadline:
                print(f"Error de inicio de sesión: {exc.message}", file=sys.stderr, flush=True)
                return False
            print(f"{exc.message} — reintentando en {delay:.0f} s", flush=True)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)


def result_line(o: ServiceOutcome) -> str:
    return (f"RESULT index={o.index}/{o.total} requested={o.cp_id} session={o.session_id or '-'} "
            f"cp={o.served_cp or '-'} outcome={o.outcome} kwh={o.kwh:.3f} eur={o.eur:.3f}")


async def run(args: argparse.Namespace) -> int:
    settings = common_settings(args, role="driver")
    host, port = args.central[0]
    cps: list[str | None]
    if args.services:
        try:
            cps = list(load_services_file(args.services))
        except ServicesFileError as exc:
            print(str(exc), file=sys.stderr, flush=True)
            return 2
    else:
        cps = [args.cp or None]
    try:
        password = (DEMO_PASSWORD if args.demo and args.password_file is None and not os.environ.get(PASSWORD_ENV)
                    else read_password(args.password_file, PASSWORD_ENV, f"Contraseña de {args.driver_id}: "))
    except (MissingSecret, InsecureFileError) as exc:
        print(f"{exc} (o --demo)", file=sys.stderr, flush=True)
        return 2

    announcer = CentralAnnouncer(lambda line: print(line, flush=True))
    core = DriverCore(DriverConfig(settings.bootstrap_servers, host, port, settings.data_dir,
                                   settings.topic_prefix,
                                   central_tls=link_tls_from_args(args, f"driver {args.driver_id}"),
                                   central_fallbacks=args.central[1:]),
                      on_central_answer=announcer)
    printer = Printer(core)
    if not await _login(core, args.driver_id, password, args.login_wait):
        return 2
    printer.say(f"Sesión iniciada como {args.driver_id} "
                f"(CENTRAL {central_text(announcer.in_use or (host, port))})")
    core.add_listener(printer)
    try:
        core.start()
    except OutboxRefused as exc:  # e.g. the disk is full: no request could be saved
        print(not_saved_text(exc.code, exc.queued), file=sys.stderr, flush=True)
        await core.close()
        return 1
    settle_heap(f"driver {args.driver_id}")  # signed in and started: ev_common/heap.py
    watcher = None
    if args.reservation_wait is not None:
        watcher = asyncio.create_task(_cancel_stale_reservations(core, args.reservation_wait, printer))

    def progress(p: ServicesProgress) -> None:
        if p.outcome is None:
            if p.total > 1:
                printer.say(f"Servicio {p.index}/{p.total}: {p.cp_id}")
        else:
            if p.outcome.outcome == "timeout":
                printer.say(f"Sin final para {p.cp_id} tras {args.supply_timeout:.0f} s")
            elif p.outcome.outcome == "not_saved":
                printer.say(p.outcome.detail)
            printer.say(result_line(p.outcome))

    runner = ServicesRunner(core, cps, pause_s=args.pause, timeout_s=args.supply_timeout,
                            late_ticket_wait_s=args.late_ticket_wait,
                            progress=progress)  # type: ignore[arg-type]
    interrupted = _stop_on_signals(runner)
    try:
        resumed = await core.resume_open_supply()
        if resumed is not None:
            printer.say(f"Suministro abierto de una sesión anterior en {resumed.cp_id} "
                        f"(session={resumed.session_id}): se espera a que termine antes de pedir otro")
            await runner.finish_open_supply(resumed.cp_id)
        outcomes = await runner.run()
    finally:
        if watcher:
            watcher.cancel()
        await core.close()
    if interrupted():
        print("Interrumpido por el usuario; lo pendiente queda en cola para la próxima vez.",
              file=sys.stderr, flush=True)
        return 130
    refused = core.refused_notifications
    if refused:  # not for this app's key: never shown (details in the log and dead-letters.jsonl)
        printer.say("Notificaciones rechazadas (no se muestran): "
                    + ", ".join(f"{why}={n}" for why, n in sorted(refused.items())))
    done = sum(1 for o in outcomes if o.outcome not in ("timeout", "stopped", "not_saved"))
    printer.say(f"Fin: {done}/{len(cps)} servicio(s) terminados")
    return 0 if done == len(cps) else 1


def _stop_on_signals(runner: ServicesRunner) -> Callable[[], bool]:
    """Ctrl+C / SIGTERM: stop the runner and close cleanly (a second one exits at once).
    Where the loop cannot take signal handlers (Windows), KeyboardInterrupt does the job."""
    count = [0]

    def on_signal() -> None:
        count[0] += 1
        if count[0] > 1:
            os._exit(130)
        runner.stop()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    return lambda: count[0] > 0


async def _cancel_stale_reservations(core: DriverCore, wait_s: float, printer: Printer) -> None:
    """--reservation-wait: give up a reservation that did not turn into a supply in time."""
    from .core.tracker import SupplyPhase

    cancelled: set[str] = set()
    while True:
        await asyncio.sleep(0.5)
        tr = core.tracker
        if tr is None or tr.phase != SupplyPhase.AUTHORIZED or not tr.session_id:
            continue
        if tr.session_id in cancelled:
            continue
        if tr.authorized_at is not None and time.time() - tr.authorized_at >= wait_s:
            cancelled.add(tr.session_id)
            printer.say(f"Reserva en {tr.cp_id} sin recarga tras {wait_s:.0f} s: se cancela")
            core.cancel(tr.session_id)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.driver_id:
        print("Falta --driver-id (o EV_DRIVER_ID)", file=sys.stderr)
        return 2
    setup_logging(f"driver-{args.driver_id}", args.log_level)
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        print("Interrumpido por el usuario; lo pendiente queda en cola para la próxima vez.",
              file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
