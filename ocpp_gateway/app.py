"""The gateway process: WebSocket server for chargers, Kafka for Central, one slot per CP.

Towards Central each connected charger is what an Engine + Monitor pair is: a Central link
(:class:`~ocpp_gateway.central_link.ChargerMonitor`, AUTH with the CP's key over TLS), events
on ``cp.events`` signed with the CP's key, commands from ``cp.commands`` obeyed only when
signed by Central for that CP and new (:class:`~cp_simulator.engine_auth.EngineAuth`, the
Engine's own guard). One producer (with its on-disk outbox) and one command reader serve all
chargers of the gateway.

Liveness: a charger silent for ``charger_timeout_s`` is disconnected; once disconnected, its
open transactions wait ``lost_grace_s`` for the charger to come back and replay its
StopTransaction, then are closed at the last meter value (reason ``monitor_lost``).
"""
from __future__ import annotations

import asyncio
import fcntl
import http
import json
import logging
import os
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from cp_simulator.console import Console
from cp_simulator.engine_auth import DEFAULT_COMMAND_MAX_AGE_S, EngineAuth
from cp_simulator.monitor import MonitorConfig
from ev_common import contract as c
from ev_common import cp_credentials
from ev_common.cp_credentials import CredentialsError
from ev_common.tasks import cancel_and_wait
from ev_common.tls_links import LinkTLS
from ev_common.topics import Topics
from ocpp_gateway import basic_auth, connectors
from ocpp_gateway.bridge import Bridge, Call, Effect, Notice, Publish, Save
from ev_common.gateway_reports import GatewayCredentials
from ocpp_gateway.central_link import ChargerMonitor
from ocpp_gateway.charger import GatewayChargePoint
from ocpp_gateway.outbox_group import GroupCommitter
from ocpp_gateway.refusals import RefusalReporter

log = logging.getLogger(__name__)

SUBPROTOCOL = "ocpp1.6"
FETCH_MAX_WAIT_MS = 500
MAX_REFUSED_KEYS = 1000


@dataclass(frozen=True)
class GatewayConfig:
    bootstrap_servers: str
    topics: Topics
    data_dir: Path
    listen: tuple[str, int]
    central: tuple[str, int]
    credentials: Path                      # directory of <cp_id>.json (ev-db add-cp --credentials)
    server_tls: ssl.SSLContext | None      # None only with --plain-ws (logged as a warning)
    central_tls: LinkTLS = LinkTLS()
    heartbeat_interval_s: int = 30         # told to chargers in BootNotification
    charger_timeout_s: float = 90.0        # no message for this long: the charger is gone
    lost_grace_s: float = 60.0             # then wait this long for it to replay its StopTransaction
    call_timeout_s: float = 30.0
    command_max_age_s: float = DEFAULT_COMMAND_MAX_AGE_S
    default_connector: int = 1
    status_file: Path | None = None
    status_interval_s: float = 5.0
    name: str = "gw"
    # the gateway's own key (ev-db add-gateway): refused chargers are reported to Central with it
    gateway_credentials: GatewayCredentials | None = None
    report_interval_s: float = 30.0
    # more Central instances (--central h1:p,h2:p): each charger's Monitor link tries them in turn
    central_fallbacks: tuple[tuple[str, int], ...] = ()


@dataclass
class CpSlot:
    """Everything the gateway keeps for one CP, connected or not."""

    gateway: "Gateway"
    cp_id: str
    bridge: Bridge
    auth: EngineAuth
    state_file: Path
    console: Console
    charger: GatewayChargePoint | None = None
    monitor: ChargerMonitor | None = None
    monitor_task: asyncio.Task | None = None
    lost_task: asyncio.Task | None = None
    lock_fd: int | None = None
    tasks: list = field(default_factory=list)

    def save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.bridge.to_dict()), encoding="utf-8")
        os.replace(tmp, self.state_file)

    def publish(self, body: c.Payload, msg_id: str | None) -> None:
        self.gateway.publish(self, body, msg_id)

    def set_health(self, ok: bool, reason: str) -> None:
        if self.monitor is not None:
            self.monitor.set_health(ok, reason)

    def notice(self, text: str, level: str = "info") -> None:
        self.console.line(text, level)

    def apply(self, effects: list[Effect]) -> None:
        """Effects of a command or timer: the charger executes calls; without one they are logged."""
        if self.charger is not None:
            self.charger.apply(effects, self)
            return
        for fx in effects:
            if isinstance(fx, Save):
                self.save()
            elif isinstance(fx, Publish):
                self.publish(fx.body, fx.msg_id)
            elif isinstance(fx, Notice):
                self.notice(fx.text, fx.level)
            elif isinstance(fx, Call):
                self.notice(f"{fx.action} no enviado: el cargador no está conectado", "warn")


class Gateway:
    def __init__(self, cfg: GatewayConfig, console: Console | None = None) -> None:
        self.cfg = cfg
        self.console = console or Console(f"OCPP {cfg.name}")
        self.slots: dict[str, CpSlot] = {}
        self.counters: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()   # "<cp_id or ?>@<host>: why" → count
        self.reporter = RefusalReporter(cfg.gateway_credentials) if cfg.gateway_credentials else None
        self.producer = None
        self.consumer = None
        self.offsets = None
        self.stopping = asyncio.Event()
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._central_ctx: ssl.SSLContext | None = None
        self.outbox: GroupCommitter | None = None   # group commit into the producer's outbox

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        home = self.cfg.data_dir / f"ocpp-gateway-{self.cfg.name}"
        home.mkdir(parents=True, exist_ok=True)
        self._start_kafka(home)
        host, port = self.cfg.listen
        self._server = await serve(self._handler, host, port, ssl=self.cfg.server_tls,
                                   subprotocols=[SUBPROTOCOL], process_request=self._process_request,
                                   ping_interval=None, max_size=256 * 1024)
        self.port = self._server.sockets[0].getsockname()[1]
        scheme = "wss" if self.cfg.server_tls else "ws"
        self.console.line(f"Pasarela OCPP 1.6J escuchando en {scheme}://{host}:{self.port}/<id del CP>")
        status = asyncio.create_task(self._status_forever())
        reports = asyncio.create_task(self._report_forever())
        if self.reporter is None:
            self.console.line("Sin --gateway-credentials: los cargadores rechazados solo se registran aquí "
                              "(la CENTRAL no los muestra)", "warn")
        try:
            await self.stopping.wait()
        finally:
            status.cancel()
            reports.cancel()
            await self._shutdown()

    def request_stop(self) -> None:
        self.stopping.set()

    def _start_kafka(self, home: Path) -> None:
        from ev_common.kafka.consumer import ResilientConsumer  # noqa: PLC0415
        from ev_common.kafka.offsets import OffsetStore  # noqa: PLC0415
        from ev_common.kafka.producer import ReliableProducer  # noqa: PLC0415

        client_id = f"ocpp-gateway-{self.cfg.name}"
        self.producer = ReliableProducer(self.cfg.bootstrap_servers, home / "outbox.sqlite3", client_id=client_id)
        self.outbox = GroupCommitter(self.producer, self.counters)
        self.offsets = OffsetStore(home / "offsets.sqlite3")
        self.consumer = ResilientConsumer(
            self.cfg.bootstrap_servers, [self.cfg.topics.cp_commands], group_id=None, client_id=client_id,
            # "earliest" (then its saved positions): with "latest", a command Central sent while this
            # reader was still connecting under load was skipped for good (seen in the tests);
            # old commands are cheap to skip (no slot, or refused as seen/too old by the guard)
            on_batch=self._on_commands, start_from="earliest", offset_store=self.offsets,
            dead_letters=self.producer, dead_letter_topic=self.cfg.topics.dead_letters,
            consumer_config={"fetch_max_wait_ms": FETCH_MAX_WAIT_MS})
        self.consumer.start()

    async def _shutdown(self) -> None:
        self.console.line("Deteniendo la pasarela OCPP…")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for slot in self.slots.values():
            await self._stop_monitor(slot)
            if slot.lost_task is not None:
                slot.lost_task.cancel()
        if self.consumer is not None:
            await asyncio.to_thread(self.consumer.stop)
            self.offsets.close()
        if self.outbox is not None:
            await self.outbox.close()
        if self.producer is not None:
            await asyncio.to_thread(self.producer.flush, 3.0)
            await asyncio.to_thread(self.producer.close)
        self.console.line("Pasarela OCPP detenida")

    # ------------------------------------------------------------- who may connect
    def _process_request(self, connection: ServerConnection, request):
        cp_id, why = basic_auth.check(self.cfg.credentials, request.path, request.headers.get("Authorization"))
        if not why:
            return None
        peer = connection.remote_address[0] if connection.remote_address else "?"
        self.counters[f"refused_{why}"] += 1
        key = f"{(cp_id or '?')[:64]}@{peer}: {why}"
        if key in self.refused or len(self.refused) < MAX_REFUSED_KEYS:  # bounded: ids are the peer's choice
            self.refused[key] += 1
        else:
            self.refused["(otros)"] += 1
        log.warning("charger %r from %s REFUSED (HTTP 401): %s", (cp_id or "?")[:64], peer, why)
        if self.reporter is not None:
            self.reporter.note(cp_id, peer, why)
        response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
        response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
        return response

    # ------------------------------------------------------------------ a charger
    async def _handler(self, connection: ServerConnection) -> None:
        cp_id = basic_auth.cp_id_from_path(connection.request.path)
        if connection.subprotocol != SUBPROTOCOL or cp_id is None:
            self.counters["refused_subprotocol"] += 1
            log.warning("charger %r without subprotocol %s: closed", cp_id, SUBPROTOCOL)
            await connection.close(1002, "ocpp1.6 required")
            return
        slots = self._box_slots(cp_id)
        if slots is None:
            await connection.close(1011, "no state for this charger")
            return
        slot = slots[1]
        old = next((sl.charger for sl in slots.values() if sl.charger is not None), None)
        if old is not None:  # a reconnect while the old link still looks open: the new one wins
            log.info("cp=%s reconnected: closing the previous WebSocket", cp_id)
            await old._connection.close(1000, "replaced")  # noqa: SLF001
        charger = GatewayChargePoint(slots, connection, heartbeat_interval_s=self.cfg.heartbeat_interval_s,
                                     call_timeout_s=self.cfg.call_timeout_s)
        for sl in slots.values():
            if sl.lost_task is not None:
                sl.lost_task.cancel()
                sl.lost_task = None
            sl.charger = charger
        for n, sl in slots.items():
            # one CP per connector: Parar/Reanudar of one CP must not switch the whole box off
            sl.bridge.own_connector = n if len(slots) > 1 else None
        self.counters["connections"] += 1
        extra = f" (conectores como CPs: {', '.join(s.cp_id for s in slots.values())})" if len(slots) > 1 else ""
        self.console.line(f"Cargador {cp_id} conectado ({connection.remote_address[0]}){extra}")
        for sl in slots.values():
            await self._start_monitor(sl)
        watchdog = asyncio.create_task(self._watch(charger, connection))
        try:
            await charger.start()
        except ConnectionClosed:
            pass
        finally:
            watchdog.cancel()
            charger.cancel_calls()
            for sl in slots.values():
                if sl.charger is charger:
                    sl.charger = None
                    await self._stop_monitor(sl)
                    if sl.bridge.open_tx() is not None:
                        sl.lost_task = asyncio.create_task(self._lost_after_grace(sl))
            if slot.charger is None:
                self.console.line(f"Cargador {cp_id} desconectado", "warn")

    def _box_slots(self, box_id: str) -> dict[int, CpSlot] | None:
        """The CPs of box *box_id* by connector: itself (1) and ``<box>-n`` for every connector
        with credentials of its own (ocpp_gateway.connectors); None when the box cannot be served."""
        first = self._slot(box_id)
        if first is None:
            return None
        slots = {1: first}
        if connectors.connector_of(box_id) is None:  # a connector's id is never a box of its own
            for n in range(2, connectors.MAX_CONNECTORS + 1):
                sub = connectors.connector_cp_id(box_id, n)
                if cp_credentials.file_for(self.cfg.credentials, sub).exists():
                    sl = self._slot(sub, connector=n)
                    if sl is not None:
                        slots[n] = sl
        return slots

    async def _watch(self, charger: GatewayChargePoint, connection: ServerConnection) -> None:
        """Heartbeat liveness: no message for charger_timeout_s → close (the charger is gone)."""
        while True:
            await asyncio.sleep(min(5.0, self.cfg.charger_timeout_s / 3))
            if time.monotonic() - charger.last_seen > self.cfg.charger_timeout_s:
                self.counters["charger_timeouts"] += 1
                log.warning("cp=%s silent for %.0f s: disconnected", charger.id, self.cfg.charger_timeout_s)
                await connection.close(1001, "heartbeat timeout")
                return

    async def _lost_after_grace(self, slot: CpSlot) -> None:
        await asyncio.sleep(self.cfg.lost_grace_s)
        if slot.charger is None:
            self.counters["supplies_closed_charger_lost"] += 1
            slot.apply(slot.bridge.charger_lost())

    def _slot(self, cp_id: str, connector: int = 1) -> CpSlot | None:
        slot = self.slots.get(cp_id)
        if slot is not None:
            return slot
        cp_dir = self.cfg.data_dir / f"ocpp-{cp_id}"
        cp_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(cp_dir / "gateway.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            auth = EngineAuth(self.cfg.credentials, cp_id, cp_dir, command_max_age_s=self.cfg.command_max_age_s)
        except (OSError, CredentialsError) as exc:
            os.close(fd)
            log.error("cp=%s cannot be served here: %s", cp_id, exc)
            return None
        state_file = cp_dir / "state.json"
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = None
        except (OSError, ValueError) as exc:
            log.error("cp=%s state %s unreadable (%s): starting empty", cp_id, state_file, exc)
            state = None
        bridge = Bridge(cp_id, state, default_connector=connector if connector > 1 else self.cfg.default_connector,
                        tx_base=connectors.tx_base(connector))
        slot = CpSlot(self, cp_id, bridge, auth, state_file, Console(f"OCPP {cp_id}"), lock_fd=fd)
        self.slots[cp_id] = slot
        return slot

    async def _start_monitor(self, slot: CpSlot) -> None:
        await self._stop_monitor(slot)
        creds = cp_credentials.load(self.cfg.credentials, slot.cp_id)
        cfg = MonitorConfig(cp_id=slot.cp_id, engine=("-", 0), central=self.cfg.central, cp_key=creds.key,
                            central_fallbacks=self.cfg.central_fallbacks, central_tls=self.cfg.central_tls, auth_retry_s=5.0, link_kind="ocpp")
        slot.monitor = ChargerMonitor(cfg, console=slot.console, shared_tls=self._central_tls())
        health = slot.bridge.health_reasons()
        if health:
            slot.monitor.set_health(False, "; ".join(health))
        slot.monitor_task = asyncio.create_task(slot.monitor.run(), name=f"central-{slot.cp_id}")

    def _central_tls(self) -> ssl.SSLContext | None:
        """The client context for Central, made once (None: let each link make and report its own)."""
        if self._central_ctx is None and not self.cfg.central_tls.plaintext:
            try:
                self._central_ctx = self.cfg.central_tls.context()
            except (OSError, ssl.SSLError) as exc:
                log.error("CA for Central's socket unusable (%s): each link retries on its own", exc)
        return self._central_ctx

    async def _stop_monitor(self, slot: CpSlot) -> None:
        task, slot.monitor_task, slot.monitor = slot.monitor_task, None, None
        if task is not None:
            await cancel_and_wait([task])  # a plain cancel can be swallowed (ev_common.tasks)

    # ------------------------------------------------------------------- Kafka
    def publish(self, slot: CpSlot, body: c.Payload, msg_id: str | None) -> None:
        """Queue a signed event for the next outbox group (see :meth:`durable`)."""
        env = slot.auth.sign_event(c.envelope(body, source=f"ocpp-{slot.cp_id}", msg_id=msg_id))
        self._queue(env)
        self.counters[f"published_{body.TYPE}"] += 1
        if not isinstance(body, c.Telemetry):
            log.info("cp=%s sent %s id=%s", slot.cp_id, body.TYPE, env.id)

    def _queue(self, env: c.Envelope) -> None:
        self.outbox.queue(self.cfg.topics.cp_events, env)

    async def _report_forever(self) -> None:
        """Refused chargers → one signed GatewayReport per interval (see ocpp_gateway.refusals)."""
        if self.reporter is None:
            return
        while True:
            await asyncio.sleep(self.cfg.report_interval_s)
            body = self.reporter.report(time.time())
            if body is None:
                continue
            env = c.envelope(body, source=f"ocpp-gateway-{self.cfg.name}")
            self._queue(env)
            self.counters["gateway_reports"] += 1
            log.info("gateway report seq=%d: %d charger(s) refused", body.seq,
                     sum(e.count for e in body.refused) + body.others)

    async def durable(self) -> None:
        """Every event queued so far is in the outbox (see ocpp_gateway.outbox_group)."""
        await self.outbox.durable()

    def _on_commands(self, deliveries: list) -> None:
        """Consumer thread: apply each command on the loop, in order, before the commit."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("gateway loop not running")
        fut = asyncio.run_coroutine_threadsafe(self._apply_commands([d.envelope for d in deliveries]), loop)
        fut.result(timeout=30)

    async def _apply_commands(self, envelopes: list[c.Envelope]) -> None:
        for env in envelopes:
            body = env.body
            slot = self.slots.get(getattr(body, "cp_id", None) or "")
            if slot is None:
                continue  # not a charger of this gateway
            now = time.time()
            if not slot.auth.accept_command(env, now):
                self.counters["commands_refused"] += 1
                slot.notice(f"Orden {body.TYPE} RECHAZADA: no viene firmada por la CENTRAL (o es una repetición)",
                            "warn")
                continue
            log.info("cp=%s command %s %s", slot.cp_id, body.TYPE, getattr(body, "session_id", ""))
            if isinstance(body, c.AuthorizeSupply):
                slot.apply(slot.bridge.on_authorize(body, now))
            elif isinstance(body, c.CancelAuthorization):
                slot.apply(slot.bridge.on_cancel(body))
            elif isinstance(body, c.StopSupply):
                slot.apply(slot.bridge.on_stop(body))
            elif isinstance(body, c.SetAvailability):
                slot.apply(slot.bridge.on_availability(body))

    # ------------------------------------------------------------------ status
    def status(self) -> dict:
        counters = Counter(self.counters)
        for slot in self.slots.values():
            counters.update({f"bridge_{k}": v for k, v in slot.bridge.counters.items()})
        return {"name": self.cfg.name, "port": self.port, "at": time.time(),
                "connected": sorted(s.cp_id for s in self.slots.values() if s.charger is not None),
                "central_linked": sorted(s.cp_id for s in self.slots.values()
                                         if s.monitor is not None and s.monitor.central_connected),
                "refused": dict(self.refused.most_common(100)), "counters": dict(counters),
                "queued_events": self.producer.status().queued if self.producer else 0}

    async def _status_forever(self) -> None:
        last_refused = 0
        while True:
            await asyncio.sleep(self.cfg.status_interval_s)
            st = self.status()
            total_refused = sum(self.refused.values())
            if total_refused != last_refused:
                self.console.line(f"{total_refused} conexión(es) de cargadores rechazadas (401) en total; "
                                  f"últimas: {', '.join(list(st['refused'])[:5])}", "warn")
                last_refused = total_refused
            if self.cfg.status_file is not None:
                tmp = self.cfg.status_file.with_suffix(".tmp")
                try:
                    tmp.write_text(json.dumps(st, indent=1), encoding="utf-8")
                    os.replace(tmp, self.cfg.status_file)
                except OSError as exc:
                    log.warning("status file %s not written: %s", self.cfg.status_file, exc)
