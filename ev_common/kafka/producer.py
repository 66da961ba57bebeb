"""The reliable producer: ``send()`` never loses an event and never blocks on Kafka.

Why it exists: the field failure was a producer that was never created because Kafka was
down at start-up, so events were silently dropped. Here:

* ``send()`` writes the event to a durable SQLite :class:`~ev_common.kafka.outbox.Outbox`
  and returns at once (also while Kafka is down, also across an app restart);
* one daemon delivery worker owns the kafka-python ``KafkaProducer``: it creates it lazily,
  delivers the outbox in order, deletes a row only once the broker acknowledged it, and on
  *any* failure closes the client and builds a new one, forever, with capped backoff;
* a :class:`~ev_common.kafka.status.StatusNotifier` publishes CONNECTED / DEGRADED / OFFLINE
  with a plain-words error for the status bar.

Ordering: rows are sent in outbox order with an idempotent producer (acks=all, at most 5
requests in flight per connection, which keeps per-partition order). Several batches may be
in flight at once (:mod:`ev_common.kafka.delivery_window`: the next batch goes out while the
broker still answers the previous one); a row is deleted only once acknowledged. After a failure the
worker resends from the first unacknowledged row of each key, so per-key order holds across
outages. A crash between the broker's ack and the row's deletion resends that row with the
same envelope id: consumers deduplicate by id (at-least-once).
"""
from __future__ import annotations

import fcntl
import logging
import threading
import time
from pathlib import Path

from kafka import KafkaProducer
from kafka import errors as kerr

from ev_common import contract
from ev_common.kafka.backoff import Backoff
from ev_common.kafka.delivery_window import DeliveryWindow
from ev_common.kafka.key_partitioner import KeyHashPartitioner
from ev_common.kafka.outbox import DEFAULT_MAX_ROWS, Outbox, OutboxRefused, OutboxRow, StagedRows
from ev_common.kafka.probe import client_bootstrap, split_bootstrap, unreachable_reason
from ev_common.kafka.producer_errors import LinkFailure as _LinkFailure, ProducerClosed, Stopped as _Stopped, \
    describe_error, link_trouble
from ev_common.kafka.record_handoff import RecordHandoff
from ev_common.kafka.security import KafkaCredentials, kafka_kwargs
from ev_common.kafka.status import LinkState, ProducerStatus, StatusListener, StatusNotifier
from ev_common.kafka.unstored import SendWhileSyncing

__all__ = ["ReliableProducer", "ProducerStatus", "LinkState", "ProducerClosed", "OutboxRefused",
           "describe_error"]

log = logging.getLogger(__name__)


class ReliableProducer(DeliveryWindow, SendWhileSyncing):
    """Durable, self-healing producer of contract envelopes (see module docstring).

    The constructor never blocks and never raises because of Kafka. Thread-safe: ``send`` may
    be called from any thread.
    """

    def __init__(self, bootstrap_servers: str, outbox_path: str | Path, *, client_id: str,
                 on_status: StatusListener | None = None, backoff_cap_s: float = 1.0,
                 probe_interval_s: float = 0.2, batch_size: int = 500,
                 slow_ack_s: float = 2.0, idle_check_s: float = 2.0,
                 bootstrap_timeout_s: float = 3.0, delivery_timeout_s: float = 120.0,
                 stuck_after_s: float = 20.0, linger_ms: int = 5, ack_poll_s: float = 0.2,
                 outbox_append_sync: str = "FULL", outbox_remove_sync: str = "NORMAL",
                 outbox_max_rows: int | None = DEFAULT_MAX_ROWS,
                 producer_config: dict | None = None,
                 credentials: KafkaCredentials | None = None, send_while_syncing: bool = False,
                 max_unacked_rows: int = 1000) -> None:
        """*linger_ms*: how long the Kafka client may hold records while the worker is still
        handing a batch of rows over; the worker then flushes at once, so a lone event never
        waits for it (see :meth:`_send_now`). *ack_poll_s*: how often the worker, while waiting
        for acknowledgements, looks at ``close()`` and at slow or stuck acks.
        *outbox_append_sync* / *outbox_remove_sync*: SQLite ``synchronous`` of the outbox's
        appends / removals, see :class:`Outbox`. *outbox_max_rows*: the outbox's size cap;
        beyond it ``send`` raises :class:`OutboxRefused` (as it does when the disk is full):
        the caller tells its user, nothing already queued is dropped.
        *credentials*: the Kafka identity (default: the process's, see
        :mod:`ev_common.kafka.security`). *send_while_syncing*: when the outbox was empty,
        put a new event on the wire while its outbox commit (the fsync) is still running
        instead of after it — ``send()`` still returns only once it is durable, or, if that
        commit fails after the event went out, once Kafka acknowledged it (then it counts as
        sent: nothing on the wire is ever reported "refused"); the argument is in
        :class:`~ev_common.kafka.outbox.StagedRows`. Off by default; the driver turns it on
        (its idle request → answer path pays the fsync and the Kafka hop at once).
        *max_unacked_rows*: how many rows may be handed to the Kafka client and not yet
        acknowledged (batches of at most *batch_size* each): more than one batch in flight
        hides the worker's own round (acks in, rows deleted, next rows read) behind the
        broker's work — see :mod:`ev_common.kafka.delivery_window`. ``max_unacked_rows`` ≤
        ``batch_size`` gives back one batch at a time."""
        self.bootstrap = bootstrap_servers
        self.client_id = client_id
        self._addresses = split_bootstrap(bootstrap_servers)
        self._outbox = Outbox(outbox_path, append_sync=outbox_append_sync,
                              remove_sync=outbox_remove_sync, max_rows=outbox_max_rows)
        self._linger_ms = linger_ms
        self._ack_poll = ack_poll_s
        self._backoff_cap = min(backoff_cap_s, 1.0)
        self._probe_interval = probe_interval_s
        self._batch_size = batch_size
        self._max_unacked = max(1, max_unacked_rows)
        self._slow_ack = slow_ack_s
        self._idle_check = idle_check_s
        self._bootstrap_timeout = bootstrap_timeout_s
        self._delivery_timeout = delivery_timeout_s
        self._stuck_after = stuck_after_s
        self._extra_config = dict(producer_config or {})
        self._credentials = credentials
        self._status = StatusNotifier(bootstrap_servers, self._outbox.count, name=client_id)
        if on_status is not None:
            self._status.add_listener(on_status)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._closed = False
        self._drained = threading.Condition()
        self._kp: KafkaProducer | None = None
        self._handoff: RecordHandoff | None = None  # rows → the client of self._kp (DeliveryWindow)
        self._sending: StagedRows | None = None  # the staged group _deliver is sending
        # claimed rows whose outbox commit failed, still to be settled with Kafka (StagedRows)
        self._unstored: tuple[StagedRows, list[OutboxRow]] | None = None
        self._unstored_acked = 0  # rows of self._unstored acknowledged so far
        self.sent_while_syncing = 0  # rows put on the wire before their outbox commit ended
        self.peak_unacked = 0  # most rows in flight at once (delivery_window): > batch_size = pipelined
        self._ever_connected = False
        self._staged: list[StagedRows] = []  # handed over by the outbox's committing thread
        self._staged_lock = threading.Lock()
        self._outbox.on_committed = self._committed
        if send_while_syncing:
            self._outbox.on_staged = self._on_staged
        self._worker = threading.Thread(target=self._run, name=f"{client_id}-producer", daemon=True)
        self._worker.start()

    # ================================================================== public API
    def send(self, topic: str, env: contract.Envelope) -> str:
        """Queue *env* durably for *topic* (key = ``env.key``); returns the envelope id.
        Raises :class:`OutboxRefused` (nothing queued) when it cannot be made durable."""
        self.send_raw(topic, env.key.encode("utf-8"), contract.encode(env))
        return env.id

    def send_many(self, items: list[tuple[str, contract.Envelope]], *, durable: bool = True,
                  lead: int = 0) -> list[str]:
        """Queue several envelopes durably in one outbox transaction, in order; returns ids.
        *durable=False*: superseded-by-the-next values only — see :meth:`Outbox.append_many`.
        *lead*: the first *lead* items go to Kafka in a produce request of their own, ahead of
        the rest, when they are sent while their commit runs (``send_while_syncing``, an idle
        outbox) — Central's answer to a driver is not carried in one request with the CP
        command and state updates committed with it (see
        :func:`~ev_common.kafka.delivery_window.push_out`)."""
        if self._closed:
            raise ProducerClosed(f"producer {self.client_id} is closed")
        if not items:
            return []
        self._outbox.append_many([(topic, env.key.encode("utf-8"), contract.encode(env))
                                  for topic, env in items], durable=durable, lead=lead)
        return [env.id for _, env in items]

    def send_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        """Queue arbitrary bytes (dead letters, tests). Durable once this returns."""
        if self._closed:
            raise ProducerClosed(f"producer {self.client_id} is closed")
        self._outbox.append(topic, key, value)  # the commit woke the worker (_committed)

    def status(self) -> ProducerStatus:
        return self._status.snapshot()

    @property
    def outbox_set_aside(self) -> Path | None:
        """Where a corrupt outbox found at start was moved (kept for support), else None: the
        caller warns its user that events queued in it were not sent."""
        return self._outbox.set_aside

    def add_status_listener(self, cb: StatusListener) -> None:
        """*cb(ProducerStatus)* is called soon with the current status, then on every change of
        state/error and (throttled to 10/s) of the queued count — from the producer's status
        thread: marshal to your own thread before touching GUI objects."""
        self._status.add_listener(cb)

    @property
    def queued(self) -> int:
        return self._outbox.count()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until the outbox is empty (every queued event acknowledged); False on timeout."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        with self._drained:
            while self._outbox.count() > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return self._outbox.count() == 0
                self._drained.wait(min(remaining, 0.1))
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop delivering; undelivered events stay in the outbox for the next start."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._wake.set()
        self._worker.join(timeout)
        if self._worker.is_alive():
            log.warning("producer %s: worker still busy after %.1fs; leaving it (daemon)",
                        self.client_id, timeout)
        else:
            self._outbox.close()
        self._status.stop()

    def __enter__(self) -> "ReliableProducer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ================================================================== worker
    def _acquire_outbox(self) -> bool:
        """One deliverer per outbox file. A second producer on the same file (two windows on
        one data dir, a restart overlapping the old process) waits here instead of sending the
        same rows twice; it takes over as soon as the first one exits."""
        self._lock_file = open(f"{self._outbox.path}.lock", "a+")
        warned = False
        while not self._stop.is_set():
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if warned:
                    self._outbox.refresh_count()  # the other producer delivered some rows
                    self._status.queued_changed()
                return True
            except BlockingIOError:
                if not warned:
                    log.warning("producer %s: outbox %s is being delivered by another producer; "
                                "waiting for it to finish", self.client_id, self._outbox.path)
                    warned = True
                self._stop.wait(0.5)
        return False

    def _run(self) -> None:
        if not self._acquire_outbox():
            return
        try:
            self._deliver_forever()
        finally:
            self._lock_file.close()  # releases the flock
            self._give_up_unstored()

    def _deliver_forever(self) -> None:
        backoff = Backoff(0.05, self._backoff_cap)
        last_check = time.monotonic()
        while not self._stop.is_set():
            try:
                if self._kp is None:
                    if not self._reachable():
                        self._stop.wait(self._probe_interval)
                        continue
                    self._kp = self._create()
                    self._ever_connected = True
                    self._status.set(LinkState.CONNECTED)
                    last_check = time.monotonic()
                if self._unstored is not None:
                    self._resend_unstored()
                    backoff.reset()
                    continue
                rows = self._take_staged() if self._staged else []
                if rows:
                    try:
                        self._deliver(rows)
                    finally:
                        self._sending = None
                    backoff.reset()
                    last_check = time.monotonic()
                    continue
                if self._deliver_window():
                    backoff.reset()
                    last_check = time.monotonic()
                    continue
                self._settle_removals()
                self._notify_drained()
                self._wake.wait(0.5)
                self._wake.clear()
                if time.monotonic() - last_check >= self._idle_check:
                    last_check = time.monotonic()
                    if not self._reachable():  # noticed while idle: rebuild once it is back
                        self._drop_client()
            except Exception as exc:  # noqa: BLE001 - any failure: rebuild the client, forever
                if self._stop.is_set():
                    break
                self._on_failure(exc)
                self._stop.wait(backoff.next())
        self._drop_client(timeout=0.5)
        try:
            self._settle_removals()
        except Exception:  # noqa: BLE001 - the rows stay and are resent next time (at-least-once)
            log.warning("producer %s: could not delete delivered rows at stop", self.client_id, exc_info=True)
        self._notify_drained()

    def _reachable(self) -> bool:
        """Cheap TCP probe of the bootstrap servers; sets OFFLINE with the reason if none answers."""
        reason = unreachable_reason(self._addresses)
        if reason is not None:
            self._status.set(LinkState.OFFLINE, reason)
        return reason is None

    def _create(self) -> KafkaProducer:
        config = dict(
            bootstrap_servers=client_bootstrap(self._addresses),
            client_id=self.client_id,
            acks="all",
            enable_idempotence=True,
            max_in_flight_requests_per_connection=5,
            linger_ms=self._linger_ms,
            bootstrap_timeout_ms=int(self._bootstrap_timeout * 1000),
            max_block_ms=int(self._bootstrap_timeout * 1000),
            request_timeout_ms=int(min(10.0, self._delivery_timeout / 2) * 1000),
            delivery_timeout_ms=int(self._delivery_timeout * 1000),
            reconnect_backoff_ms=50,
            reconnect_backoff_max_ms=250,
            retry_backoff_ms=100,
            allow_auto_create_topics=False,  # topics are created with their settings, never by a send
            partitioner=KeyHashPartitioner(),  # the default partition, hash kept per key
            **kafka_kwargs(self._credentials),
        )
        config.update(self._extra_config)
        try:
            kp = KafkaProducer(**config)
        except kerr.KafkaTimeoutError as exc:
            raise _LinkFailure(LinkState.OFFLINE,
                               f"Kafka at {self.bootstrap} accepts connections but did not answer "
                               f"within {self._bootstrap_timeout:.0f}s ({describe_error(exc)})") from exc
        # kafka-python 3.0.12 does not hand allow_auto_create_topics to its metadata (which keeps
        # True): without this, a send to a missing topic would ask the broker to create it
        kp._metadata.config["allow_auto_create_topics"] = False  # noqa: SLF001
        log.info("producer %s: connected to Kafka at %s", self.client_id, self.bootstrap)
        return kp

    def _quarantine(self, row: OutboxRow, exc: BaseException) -> None:
        log.error("producer %s: Kafka refuses outbox row %d for %s for good (%s); moved to quarantine",
                  self.client_id, row.id, row.topic, describe_error(exc))
        self._outbox.quarantine(row.id, describe_error(exc))

    def _send_now(self, kp: KafkaProducer) -> None:
        """Every row of this batch is handed over: put them on the wire now, in as few produce
        requests as possible, instead of waiting for the linger to expire.

        Why not ``linger_ms=0``: the client then sends the first record alone the moment it
        is handed over and the rest in a second request, which the broker only reads once it
        answered the first (one request at a time per connection) — a request/answer exchange
        whose answer is not the first effect of a batch paid a second broker round trip.
        ``flush()`` ends the linger for the records queued so far; it waits for their acks at
        most one ack poll (the per-record wait below takes over), so ``close()`` stays prompt."""
        try:
            kp.flush(timeout=self._ack_poll)
        except kerr.KafkaError:  # timeout or a failed batch: the per-record wait reports it
            pass

    def _wait_ack(self, fut, acked: list[int]) -> BaseException | None:
        """Wait for one future; returns its exception (None = acknowledged). While waiting,
        deletes already-acked rows and reports slow acks / a vanished broker in the status.

        While the broker is unreachable the kafka client keeps retrying by itself (same
        idempotent producer id: no duplicates when it comes back), up to the delivery timeout.
        If the broker is reachable but nothing is acknowledged for ``stuck_after_s``, the client
        is presumed stuck: give up on it (the caller rebuilds it and resends)."""
        started = last_probe = time.monotonic()
        reachable_since: float | None = None
        hard_deadline = started + self._delivery_timeout + 10.0
        while not fut.is_done:
            if acked:
                self._remove(acked)
                acked.clear()
            if self._stop.is_set():
                return _Stopped()
            try:
                fut.get(timeout=self._ack_poll)
            except Exception:  # noqa: BLE001 - examined below via the future's state
                pass
            if fut.is_done:
                break
            waited = time.monotonic() - started
            if waited >= self._slow_ack and time.monotonic() - last_probe >= 1.0:
                last_probe = time.monotonic()
                if self._reachable():
                    reachable_since = reachable_since or last_probe
                    self._status.set(LinkState.DEGRADED,
                                     f"Kafka at {self.bootstrap} has not acknowledged "
                                     f"for {waited:.0f}s")
                    if last_probe - reachable_since >= self._stuck_after:
                        return kerr.KafkaTimeoutError(
                            f"no acknowledgement for {waited:.0f}s although Kafka is reachable")
                else:
                    reachable_since = None
            if time.monotonic() > hard_deadline:
                return kerr.KafkaTimeoutError(f"no acknowledgement after {waited:.0f}s")
        return fut.exception if fut.failed() else None

    def _remove(self, ids: list[int]) -> None:
        if ids:
            self._outbox.remove(ids)
            self._status.queued_changed()

    def _committed(self) -> None:
        """Outbox hook, once per group commit (by the committing caller): the queued count
        changed and the worker has rows to read — one wake-up for the whole group."""
        self._status.queued_changed()
        if not self._wake.is_set():
            self._wake.set()

    def _remove_later(self, ids: list[int]) -> None:
        if ids:
            self._outbox.remove_later(ids)
            self._status.queued_changed()

    def _settle_removals(self) -> None:
        if self._outbox.removals_pending and not self._outbox.closed:
            self._outbox.settle_removals()
            self._status.queued_changed()

    def _notify_drained(self) -> None:
        with self._drained:
            self._drained.notify_all()

    def _on_failure(self, exc: BaseException) -> None:
        self._drop_client()
        if isinstance(exc, _LinkFailure):
            state, text = exc.state, exc.text
        else:
            state = LinkState.DEGRADED
            text = f"sending to Kafka at {self.bootstrap} failed, retrying ({describe_error(exc)})"
        if state == LinkState.OFFLINE and self._ever_connected and self._status.state != LinkState.OFFLINE:
            state = LinkState.DEGRADED  # reconnecting after a success
        log.warning("producer %s: %s", self.client_id, text,
                    exc_info=not link_trouble(exc))
        self._status.set(state, text)

    def _drop_client(self, timeout: float = 0.0) -> None:
        kp, self._kp = self._kp, None
        if kp is not None:
            try:
                kp.close(timeout=timeout)
            except Exception:  # noqa: BLE001 - closing a broken client may fail; it is gone anyway
                log.debug("producer %s: error closing kafka client", self.client_id, exc_info=True)
