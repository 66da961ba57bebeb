"""The CP Monitor: health-checks its Engine every second and speaks for the CP to Central.

Two independent loops share one picture of the Engine's health:

* engine link — connect, ``HELLO#cp``, then ``PING#cp`` every second; no answer, a refused
  connection or ``KO`` make the Engine *faulted*; ``OK`` again makes it *healthy*;
* central link — connect, ``AUTH#cp#key#location#price#max_kw`` → ``OK#hb_interval``, then
  ``HB#cp#OK|KO`` every interval and ``FAULT#cp#reason`` / ``RECOVER#cp`` on each change.

Both reconnect forever with capped backoff; neither waits for the other (a Central outage
never stops the health checks, so the Engine keeps supplying).
"""
from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass

from ev_common.central_addresses import CentralRotation
from ev_common.central_addresses import text as central_text
from ev_common.framing import FrameError, FramedStream
from ev_common.tls_links import LinkTLS
from ev_common.kafka.backoff import Backoff
from ev_common.pki import ca_file
from ev_common.tasks import cancel_and_wait
from cp_simulator.console import Console

log = logging.getLogger(__name__)

_CENTRAL_ERR_ES = {
    "bad_credentials": "credenciales incorrectas",
    "unknown_cp": "CP desconocido",
    "too_many_attempts": "demasiados intentos fallidos",
}


@dataclass(frozen=True)
class MonitorConfig:
    cp_id: str
    engine: tuple[str, int]
    central: tuple[str, int]
    cp_key: str = ""  # from the CP's credentials file (or env EV_CP_KEY): there is no default key
    location: str = "Sin ubicación"
    price_eur_kwh: float = 0.35
    max_kw: float = 22.0
    ping_interval_s: float = 1.0
    answer_timeout_s: float = 1.5
    engine_retry_cap_s: float = 2.0
    central_retry_cap_s: float = 5.0
    auth_retry_s: float = 10.0
    repeat_failure_s: float = 30.0
    central_tls: LinkTLS = LinkTLS()      # TLS to Central, verified against the CA (default)
    link_kind: str = ""                   # "ocpp": AUTH's 7th field, the CP is an OCPP charger
    # more Central instances (--central h1:p,h2:p): tried in turn when a connection fails
    central_fallbacks: tuple[tuple[str, int], ...] = ()


class Monitor:
    def __init__(self, cfg: MonitorConfig, console: Console | None = None) -> None:
        self.cfg = cfg
        self.console = console or Console(f"MONITOR {cfg.cp_id}")
        self.engine_ok: bool | None = None   # None until the first health check
        self.fault_reason: str = ""
        self.central_connected = False
        self.central = CentralRotation((cfg.central,) + tuple(a for a in cfg.central_fallbacks if a != cfg.central))
        self._health_changed = asyncio.Event()
        self._first_check = asyncio.Event()

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._engine_loop(), name="engine-link"),
                 asyncio.create_task(self._central_loop(), name="central-link")]
        try:
            await asyncio.gather(*tasks)
        finally:
            # both links read framed sockets: a plain cancel can be swallowed (ev_common.tasks)
            await cancel_and_wait(tasks, owner=f"monitor {self.cfg.cp_id}")

    # ------------------------------------------------------------------------ engine link
    def _set_health(self, ok: bool, reason: str = "") -> None:
        changed = ok != self.engine_ok
        self.engine_ok, self.fault_reason = ok, ("" if ok else reason)
        self._first_check.set()
        if not changed:
            return
        if ok:
            self.console.line(f"CP {self.cfg.cp_id}: Engine OK — CP operativo")
        else:
            self.console.line(f"CP {self.cfg.cp_id}: AVERÍA — {reason}", "error")
        log.info("cp=%s engine health %s %s", self.cfg.cp_id, "OK" if ok else "KO", reason)
        self._health_changed.set()

    async def _engine_loop(self) -> None:
        host, port = self.cfg.engine
        backoff = Backoff(0.2, self.cfg.engine_retry_cap_s)
        while True:
            stream: FramedStream | None = None
            try:
                stream = await FramedStream.connect(host, port, timeout=self.cfg.answer_timeout_s)
                answer = await stream.request(["HELLO", self.cfg.cp_id])
                self._on_engine_answer(answer)
                backoff.reset()
                while True:
                    await asyncio.sleep(self.cfg.ping_interval_s)
                    answer = await stream.request(["PING", self.cfg.cp_id])
                    self._on_engine_answer(answer)
            except FrameError as exc:
                self._set_health(False, f"Engine {host}:{port} no responde ({exc})")
            finally:
                if stream is not None:
                    await stream.close()
            await asyncio.sleep(backoff.next())

    def _on_engine_answer(self, answer: list[str]) -> None:
        if answer[:2] == ["OK", "OK"]:
            self._set_health(True)
        elif answer[:2] == ["OK", "KO"]:
            self._set_health(False, "el Engine informa KO")
        else:
            text = answer[2] if len(answer) > 2 else "#".join(answer)
            self._set_health(False, f"el Engine rechaza al Monitor: {text}")
            raise FrameError(f"engine refused: {'#'.join(answer)}")

    # ----------------------------------------------------------------------- central link
    async def _central_loop(self) -> None:
        backoff = Backoff(0.5, self.cfg.central_retry_cap_s)
        last_complaint = 0.0
        try:  # give the Engine a moment so the first report to Central is the real health
            await asyncio.wait_for(self._first_check.wait(), 3.0)
        except asyncio.TimeoutError:
            pass
        while True:
            stream: FramedStream | None = None
            delay: float
            host, port = self.central.current
            try:
                stream = await FramedStream.connect(host, port, timeout=5.0, tls=self._central_context())
                interval = await self._authenticate(stream)
                if interval is None:
                    delay = self.cfg.auth_retry_s
                else:
                    backoff.reset()
                    last_complaint = 0.0
                    await self._report_forever(stream, interval)
                    delay = backoff.next()  # not reached: _report_forever only raises
            except FrameError as exc:
                if self.central_connected:
                    self.central_connected = False
                    self.console.line(f"Conexión con la CENTRAL perdida ({exc}) — reintentando", "error")
                    last_complaint = time.monotonic()
                elif time.monotonic() - last_complaint >= self.cfg.repeat_failure_s:
                    tried = ", ".join(central_text(a) for a in self.central.addresses)
                    self.console.line(f"Imposible conectar con la CENTRAL ({tried}) — reintentando", "error")
                    last_complaint = time.monotonic()
                log.info("cp=%s central link %s:%s failed: %s", self.cfg.cp_id, host, port, exc)
                self.central.failed()  # another instance may serve: try it at once, back off per round
                delay = backoff.next() if self.central.wrapped else 0.1
            finally:
                if stream is not None:
                    await stream.close()
            await asyncio.sleep(delay)

    def _central_context(self) -> ssl.SSLContext | None:
        try:
            return self.cfg.central_tls.context()
        except (OSError, ssl.SSLError) as exc:  # CA file missing or unreadable: say which
            raise FrameError(f"no se puede leer la CA {self.cfg.central_tls.ca_file or ca_file()}: {exc}") from exc

    async def _authenticate(self, stream: FramedStream) -> float | None:
        cfg = self.cfg
        fields = ["AUTH", cfg.cp_id, cfg.cp_key, cfg.location, f"{cfg.price_eur_kwh:g}", f"{cfg.max_kw:g}"]
        answer = await stream.request(fields + [cfg.link_kind] if cfg.link_kind else fields)
        if answer and answer[0] == "OK":
            try:
                interval = float(answer[1]) if len(answer) > 1 else 5.0
            except ValueError:
                interval = 5.0
            self.central_connected = True
            link = f"TLS {stream.tls_version}" if stream.tls_version else "TEXTO PLANO"
            self.console.line(f"CENTRAL {central_text(self.central.current)}: CP {cfg.cp_id} autenticado "
                              f"(latido cada {interval:g} s, enlace {link})")
            return max(0.2, interval)
        code = answer[1] if len(answer) > 1 else "?"
        detail = _CENTRAL_ERR_ES.get(code, answer[2] if len(answer) > 2 else code)
        self.console.line(f"CENTRAL rechaza el CP {cfg.cp_id}: {detail} — se reintenta en "
                          f"{cfg.auth_retry_s:g} s", "error")
        return None

    async def _report_forever(self, stream: FramedStream, interval: float) -> None:
        cp = self.cfg.cp_id
        reported_ok: bool | None = None
        next_hb = 0.0
        while True:
            ok = bool(self.engine_ok)
            if ok != reported_ok:
                if ok:
                    if reported_ok is not None:  # a real recovery, not the first report
                        await stream.request(["RECOVER", cp])
                else:
                    await stream.request(["FAULT", cp, _field(self.fault_reason or "sin respuesta")])
                reported_ok = ok
            if time.monotonic() >= next_hb:
                await stream.request(["HB", cp, "OK" if ok else "KO"])
                next_hb = time.monotonic() + interval
            self._health_changed.clear()
            try:
                await asyncio.wait_for(self._health_changed.wait(),
                                       max(0.05, next_hb - time.monotonic()))
            except asyncio.TimeoutError:
                pass


def _field(text: str) -> str:
    """Free text made safe for one frame field."""
    return text.replace("#", " ").replace("\x02", " ").replace("\x03", " ")[:200]
