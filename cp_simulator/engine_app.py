"""Runs an :class:`~cp_simulator.engine.Engine`: socket server, clock, menu, Kafka, journal.

Everything the state machine decides happens on the asyncio loop; Kafka client threads
hand their work over with ``run_coroutine_threadsafe`` / ``call_soon_threadsafe``.

The CP id is learnt from the Monitor's first HELLO (unless ``--cp-id`` was given): only then
are the journal, the outbox (``<data-dir>/engine-<cp_id>/``) and the consumer group
(``<prefix>.engine.<cp_id>``) known. A directory lock keeps two Engines from sharing one CP.
"""
from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ev_common import contract as c
from ev_common.topics import Topics
from cp_simulator.console import Console, start_stdin_reader
from cp_simulator.engine import AutoConfig, Effect, Engine, Notice, Publish, SaveJournal
from cp_simulator.engine_auth import DEFAULT_COMMAND_MAX_AGE_S, EngineAuth
from cp_simulator.engine_server import EngineServer
from ev_common.cp_credentials import CredentialsError
from cp_simulator.journal import Journal

log = logging.getLogger(__name__)

TICK_S = 0.2
# The broker answers a fetch as soon as a command arrives, so a longer wait adds no latency; it
# only means fewer empty fetch round trips while idle (most of an idle Engine's CPU).
FETCH_MAX_WAIT_MS = 500
MENU = ("Menú: p=enchufar  u=desenchufar  k=avería (KO)  o=avería resuelta (OK)  "
        "m=pedir suministro manual  s=estado  q=salir")


@dataclass(frozen=True)
class EngineConfig:
    bootstrap_servers: str
    topics: Topics
    data_dir: Path
    host: str
    port: int
    monitor_timeout_s: float = 3.0
    auto: AutoConfig | None = None
    menu: bool = True
    cp_id: str | None = None
    time_scale: float = 1.0
    credentials: Path | None = None   # --cp-credentials: the CP's key file (or a directory of them)
    command_max_age_s: float = DEFAULT_COMMAND_MAX_AGE_S


def cp_id_problem(cp_id: str) -> str | None:
    """Why *cp_id* (learnt from a HELLO) cannot be this Engine's id, or None. It becomes part of
    the directory ``<data-dir>/engine-<cp_id>``: no path separators, no control characters, and
    at most 64 characters like Central's CP ids."""
    if not cp_id or len(cp_id) > 64:
        return "debe tener entre 1 y 64 caracteres"
    if "/" in cp_id or "\\" in cp_id:
        return "no puede contener '/' ni '\\'"
    if not cp_id.isprintable():
        return "no puede contener caracteres de control"
    return None


class EngineApp:
    def __init__(self, cfg: EngineConfig, console: Console | None = None) -> None:
        self.cfg = cfg
        self.console = console or Console("ENGINE")
        self.engine: Engine | None = None
        self.auth: EngineAuth | None = None
        self.journal: Journal | None = None
        self.producer = None
        self.consumer = None
        self.server = EngineServer(self, cfg.host, cfg.port)
        self.stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock_fd: int | None = None
        self._kafka_state: str | None = None

    # ------------------------------------------------------------------------- lifecycle
    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.server.start()
        self.console.line(f"Engine escuchando al Monitor en {self.cfg.host}:{self.server.port}"
                          + (" (modo demo automático)" if self.cfg.auto else ""))
        if self.cfg.cp_id:
            self._bind(self.cfg.cp_id)
        else:
            self.console.line("Esperando el HELLO del Monitor para conocer el id del CP…")
        if self.cfg.menu:
            self.console.line(MENU)
            start_stdin_reader(lambda text: self._loop.call_soon_threadsafe(self.on_menu, text))
        ticker = asyncio.create_task(self._tick_forever())
        try:
            await self.stopping.wait()
        finally:
            ticker.cancel()
            await self._shutdown()

    def request_stop(self) -> None:
        self.stopping.set()

    async def _shutdown(self) -> None:
        self.console.line("Deteniendo el Engine…")
        await self.server.close()
        if self.consumer is not None:
            await asyncio.to_thread(self.consumer.stop)
            self.offsets.close()
        if self.engine is not None:
            self._apply(self.engine.shutdown(time.time(), time.monotonic()))
        if self.producer is not None:
            delivered = await asyncio.to_thread(self.producer.flush, 3.0)
            if not delivered:
                self.console.line(f"{self.producer.queued} evento(s) quedan en la cola local: "
                                  "se enviarán al volver a arrancar", "warn")
            await asyncio.to_thread(self.producer.close)
        self.console.line("Engine detenido")

    async def _tick_forever(self) -> None:
        n = 0
        while True:
            await asyncio.sleep(TICK_S)
            n += 1
            if self.engine is not None:
                self._apply(self.engine.tick(time.time(), time.monotonic()))
            if self.producer is not None and n % 25 == 0:  # a start-up outage is shown too
                self._show_kafka_status(self.producer.status())

    # ------------------------------------------------------------------- binding a CP id
    def _bind(self, cp_id: str) -> bool:
        """Open this CP's journal, outbox and consumer. False when another Engine holds it or
        there are no credentials for *cp_id* (without its key the CP can neither sign its
        events nor tell Central's commands from forgeries)."""
        cp_dir = self.cfg.data_dir / f"engine-{cp_id}"
        if self.cfg.credentials is None:
            self.console.line("Faltan las credenciales del CP: use --cp-credentials FICHERO "
                              "(o EV_CP_CREDENTIALS), generado con ev-db add-cp", "error")
            return False
        try:
            auth = EngineAuth(self.cfg.credentials, cp_id, cp_dir,
                              command_max_age_s=self.cfg.command_max_age_s)
        except CredentialsError as exc:
            self.console.line(f"CP {cp_id}: {exc}", "error")
            return False
        cp_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(cp_dir / "engine.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            self.console.line(f"Otro Engine ya simula el CP {cp_id} con {cp_dir}: "
                              "no se puede usar el mismo id dos veces", "error")
            return False
        self._lock_fd = fd
        self.auth = auth
        from ev_common.kafka.consumer import ResilientConsumer  # noqa: PLC0415
        from ev_common.kafka.offsets import OffsetStore  # noqa: PLC0415
        from ev_common.kafka.producer import ReliableProducer  # noqa: PLC0415

        self.journal = Journal(cp_dir / "journal.json")
        self.engine = Engine(cp_id, monitor_timeout_s=self.cfg.monitor_timeout_s, auto=self.cfg.auto,
                             journal=self.journal.load(), time_scale=self.cfg.time_scale)
        self.producer = ReliableProducer(self.cfg.bootstrap_servers, cp_dir / "outbox.sqlite3",
                                         client_id=f"engine-{cp_id}", on_status=self._on_kafka_status)
        self.console.line(f"CP {cp_id}: journal y cola local en {cp_dir}")
        self._publish(c.EngineOnline(cp_id))
        self._apply(self.engine.recover(time.time()))
        # the Engine reads alone: no consumer group, read positions kept beside its journal
        # (ev_common/kafka/offsets.py says why); commands sent while it was down are read on start
        self.offsets = OffsetStore(cp_dir / "offsets.sqlite3")
        self.consumer = ResilientConsumer(
            self.cfg.bootstrap_servers, [self.cfg.topics.cp_commands],
            group_id=None, client_id=f"engine-{cp_id}",
            on_batch=self._on_commands, start_from="earliest", offset_store=self.offsets,
            dead_letters=self.producer, dead_letter_topic=self.cfg.topics.dead_letters,
            consumer_config={"fetch_max_wait_ms": FETCH_MAX_WAIT_MS})
        self.consumer.start()
        return True

    # ---------------------------------------------------------------- Monitor (socket side)
    def on_health_check(self, verb: str, cp_id: str) -> list[str]:
        if self.engine is None:
            problem = cp_id_problem(cp_id)
            if problem is not None:  # it names this Engine's directory: never trust it blindly
                log.warning("%s with an unusable cp id %r: %s", verb, cp_id[:80], problem)
                return ["ERR", "bad_cp_id", f"identificador de CP no válido: {problem}"]
            if not self._bind(cp_id):
                if self.auth is None:
                    return ["ERR", "no_credentials", f"el Engine no tiene credenciales para {cp_id}"]
                return ["ERR", "cp_in_use", f"otro Engine ya simula {cp_id}"]
            self.console.line(f"Monitor del CP {cp_id} conectado ({verb})")
        if cp_id != self.engine.cp_id:
            log.warning("health check for cp=%s but this Engine is cp=%s", cp_id, self.engine.cp_id)
            return ["ERR", "wrong_cp", f"este Engine es el CP {self.engine.cp_id}"]
        self._apply(self.engine.monitor_seen(time.monotonic()))
        return ["OK", self.engine.health()]

    # ------------------------------------------------------------------- Kafka commands
    def _on_commands(self, deliveries: list) -> None:
        """Consumer thread: apply each command on the loop, in order, before the commit."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("engine loop not running")
        envelopes = [d.envelope for d in deliveries]
        fut = asyncio.run_coroutine_threadsafe(self._apply_commands(envelopes), loop)
        fut.result(timeout=30)

    async def _apply_commands(self, envelopes: list[c.Envelope]) -> None:
        eng, auth = self.engine, self.auth
        if eng is None or auth is None:
            return
        for env in envelopes:
            body = env.body
            if getattr(body, "cp_id", None) != eng.cp_id:
                continue
            now, mono = time.time(), time.monotonic()
            if not auth.accept_command(env, now):
                self.console.line(f"Orden {body.TYPE} RECHAZADA: no viene firmada por la CENTRAL "
                                  "(o es una repetición)", "warn")
                continue
            log.info("cp=%s command %s %s", eng.cp_id, body.TYPE, getattr(body, "session_id", ""))
            if isinstance(body, c.AuthorizeSupply):
                self._apply(eng.authorize(body, now, mono))
            elif isinstance(body, c.CancelAuthorization):
                self._apply(eng.cancel(body, now, mono))
            elif isinstance(body, c.StopSupply):
                self._apply(eng.stop(body, now, mono))
            elif isinstance(body, c.SetAvailability):
                self._apply(eng.set_availability(body, now, mono))
        # what the commands made due now (an auto plug-in with no delay) happens now, not at
        # the next tick up to TICK_S later
        self._apply(eng.tick(time.time(), time.monotonic()))

    def _on_kafka_status(self, status) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._show_kafka_status, status)
            except RuntimeError:
                pass

    def _show_kafka_status(self, status) -> None:
        state = status.state.value
        if state == self._kafka_state:
            return
        if self._kafka_state is None and state != "connected" and status.queued == 0 \
                and time.time() - status.since < 3.0:
            return  # still starting up: not an outage yet (the status comes again if it lasts)
        self._kafka_state = state
        if state == "connected":
            self.console.line(f"Kafka conectado ({status.bootstrap})")
        else:
            self.console.line(f"Kafka no disponible ({status.bootstrap}): {status.last_error or state} — "
                              f"los eventos se guardan en la cola local ({status.queued})", "warn")

    # ------------------------------------------------------------------------ menu (stdin)
    def on_menu(self, text: str) -> None:
        cmd = text.strip().lower()[:1]
        if not cmd:
            return
        if cmd == "q":
            self.console.line("Saliendo (q)…")
            self.request_stop()
            return
        eng = self.engine
        if cmd == "s":
            self.console.line(eng.status_line() if eng else "Sin CP asignado: esperando al Monitor")
            if self.producer is not None:
                st = self.producer.status()
                self.console.line(f"Kafka: {st.state.value}, {st.queued} evento(s) en cola local")
            return
        if eng is None:
            self.console.line("Todavía no hay Monitor: el CP no tiene id ni acepta órdenes", "warn")
            return
        now, mono = time.time(), time.monotonic()
        if cmd == "p":
            self._apply(eng.plug(now, mono))
        elif cmd == "u":
            self._apply(eng.unplug(now, mono))
        elif cmd == "k":
            self._apply(eng.report_ko(now, mono))
        elif cmd == "o":
            self._apply(eng.report_ok())
        elif cmd == "m":
            self._apply(eng.manual_request(c.new_id()))
        else:
            self.console.line(f"Opción desconocida '{text.strip()}'. {MENU}")

    # --------------------------------------------------------------------------- effects
    def _apply(self, effects: list[Effect]) -> None:
        for fx in effects:
            if isinstance(fx, SaveJournal):
                assert self.journal is not None
                self.journal.save(fx.state)
            elif isinstance(fx, Publish):
                self._publish(fx.body, fx.msg_id)
            elif isinstance(fx, Notice):
                self.console.line(fx.text, fx.level)

    def _publish(self, body: c.Payload, msg_id: str | None = None) -> None:
        assert self.producer is not None and self.engine is not None
        assert self.auth is not None
        env = self.auth.sign_event(c.envelope(body, source=f"engine-{self.engine.cp_id}", msg_id=msg_id))
        self.producer.send(self.cfg.topics.cp_events, env)
        if isinstance(body, c.Telemetry):
            log.debug("cp=%s telemetry seq=%d kwh=%.6f", body.cp_id, body.seq, body.kwh)
        else:
            log.info("cp=%s sent %s id=%s", self.engine.cp_id, body.TYPE, env.id)
