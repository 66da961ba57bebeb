"""Central's wiring: Kafka batches, monitor sockets and timers → core → DB transaction → effects.

Threads: the asyncio loop owns every state change and every DB access. The consumer thread
hands each batch to the loop (``run_coroutine_threadsafe``) and waits, so offsets are committed
only after the batch was applied. Argon2 checks run in the default executor (no DB there).

Effects and crashes (the choice the issue asks to document): the effects of a message are
written as rows of ``pending_effects`` *in the same DB transaction* as the state change and the
processed message id (a transactional outbox). Only after the commit are they handed to the
:class:`ReliableProducer` (whose own outbox is durable like the database: see
``CentralConfig.outbox_sync``) and deleted. So:

* death before the commit → nothing happened; the message is redelivered and applied once;
* death after the commit, before the hand-over → the rows are still there and are handed over at
  the next start; the redelivered message is skipped as already processed;
* death after the hand-over, before the rows' deletion → those effects are handed over again with
  the *same* envelope ids, which consumers deduplicate.
Telemetry is the exception: it is idempotent by ``seq``, its effects (SupplyProgress, CpState)
are superseded by the next tick, and live values are persisted at most once per second.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ev_common import contract as c
from ev_common.kafka.consumer import Delivery, ResilientConsumer, RetryLater
from ev_common.kafka.producer import OutboxRefused, ReliableProducer
from ev_common.topics import Topics
from central_service import activity, db
from central_service.authenticity import (
    CP_COMMAND_TYPES, CP_EVENT_TYPES, DEFAULT_CP_EVENT_MAX_AGE_S, CpEventVerifier, CpKeyring, sign_command,
)
from central_service.core import CentralCore
from central_service.sessions import SIGNED_BY_SESSION, Session, SessionBook
from central_service.domain.login_throttle import LoginThrottle, ThrottlePolicy
from central_service.connection_limits import LinkLimits
from central_service.socket_options import central_ssl
from central_service.domain.restart_grace import RequestOnHold
from central_service.socket_server import SocketServer
from central_service.notify_keys import NotifyKeyring
from central_service.store import Store, is_db_error
from central_service.tokens import TokenSigner, load_or_create_secret, verify_secret_or_dummy

log = logging.getLogger("central")

FAULT_KILL_BEFORE_RELAY = "EV_FAULT_KILL_BEFORE_RELAY"

_CP_COMMANDS = (c.AuthorizeSupply, c.CancelAuthorization, c.StopSupply, c.SetAvailability)


@dataclass(frozen=True)
class CentralConfig:
    port: int
    bootstrap_servers: str
    data_dir: Path
    topic_prefix: str = "ev"
    host: str = "0.0.0.0"
    db_url: str | None = None
    reservation_timeout: float = 30.0
    monitor_timeout: float = 5.0
    heartbeat_interval: float = 1.0
    token_secret: str | None = None
    token_ttl: float = 600.0  # session lifetime: short, renewed over the socket while the app is open
    session_grace: float = 3600.0  # how late a message signed while its session was valid may arrive
    interrupted_timeout: float = 600.0
    instance: str = "central"
    tick_interval: float = 0.2
    live_flush_interval: float = 1.0
    # SQLite ``synchronous`` of the database (see db.connect and docs/design.md, "Power cut"):
    # FULL fsyncs every commit, so a state change whose effects may already be out (an
    # authorization, a command) is never lost to a power cut.
    db_sync: str = "FULL"
    # ... and of the producer outbox's appends: at least as durable as the database, because a
    # relayed effect is deleted from the database once the outbox holds it.
    outbox_sync: str = "FULL"
    # Tests only (env EV_FAULT_KILL_BEFORE_RELAY=<message type>): Central kills itself
    # (SIGKILL) after committing a transaction whose effects include that type, before relaying
    # them — the transactional outbox's crash window, see tests/e2e/test_power_cut.py.
    fault_kill_before_relay: str | None = None
    # Size cap of Central's Kafka outbox (rows). Beyond it live values are dropped (superseded)
    # and committed effects wait in the database (pending_effects) until Kafka drains it.
    outbox_max_rows: int = 1_000_000
    # Retention (central_service.retention): processed ids longer than Kafka's retention.
    processed_ids_retention: float = 30 * 86400.0
    event_log_retention: float = 180 * 86400.0
    prune_interval: float = 3600.0
    login_max_failures: int = 5
    login_lockout: float = 30.0
    #: copies of each topic / acks=all quorum; None = EV_KAFKA_* env, else fitted to the cluster
    replication_factor: int | None = None
    min_insync_replicas: int | None = None
    # socket links (central_service.connection_limits, ev_common.tls_links): TLS unless
    # plaintext_socket; the certificate given, or issued from the CA in pki_dir for tls_hosts
    # (empty: this machine's names + localhost/127.0.0.1)
    limits: LinkLimits = LinkLimits()
    plaintext_socket: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_hosts: tuple[str, ...] = ()
    pki_dir: Path | None = None
    # message authenticity and billing (docs/security.md, "Message authenticity, billing and tokens")
    cp_event_max_age: float = DEFAULT_CP_EVENT_MAX_AGE_S
    billing_time_scale: float = 1.0  # the CPs' --time-scale (demo): metered seconds per real second
    # seconds after a restart during which a request for a CP whose Monitor was connected before
    # is held instead of denied "disconnected" (None: see restart_grace_s); domain.restart_grace
    restart_grace: float | None = None

    @property
    def restart_grace_s(self) -> float:
        """Default: twice the monitor timeout — one timeout is how long a silent Monitor is
        tolerated in normal running; after a restart it also needs one reconnect backoff
        (the Monitor's is capped at 5 s by default, the default monitor timeout)."""
        return 2 * self.monitor_timeout if self.restart_grace is None else self.restart_grace


class CentralService:
    def __init__(self, config: CentralConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.topics = Topics(config.topic_prefix)
        self.store = Store()
        self.core: CentralCore | None = None
        self.port: int | None = None
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._producer: ReliableProducer | None = None
        self._consumer: ResilientConsumer | None = None
        self._server: SocketServer | None = None
        self._keyring = CpKeyring(self.store)
        self.notify_keys = NotifyKeyring(self.store)  # seals driver notifications per driver
        self._verifier: CpEventVerifier | None = None
        self.sessions: SessionBook | None = None
        self._started_at = time.time()

    @property
    def counters(self):
        return self.core.counters if self.core else {}

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        """Start everything, serve until :meth:`request_stop`, then shut down cleanly."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            await self._start()
        except BaseException as exc:
            self.failed = exc
            self.ready.set()
            raise
        self.ready.set()
        tasks = [asyncio.create_task(self._every(self.config.tick_interval, self._tick)),
                 asyncio.create_task(self._every(self.config.heartbeat_interval, self._heartbeat)),
                 asyncio.create_task(self._every(30.0, self._log_counters)),
                 asyncio.create_task(self._prune_periodically()),
                 asyncio.create_task(self._ensure_topics())]
        try:
            await self._stopping.wait()
        finally:
            for t in tasks:
                t.cancel()
            await self._shutdown()

    async def _ensure_topics(self) -> None:
        """Create this prefix's topics (compacted state topic included) once Kafka answers.

        Runs beside normal work and retries forever: Central must start, serve sockets and
        queue effects even while Kafka is down. Nothing reaches a topic before this created it
        with its settings (the broker and our clients never auto-create). An existing topic
        that cannot be repaired safely stops Central with the reason."""
        from ev_common.kafka.admin import TopicSetupError, ensure_topics

        loop = asyncio.get_running_loop()
        delay = 0.5
        while True:
            try:
                await loop.run_in_executor(None, lambda: ensure_topics(
                    self.config.bootstrap_servers, self.topics, 3.0,
                    replication_factor=self.config.replication_factor,
                    min_insync=self.config.min_insync_replicas))
                log.info("topics %s.* ready", self.config.topic_prefix)
                return
            except TopicSetupError as exc:
                log.error("Central cannot run on these topics: %s", exc)
                self.failed = exc
                self.request_stop()
                return
            except Exception as exc:  # noqa: BLE001 - Kafka unreachable: try again later
                log.info("topics not checked yet (%s); retrying in %.0fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _start(self) -> None:
        cfg = self.config
        url = cfg.db_url or db.default_db_url(cfg.data_dir)
        db.connect(url, synchronous=cfg.db_sync)
        log.info("database %s ready", url.split("@")[-1])
        signer = TokenSigner(load_or_create_secret(cfg.data_dir, cfg.token_secret), cfg.token_ttl, self.clock)
        self.core = CentralCore(self.store, signer, reservation_timeout=cfg.reservation_timeout,
                                monitor_timeout=cfg.monitor_timeout,
                                interrupted_timeout=cfg.interrupted_timeout, clock=self.clock,
                                billing_time_scale=cfg.billing_time_scale)
        self.core.load()
        self.sessions = SessionBook(ttl_s=cfg.token_ttl, grace_s=cfg.session_grace, clock=self.clock,
                                    counters=self.core.counters)
        self._verifier = CpEventVerifier(self._keyring, self.core.counters, max_age_s=cfg.cp_event_max_age,
                                         clock=self.clock)
        self._producer = ReliableProducer(cfg.bootstrap_servers, cfg.data_dir / "outbox-central.sqlite3",
                                          client_id=f"{cfg.topic_prefix}.central",
                                          outbox_append_sync=cfg.outbox_sync,
                                          outbox_max_rows=cfg.outbox_max_rows)
        self._relay()  # effects committed before a crash but not handed over yet
        self._send_many(self.core.all_states())
        log.info("loaded %d CPs (all disconnected until their monitors authenticate)", len(self.core.cps))
        throttle = LoginThrottle(ThrottlePolicy(max_failures=cfg.login_max_failures,
                                                max_failures_per_peer=4 * cfg.login_max_failures,
                                                lockout_s=cfg.login_lockout))
        self._server = SocketServer(self, cfg.host, cfg.port, cfg.heartbeat_interval, self.core.counters,
                                    throttle=throttle, tls=central_ssl(cfg), limits=cfg.limits)
        self.port = await self._server.start()
        # counted from the moment Monitors can reconnect (the socket serves), before any request is read
        self.core.start_restart_grace(self.store.previously_connected(), cfg.restart_grace_s)
        self._consumer = ResilientConsumer(
            cfg.bootstrap_servers,
            [self.topics.driver_requests, self.topics.cp_events, self.topics.operator_commands],
            group_id=f"{cfg.topic_prefix}.central", client_id=f"{cfg.topic_prefix}.central",
            on_batch=self._on_batch, dead_letters=self._producer,
            dead_letter_topic=self.topics.dead_letters)
        self._consumer.start()
        log.info("Central ready: port=%d kafka=%s prefix=%s", self.port, cfg.bootstrap_servers, cfg.topic_prefix)

    async def _shutdown(self) -> None:
        loop = asyncio.get_running_loop()
        if self._consumer is not None:  # its thread may wait on this loop: never block the loop
            await loop.run_in_executor(None, self._consumer.stop)
        if self._server is not None:
            await self._server.stop()
        if self.core is not None:
            try:
                self.store.save_live_values(self.core.dirty_live_values())
            except Exception:  # noqa: BLE001
                log.exception("could not save live values at shutdown")
        if self._producer is not None:
            await loop.run_in_executor(None, self._producer.close)
        db.close()
        log.info("Central stopped")

    def request_stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    def start_in_thread(self, timeout: float = 60.0) -> "CentralService":
        """Run in a background thread (tests, embedding); returns once serving."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self.run()), name="central", daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout):
            raise TimeoutError("Central did not start in time")
        if self.failed is not None:
            raise RuntimeError(f"Central failed to start: {self.failed!r}") from self.failed
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def consumer_partitions(self) -> int:
        """Partitions the consumer reads (as of its last health check); 0 while joining the group."""
        lag = self._consumer.lag_by_partition() if self._consumer is not None else None
        return len(lag or {})

    def call(self, fn: Callable, timeout: float = 10.0):
        """Run *fn()* on the service loop and return its result (tests, admin)."""
        assert self._loop is not None

        async def _do():
            return fn()
        return asyncio.run_coroutine_threadsafe(_do(), self._loop).result(timeout)

    async def _every(self, interval: float, fn: Callable[[], None]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                fn()
            except Exception:  # noqa: BLE001 - a timer must keep running
                log.exception("timer %s failed", getattr(fn, "__name__", fn))

    async def _prune_periodically(self) -> None:
        """Retention, off the hot path: every *prune_interval* delete expired processed ids and
        event-log lines one short transaction at a time, yielding to the loop between chunks
        so batches and sockets are served meanwhile."""
        from central_service.retention import RetentionPolicy, prune_steps

        cfg = self.config
        policy = RetentionPolicy(cfg.processed_ids_retention, cfg.event_log_retention)
        while True:
            await asyncio.sleep(cfg.prune_interval)
            try:
                result = None
                for result in prune_steps(policy, self.clock()):
                    await asyncio.sleep(0)
                if result is not None and result.total:
                    log.info("pruned %d processed message id(s) and %d event-log line(s) past retention",
                             result.processed_ids, result.event_log)
            except Exception:  # noqa: BLE001 - retried at the next interval
                log.exception("pruning failed; retrying in %.0f s", cfg.prune_interval)

    # ------------------------------------------------------------------- effects
    def _topic_for(self, p: c.Payload) -> str:
        if isinstance(p, _CP_COMMANDS):
            return self.topics.cp_commands
        if isinstance(p, c.CpState):
            return self.topics.cp_state
        if isinstance(p, c.CentralHeartbeat):
            return self.topics.central_heartbeat
        if isinstance(p, c.CentralActivity):
            return self.topics.central_activity
        return self.topics.driver_notifications

    def _envelope(self, p: c.Payload) -> c.Envelope:
        """The envelope of an effect; commands for a CP are signed with that CP's key, driver
        notifications are sealed under that driver's notification key."""
        env = c.envelope(p, source=self.config.instance)
        if isinstance(p, CP_COMMAND_TYPES):
            return sign_command(env, self._keyring)
        return self.notify_keys.seal_if_notification(env)

    def _send(self, p: c.Payload) -> None:
        """Heartbeats and other superseded messages: refused by a full outbox, they are dropped
        (the next one replaces them) with a warning — never an exception in a timer."""
        assert self._producer is not None
        try:
            self._producer.send(self._topic_for(p), self._envelope(p))
        except OutboxRefused as exc:
            self._outbox_refused(exc, f"{p.TYPE} dropped (superseded by the next one)")

    def _send_many(self, payloads: Iterable[c.Payload]) -> None:
        """One durable outbox write for many effects (one fsync instead of one per message).
        Only for live values / states that the next ones supersede (see :meth:`_send`)."""
        assert self._producer is not None
        items = [(self._topic_for(p), self._envelope(p)) for p in payloads]
        try:
            self._producer.send_many(items)
        except OutboxRefused as exc:
            self._outbox_refused(exc, f"{len(items)} live value(s) dropped (superseded by the next ones)")

    _last_refusal_log = 0.0

    def _outbox_refused(self, exc: OutboxRefused, what: str) -> None:
        if self.core is not None:
            self.core.counters["outbox_refused"] += 1
        now = time.monotonic()
        if now - self._last_refusal_log >= 10.0:
            self._last_refusal_log = now
            log.error("Kafka outbox refused new events (%s: %s): %s; committed effects wait in the "
                      "database and are relayed once it accepts them again", exc.code, exc.detail, what)

    def _stage(self, effects: list[c.Payload]) -> None:
        rows = [(self._topic_for(p), c.encode(self._envelope(p))) for p in effects]
        self.store.add_effects(rows, time.time())

    def _relay(self) -> None:
        """Hand committed effects to the producer (durable), then forget them."""
        assert self._producer is not None
        while True:
            pending = self.store.pending_effects()
            if not pending:
                return
            envelopes = [(e.topic, c.decode(e.payload)) for e in pending]
            if self.config.fault_kill_before_relay:
                self._fault_point(envelopes)
            try:
                self._producer.send_many(envelopes)
            except OutboxRefused as exc:  # disk full / cap: they stay in the DB, retried each tick
                self._outbox_refused(exc, f"{len(envelopes)} effect(s) kept in pending_effects")
                return
            # The deletion needs no fsync of its own: lost to a power cut, it only re-relays
            # effects with their same envelope ids, which every consumer deduplicates.
            with db.synchronous("NORMAL"):
                self.store.delete_effects([e.id for e in pending])

    def _fault_point(self, envelopes: list[tuple[str, c.Envelope]]) -> None:
        """Tests only: die like a power cut between the commit and the relay."""
        if any(env.type == self.config.fault_kill_before_relay for _, env in envelopes):
            log.warning("fault injection %s=%s: killing Central before relaying %d effect(s)",
                        FAULT_KILL_BEFORE_RELAY, self.config.fault_kill_before_relay, len(envelopes))
            logging.shutdown()
            os.kill(os.getpid(), signal.SIGKILL)

    def _transact(self, step: Callable[[], list[c.Payload]]) -> None:
        """Run a state change and stage its effects in one DB transaction, then relay."""
        assert self.core is not None
        try:
            with self.store.atomic():
                effects = step()
                self._stage(effects + activity.from_effects(effects))
        except Exception:
            self.core.reload_after_failure()
            raise
        self._relay()

    # ---------------------------------------------------------------- Kafka input
    def _on_batch(self, deliveries: list[Delivery]) -> None:
        """Consumer thread: apply the batch on the loop and wait (offsets commit afterwards)."""
        assert self._loop is not None

        async def _apply() -> None:
            self._apply_batch(deliveries)
        asyncio.run_coroutine_threadsafe(_apply(), self._loop).result()

    def _apply_batch(self, deliveries: list[Delivery]) -> None:
        assert self.core is not None
        # Live values (SupplyProgress, CpState from telemetry) are superseded by the next tick:
        # keep only the latest per (type, key) within the batch and write them in one outbox
        # transaction. They are flushed before any other message is applied and after the
        # batch's staged effects, so the last CpState sent always reflects the latest facts.
        live: dict[tuple[str, str], c.Payload] = {}
        assert self._verifier is not None
        for d in deliveries:
            env = d.envelope
            if isinstance(env.body, CP_EVENT_TYPES):
                why = self._verifier.problem(env)
                if why is not None:
                    self._dead_letter(d, why)
                    continue
            if isinstance(env.body, c.Telemetry):
                for p in self.core.on_telemetry(env.body):
                    live[(p.TYPE, p.partition_key())] = p
                continue
            if live:
                self._send_many(live.values())
                live.clear()
            try:
                with self.store.atomic():
                    seen_as = self.store.processed_type(env.id)
                    if seen_as == env.type:
                        self.core.counters["duplicates"] += 1
                        log.info("duplicate message id=%s type=%s: already applied", env.id, env.type)
                        continue
                    principal = (self.sessions.principal(env) if isinstance(env.body, SIGNED_BY_SESSION)
                                 and self.sessions is not None else None)
                    refused_before = self.core.counters["operator_unauthorized"]
                    effects = self.core.on_message(env, principal)
                    effects = effects + activity.activity_for(
                        env, effects, self.core.counters["operator_unauthorized"] > refused_before)
                    if seen_as is None:
                        self.store.mark_processed(env.id, env.type, time.time())
                    else:
                        # the id was taken first by a message of another type (forged, e.g. a fake
                        # "final-<session>"): the real one must not be skipped as a duplicate. It
                        # is applied unrecorded; the domain's own checks (billed, seq, session
                        # state) keep a redelivery of it harmless.
                        self.core.counters["id_conflicts"] += 1
                        log.warning("message id=%s type=%s reuses the id of an applied %s: applied "
                                    "on its own merits", env.id, env.type, seen_as)
                    self._stage(effects)
            except RequestOnHold as exc:
                # nothing changed (the core decides before touching state); the consumer applies
                # the batch again shortly and the offset stays uncommitted, so even a crash
                # meanwhile loses nothing. Messages before this one are already recorded.
                self._relay()
                raise RetryLater(str(exc)) from exc
            except Exception as exc:
                self.core.reload_after_failure()
                if is_db_error(exc):
                    # the consumer retries the batch until the DB is back; applied messages
                    # are skipped by id
                    raise RetryLater(f"database unavailable: {exc}") from exc
                self.core.counters["handler_errors"] += 1
                log.exception("message id=%s type=%s could not be applied: dead-lettered", env.id, env.type)
                self._dead_letter(d, f"central failed: {type(exc).__name__}: {exc}")
        self._relay()
        if live:
            self._send_many(live.values())

    def _dead_letter(self, d: Delivery, reason: str) -> None:
        body = c.DeadLetter(origin_topic=d.topic, partition=d.partition, offset=d.offset, key=d.key,
                            value=c.describe_bytes(c.encode(d.envelope)), reason=reason,
                            consumer=f"{self.config.topic_prefix}.central")
        assert self._producer is not None
        self._producer.send(self.topics.dead_letters, c.envelope(body, source=self.config.instance))

    # ------------------------------------------------------------- timers
    _last_flush = 0.0

    def _tick(self) -> None:
        assert self.core is not None
        self._transact(self.core.on_tick)
        now = time.monotonic()
        if now - self._last_flush >= self.config.live_flush_interval:
            self._last_flush = now
            dirty = self.core.dirty_live_values()
            if dirty:
                self.store.save_live_values(dirty)

    def _heartbeat(self) -> None:
        assert self.core is not None
        cps = self.core.cps.values()
        self._send(c.CentralHeartbeat(instance=self.config.instance, started_at=self._started_at,
                                      interval_s=self.config.heartbeat_interval, cps_total=len(cps),
                                      cps_connected=sum(1 for cp in cps if cp.monitor_connected),
                                      counters=dict(self.core.counters)))

    _logged_counters: dict = {}

    def _log_counters(self) -> None:
        assert self.core is not None
        now = dict(self.core.counters)
        if now != self._logged_counters:
            self._logged_counters = now
            log.info("counters: %s", " ".join(f"{k}={v}" for k, v in sorted(now.items())) or "none")

    # ------------------------------------------------ socket gateway (on the loop)
    async def authenticate_cp(self, cp_id: str, key: str) -> tuple[str, str] | None:
        assert self.core is not None
        # unknown CP or wrong key: the same argon2 work and the same answer (no enumeration)
        key_hash = self.store.cp_key_hash(cp_id) if self.core.known_cp(cp_id) is not None else None
        ok = await asyncio.get_running_loop().run_in_executor(None, verify_secret_or_dummy, key_hash, key)
        if not ok:
            if key_hash is None:
                log.info("AUTH for cp=%s: no such CP registered", cp_id[:80])
            return ("bad_credentials", f"Identificador o clave incorrectos para el punto de carga {cp_id}")
        self._transact(lambda: self.core.on_monitor_auth(cp_id))
        return None

    def monitor_event(self, kind: str, cp_id: str, arg: str = "") -> None:
        assert self.core is not None
        if kind == "hb":
            self._transact(lambda: self.core.on_monitor_heartbeat(cp_id, arg == "OK"))
        elif kind == "fault":
            self._transact(lambda: self.core.on_monitor_fault(cp_id, arg))
        elif kind == "recover":
            self._transact(lambda: self.core.on_monitor_recover(cp_id))

    async def login(self, driver_id: str, password: str) -> tuple[str, int, str, str, str, str] | None:
        """(token, expires_at, session id, session key, notification key id, notification key)
        for the right password, else None. Every login of a driver gets the same notification
        key (two apps of one driver both read), created at its first login if it has none."""
        assert self.core is not None
        stored = self.store.driver_password_hash(driver_id)
        ok = await asyncio.get_running_loop().run_in_executor(None, verify_secret_or_dummy, stored, password)
        if not ok:
            return None
        opened = self._open_session("driver", driver_id)
        with self.store.atomic():
            key = self.notify_keys.for_login(driver_id)
        return (*opened, key.kid, key.text)

    async def operator_login(self, operator_id: str, password: str) -> tuple[str, int, str, str] | None:
        """An operator token (``op:…``) and session for the right password, else None."""
        assert self.core is not None
        stored = self.store.operator_password_hash(operator_id)
        ok = await asyncio.get_running_loop().run_in_executor(None, verify_secret_or_dummy, stored, password)
        if not ok:
            return None
        return self._open_session("operator", operator_id)

    def _open_session(self, role: str, subject: str) -> tuple[str, int, str, str]:
        assert self.core is not None and self.sessions is not None
        with self.store.atomic():
            s = self.sessions.open(role, subject)
        return (*self._token(role, subject, s), s.id, s.key)

    def _token(self, role: str, subject: str, s: Session) -> tuple[str, int]:
        """A token for the socket link (HISTORY, RENEW, LOGOUT) that ends with the session."""
        assert self.core is not None
        issued = (self.core.signer.issue_operator(subject) if role == "operator"
                  else self.core.signer.issue(subject))
        return issued.token, issued.expires_at

    def _token_subject(self, token: str) -> tuple[str, str] | None:
        assert self.core is not None
        from central_service.tokens import OPERATOR_PREFIX, TokenError
        try:
            if token.startswith(OPERATOR_PREFIX):
                return "operator", self.core.signer.verify_operator(token)
            return "driver", self.core.signer.verify(token)
        except TokenError:
            return None

    def renew(self, session_id: str, token: str) -> tuple[str, int] | None:
        """RENEW: a new token and expiry for a live session whose current token is valid."""
        who = self._token_subject(token)
        if who is None or self.sessions is None:
            return None
        with self.store.atomic():
            s = self.sessions.renew(session_id, *who)
        return None if s is None else self._token(who[0], who[1], s)

    def logout(self, session_id: str, token: str) -> bool:
        """LOGOUT: revoke the session (its key is refused from now on, whatever a message's time)."""
        who = self._token_subject(token)
        if who is None or self.sessions is None:
            return False
        with self.store.atomic():
            return self.sessions.revoke(session_id, *who)

    def history(self, token: str) -> list[dict]:
        assert self.core is not None
        return self.store.history(self.core.signer.verify(token))
