"""``ev-cp-monitor``: the CP Monitor (Engine health checks + CP authentication with Central)."""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from ev_common import cp_credentials
from ev_common.logsetup import setup_logging
from ev_common.settings import DEFAULT_CENTRAL, host_port_arg, setting
from ev_common.tasks import cancel_and_wait
from ev_common.tls_links import add_client_tls_args, link_tls_from_args
from cp_simulator.console import Console
from ev_common.central_addresses import central_list_arg
from ev_common.central_addresses import text as central_text
from cp_simulator.monitor import Monitor, MonitorConfig


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-cp-monitor", description="Monitor de un punto de recarga")
    p.add_argument("--engine", type=host_port_arg, required=True, metavar="HOST:PORT",
                   help="dirección del Engine de este CP")
    p.add_argument("--central", type=central_list_arg, metavar="HOST:PORT[,HOST:PORT…]",
                   default=setting("central", DEFAULT_CENTRAL),  # argparse applies type= to it
                   help="dirección de la CENTRAL, o varias separadas por comas (instancia activa y "
                        "reservas: se prueba la siguiente si una no responde) (env EV_CENTRAL; "
                        "por defecto %(default)s)")
    p.add_argument("--cp-id", required=True, help="id del CP, p. ej. CP001")
    p.add_argument("--cp-credentials", default=None, metavar="RUTA",
                   help="fichero de credenciales del CP (ev-db add-cp) o directorio con <cp_id>.json "
                        "(env EV_CP_CREDENTIALS)")
    p.add_argument("--location", default="Sin ubicación", help="ubicación mostrada del CP")
    p.add_argument("--price", type=float, default=0.35, help="precio €/kWh (%(default)s)")
    p.add_argument("--max-kw", type=float, default=22.0, help="potencia máxima kW (%(default)s)")
    p.add_argument("--auth-retry", type=float, default=10.0, metavar="S",
                   help="espera tras un rechazo de la CENTRAL (%(default)s s)")
    p.add_argument("--log-level", default=setting("log_level", "INFO"))
    add_client_tls_args(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(f"cp-monitor-{args.cp_id}", args.log_level)
    key = _cp_key(args)
    if key is None:
        return 2
    for name, value in (("cp-id", args.cp_id), ("location", args.location), ("cp-key", key)):
        if "#" in value or not value.strip():
            print(f"--{name} no puede estar vacío ni contener '#'", file=sys.stderr)
            return 2
    cfg = MonitorConfig(cp_id=args.cp_id, engine=args.engine, central=args.central[0],
                        central_fallbacks=args.central[1:], cp_key=key,
                        location=args.location, price_eur_kwh=args.price, max_kw=args.max_kw,
                        auth_retry_s=args.auth_retry,
                        central_tls=link_tls_from_args(args, f"monitor {args.cp_id}"))
    try:
        asyncio.run(_run(cfg))
    except KeyboardInterrupt:
        pass
    return 0


def _cp_key(args: argparse.Namespace) -> str | None:
    """The CP's key: from its credentials file (0600); ``EV_CP_KEY`` only when no file is given
    (never a command-line value: ``ps`` would show it). None (after saying why) when there is
    none: there is no default key."""
    path = cp_credentials.configured(args.cp_credentials)
    if path is not None:
        try:
            return cp_credentials.load(path, args.cp_id).key
        except cp_credentials.CredentialsError as exc:
            print(str(exc), file=sys.stderr)
            return None
    if os.environ.get("EV_CP_KEY", "").strip():
        return os.environ["EV_CP_KEY"].strip()
    print("Faltan las credenciales del CP: indique --cp-credentials FICHERO (o EV_CP_CREDENTIALS) con el "
          "fichero que genera `ev-db add-cp`", file=sys.stderr)
    return None


async def _run(cfg: MonitorConfig) -> None:
    console = Console(f"MONITOR {cfg.cp_id}")
    monitor = Monitor(cfg, console)
    console.line(f"Monitor del CP {cfg.cp_id}: Engine {cfg.engine[0]}:{cfg.engine[1]}, "
                 "CENTRAL " + ", ".join(central_text(a) for a in monitor.central.addresses))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(monitor.run())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    await cancel_and_wait([task, stopper])
    console.line("Monitor detenido")


if __name__ == "__main__":
    sys.exit(main())
