"""Central's wiring: Kafka batches, monitor sockets and timers → core → DB transaction → effects.

Threads: the asyncio loop owns every state change and every DB access. Two consumer threads
hand their batches to the loop (``run_coroutine_threadsafe``) and wait, so each commits its
offsets only after its batch was applied. Argon2 checks run in the default executor (no DB there).

Requests first (issue 14): driver requests and operator commands have their own consumer and
group (``<prefix>.central.requests``); CP events — thousands of CPs' telemetry a second — are
read by the other (``<prefix>.central``). So a request never waits behind a telemetry backlog
in Kafka, and on the loop it goes first: the events thread does not hand a batch over while a
request batch waits (bounded wait, so telemetry is never starved), and an events batch being
applied when a request arrives stops at the next multiple of :data:`EVENT_SLICE` messages,
completes what it applied, yields to the loop — the request runs — and goes on. Crash
semantics are unchanged: each consumer commits a batch's offsets only after all of it was
applied. Still one loop: every state change stays on it.

Effects and crashes (why Central never loses or doubles an effect): the effects of a message are
written as rows of ``pending_effects`` *in the same DB transaction* as the state change and the
processed message id (a transactional outbox). Only after the commit are they handed to the
:class:`ReliableProducer` (whose own outbox is durable like the database: see
``CentralConfig.outbox_sync``); their rows are deleted later, all at once from a timer
(``EffectRelay.forget_relayed``: not on the answer's path). So:

* death before the commit → nothing happened; the message is redelivered and applied once;
* death after the commit, before the hand-over → the rows are still there and are handed over at
  the next start; the redelivered message is skipped as already processed;
* death after the hand-over, before the rows' deletion (up to ``forget_interval``, 0.25 s) →
  those effects are handed over again with the *same* envelope ids, which consumers deduplicate.
Telemetry is the exception: it is idempotent by ``seq``, its effects (SupplyProgress, CpState)
are superseded by the next tick, and live values are persisted at most once per second; they
take the live lane of :mod:`.effects` (in memory, coalesced per key, admitted into the producer's
outbox only while it is short), so answers and commands never queue behind them.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from ev_common import contract as c
from ev_common.kafka.consumer import ResilientConsumer
from ev_common.kafka.producer import ReliableProducer
from ev_common.topics import Topics
from central_service import activity, db
from central_service.domain.alerts import AlertPolicy
from central_service.workbench import Workbench
from central_service.application import CentralCore
from central_service.authenticity import CpEventVerifier, CpKeyring
from central_service.config import CentralConfig
from central_service.domain.login_throttle import LoginThrottle, ThrottlePolicy
from central_service.effects import FAULT_KILL_BEFORE_RELAY, EffectRelay
from central_service.fencing import watch_lock
from central_service.instance_guard import InstanceGuard, LockLost
from central_service.kafka_input import EVENT_SLICE, REQUESTS_FIRST_MAX_WAIT_S, KafkaInput  # noqa: F401 - re-exported
from central_service.periodic import PeriodicTasks
from central_service.scale_out import ScaleOut, check_database, decision
from central_service.sessions import SessionBook
from central_service.socket_gateway import SocketGateway
from central_service.socket_options import central_ssl
from central_service.socket_server import SocketServer
from central_service.notify_keys import NotifyKeyring
from central_service.notify_push import NotificationPush
from central_service.store import Store
from central_service.tokens import TokenSigner, load_or_create_secret

__all__ = ["FAULT_KILL_BEFORE_RELAY", "CentralConfig", "CentralService"]

log = logging.getLogger("central")


class CentralService(KafkaInput, PeriodicTasks, SocketGateway):
    """The Central process: owns the loop, the DB connection, the Kafka clients and the socket
    server, and feeds the application (:class:`CentralCore`) one transaction at a time. Timers
    live in :mod:`.periodic`, the socket server's entry points in :mod:`.socket_gateway`, the
    Kafka batches' way in in :mod:`.kafka_input`, the effects' way out in :mod:`.effects`."""

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
        self._effects: EffectRelay | None = None
        self._consumer: ResilientConsumer | None = None           # CP events
        self._requests_consumer: ResilientConsumer | None = None  # driver requests, operator commands
        self._requests_waiting = 0  # request batches handed to the loop and not applied yet
        self._priority = threading.Condition()
        self._server: SocketServer | None = None
        self._keyring = CpKeyring(self.store)
        self.notify_keys = NotifyKeyring(self.store)  # driver notification keys: sealing, LOGIN
        self._verifier: CpEventVerifier | None = None
        self.sessions: SessionBook | None = None
        self.push: NotificationPush | None = None  # drivers' WATCH links
        self.workbench: Workbench | None = None  # operator alerts and queries (OPQUERY)
        self._started_at = time.time()
        self._guard: InstanceGuard | None = None  # this instance's hold on the database
        self._fenced: str | None = None  # why this instance lost its lock and stopped serving (fencing.py)
        self._scale: ScaleOut | None = None  # --scale-out: this instance's part in shared decisions

    @property
    def counters(self):
        return self.core.counters if self.core else {}

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        """Start everything, serve until :meth:`request_stop`, then shut down cleanly."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            if not await self._take_the_database():
                self.ready.set()
                return  # stopped while standing by
            await self._start()
        except BaseException as exc:
            self.failed = exc
            self.ready.set()
            if self._guard is not None:
                self._guard.release()
            raise
        self.ready.set()
        tasks = [asyncio.create_task(self._every(self.config.tick_interval, self._tick)),
                 asyncio.create_task(self._every(self.config.heartbeat_interval, self._heartbeat)),
                 asyncio.create_task(self._every(30.0, self._log_counters)),
                 asyncio.create_task(self._every(self.config.alert_interval, self._evaluate_alerts)),
                 asyncio.create_task(self._every(self.config.forget_interval, lambda: self._effects.forget_relayed())),
                 asyncio.create_task(self._prune_periodically()),
                 asyncio.create_task(self._ensure_topics()),
                 asyncio.create_task(watch_lock(self._guard, self.config.lock_check_interval,
                                                self.config.lock_check_timeout, self._fence)
                                     if self._guard is not None else
                                     self._every(self.config.lease_interval, self._renew_lease)),
                 # live values enter the producer's outbox as it drains (effects.py, "Two lanes")
                 asyncio.create_task(self._every(self.config.live_pump_interval, lambda: self._effects.pump_live()))]
        try:
            await self._stopping.wait()
        finally:
            for t in tasks:
                t.cancel()
            await self._shutdown()

    async def _take_the_database(self) -> bool:
        """One active Central per database (:mod:`.instance_guard`). False: stopped while standing by."""
        cfg = self.config
        assert self._stopping is not None
        if cfg.scale_out:  # no exclusive lock: every instance serves (scale_out.py)
            check_database(cfg.db_url or db.default_db_url(cfg.data_dir))
            return True
        self._guard = InstanceGuard(cfg.db_url or db.default_db_url(cfg.data_dir), cfg.instance)
        return await self._guard.take(cfg.standby, self._stopping.is_set)

    def _fence(self, why: str) -> None:
        """The database lock is lost (:mod:`.fencing`): refuse every further decision now and
        stop; ``ev-central`` then stands by again or exits with code 4 (``--on-lock-loss``)."""
        self._fenced = why
        self.failed = LockLost(f"la instancia {self.config.instance} ha perdido el bloqueo de la base de datos "
                               f"({why}): deja de servir; otra instancia puede estar sirviendo ya")
        log.error("%s", self.failed)
        self.request_stop()

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
        if cfg.scale_out:
            self.store.scale_out, self.core.instance = True, cfg.instance
            self._scale = ScaleOut(self.store, cfg.instance, self.clock, cfg.lease_length, self.core.counters)
            self._scale.register()
            self._scale.load(self.core)
        else:
            self.core.load()
        # scale-out: no session cache (a sign-out on another instance must count here at once)
        self.sessions = SessionBook(ttl_s=cfg.token_ttl, grace_s=cfg.session_grace, clock=self.clock,
                                    counters=self.core.counters, cached=not cfg.scale_out)
        self._verifier = CpEventVerifier(self._keyring, self.core.counters, max_age_s=cfg.cp_event_max_age,
                                         clock=self.clock)
        outbox = f"outbox-central-{_file_safe(cfg.instance)}.sqlite3" if cfg.scale_out else "outbox-central.sqlite3"
        self._producer = ReliableProducer(cfg.bootstrap_servers, cfg.data_dir / outbox,
                                          client_id=f"{cfg.topic_prefix}.central",
                                          outbox_append_sync=cfg.outbox_sync,
                                          outbox_max_rows=cfg.outbox_max_rows,
                                          # idle: an answer's outbox fsync overlaps its Kafka hop
                                          send_while_syncing=True)
        # drivers' WATCH links: their answers without the Kafka hop (notify_push.py, issue 14)
        self.push = NotificationPush(self.core.counters, ping_interval_s=cfg.push_ping_interval)
        self._effects = EffectRelay(self._producer, self.store, self.topics, self._keyring, self.core.counters,
                                    instance=cfg.instance, topic_prefix=cfg.topic_prefix,
                                    fault_kill_before_relay=cfg.fault_kill_before_relay,
                                    notify_keys=self.notify_keys, live_admit_rows=cfg.live_admit_rows,
                                    own_rows=cfg.scale_out, push=self.push.deliver)
        self._effects.relay()  # effects committed before a crash but not handed over yet
        self._effects.send_many(self.core.all_states())
        log.info("loaded %d CPs (all disconnected until their monitors authenticate)", len(self.core.cps))
        self.workbench = self._make_workbench(signer)
        throttle = LoginThrottle(ThrottlePolicy(max_failures=cfg.login_max_failures,
                                                max_failures_per_peer=4 * cfg.login_max_failures,
                                                lockout_s=cfg.login_lockout))
        self._server = SocketServer(self, cfg.host, cfg.port, cfg.heartbeat_interval, self.core.counters,
                                    throttle=throttle, tls=central_ssl(cfg), limits=cfg.limits, push=self.push)
        self.port = await self._server.start()
        # counted from the moment Monitors can reconnect (the socket serves), before any request is read
        self.core.start_restart_grace(self.store.previously_connected(), cfg.restart_grace_s)
        # two consumers, one loop: see "Requests first" in the module docstring
        self._requests_consumer = ResilientConsumer(
            cfg.bootstrap_servers, [self.topics.driver_requests, self.topics.operator_commands],
            group_id=f"{cfg.topic_prefix}.central.requests", client_id=f"{cfg.topic_prefix}.central.requests",
            on_batch=self._on_request_batch, dead_letters=self._producer,
            dead_letter_topic=self.topics.dead_letters, consumer_config=self._group_config(),
            poll_timeout_ms=cfg.requests_poll_ms)  # see CentralConfig.requests_poll_ms
        self._consumer = ResilientConsumer(
            cfg.bootstrap_servers, [self.topics.cp_events],
            group_id=f"{cfg.topic_prefix}.central", client_id=f"{cfg.topic_prefix}.central",
            on_batch=self._on_event_batch, dead_letters=self._producer,
            dead_letter_topic=self.topics.dead_letters, consumer_config=self._group_config())
        self._requests_consumer.start()
        self._consumer.start()
        log.info("Central ready: port=%d kafka=%s prefix=%s", self.port, cfg.bootstrap_servers, cfg.topic_prefix)

    def _make_workbench(self, signer) -> Workbench:
        """Alerts (evaluated every ``alert_interval``) and the operators' OPQUERY queries."""
        cfg = self.config
        policy = AlertPolicy(disconnected_s=cfg.alert_disconnected, silent_supply_s=cfg.alert_silent_supply)
        wb = Workbench(signer=signer, sessions=self.sessions, core=self.core, policy=policy, clock=self.clock,
                       lag=lambda: self._consumer.lag() if self._consumer is not None else None,
                       transact=self._transact)
        wb.open_max_s, wb.sample_interval_s = cfg.alert_open_max, cfg.supply_sample_interval
        wb.time_scale = cfg.billing_time_scale
        return wb

    def _evaluate_alerts(self) -> None:
        if self.workbench is None:
            return
        if self._scale is not None:  # scale-out: one instance keeps the alert book (scale_out.py)
            if not self._scale.leads():
                return
            self.workbench.reload_book()  # acknowledgements made through the other instances
            # the other instances' supplies move in the database, not in this picture
            self.core.merge_live_values(self.store.live_values_of_running())
        self.workbench.evaluate()

    async def _shutdown(self) -> None:
        loop = asyncio.get_running_loop()
        if self._fenced and self._server is not None:
            await self._server.stop()  # fenced: no socket client is served one moment longer
        for consumer in (self._requests_consumer, self._consumer):
            if consumer is not None:  # its thread may wait on this loop: never block the loop
                await loop.run_in_executor(None, consumer.stop)
        if self._server is not None:
            await self._server.stop()
        if self.core is not None and not self._fenced:  # fenced: the new active owns the rows
            try:
                self.store.save_live_values(self.core.dirty_live_values())
            except Exception:  # noqa: BLE001
                log.exception("could not save live values at shutdown")
            if self._effects is not None:
                try:
                    self._effects.forget_relayed()  # else relayed again at the next start (deduplicated)
                except Exception:  # noqa: BLE001
                    log.exception("could not delete relayed effects at shutdown")
        if self._producer is not None:
            await loop.run_in_executor(None, self._producer.close)
        if self._scale is not None and not self._fenced:
            try:
                self._scale.leave()  # the others need not wait for the lease: its rows are claimed at once
            except Exception:  # noqa: BLE001 - the lease runs out instead
                log.exception("could not leave the scale-out group cleanly")
        db.close()
        if self._guard is not None:
            self._guard.release()
        log.info("Central stopped")

    def request_stop(self) -> None:
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopping.set)  # (stopping twice is harmless)

    def start_in_thread(self, timeout: float = 60.0) -> "CentralService":
        """Run in a background thread (tests, embedding); returns once serving."""
        self._thread = threading.Thread(target=self._run_in_thread, name="central", daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout):
            raise TimeoutError("Central did not start in time")
        if self.failed is not None:
            raise RuntimeError(f"Central failed to start: {self.failed!r}") from self.failed
        return self

    def _run_in_thread(self) -> None:
        """The thread's body. A failure to start is this thread's caller's to report: it is in
        :attr:`failed` and :meth:`start_in_thread` raises it. Re-raised here too, it would also
        surface as an unhandled exception of a thread nobody joins on."""
        try:
            asyncio.run(self.run())
        except BaseException:
            if self.failed is None:
                raise
            log.debug("Central's thread ended: %r (reported by start_in_thread)", self.failed)

    def stop(self, timeout: float = 30.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def consumer_partitions(self) -> int:
        """Partitions both consumers read (as of their last health check); 0 while joining."""
        return sum(len((c.lag_by_partition() if c is not None else None) or {})
                   for c in (self._consumer, self._requests_consumer))

    def _group_config(self) -> dict:
        """The consumer groups' session timeout: how long a dead instance keeps its partitions
        before the group gives them to a standby (the bulk of a take-over's pause)."""
        return {"session_timeout_ms": int(self.config.group_session_timeout * 1000)}

    def assigned_partitions(self) -> dict[str, list[int]]:
        """Topic → partitions this instance reads (its heartbeat carries them)."""
        found: dict[str, list[int]] = {}
        for consumer in (self._consumer, self._requests_consumer):
            for tp in (consumer.lag_by_partition() if consumer is not None else None) or {}:
                found.setdefault(tp.topic, []).append(tp.partition)
        return {topic: sorted(parts) for topic, parts in sorted(found.items())}

    def call(self, fn: Callable, timeout: float = 10.0):
        """Run *fn()* on the service loop and return its result (tests, admin)."""
        assert self._loop is not None

        async def _do():
            return fn()
        return asyncio.run_coroutine_threadsafe(_do(), self._loop).result(timeout)

    def _transact(self, step: Callable[[], list[c.Payload]]) -> None:
        """Run a state change and stage its effects in one DB transaction, then relay."""
        assert self.core is not None and self._effects is not None
        if self._fenced:
            raise LockLost(self._fenced)
        try:
            with self._decision():
                effects = step()
                self._effects.stage(effects + activity.from_effects(effects))
        except LockLost:
            raise
        except Exception:
            self._reload_after_failure()
            raise
        self._effects.relay()

    def _decision(self):
        """One decision's transaction (scale-out: under the shared lock, see scale_out.py)."""
        assert self.core is not None
        return decision(self.store, self._scale, self.core, self._fence)

    def _reload_after_failure(self) -> None:
        assert self.core is not None
        if self._scale is not None:
            self._scale.reload_after_failure(self.core)
        else:
            self.core.reload_after_failure()

    def _renew_lease(self) -> None:
        """Scale-out: extend this instance's lease; lapsed → stop serving (fencing)."""
        if self._scale is not None and not self._fenced and not self._scale.renew():
            self._fence(f"the lease of instance {self.config.instance} lapsed: another instance may have "
                        "taken over its Monitors and effects")


def _file_safe(name: str) -> str:
    """*name* as a file-name part (instance ids are free text)."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:64]
