"""The resilient consumer: one thread owns a kafka-python ``KafkaConsumer`` and never dies.

* The constructor and ``start()`` never block on Kafka; the thread creates the client when the
  broker is reachable and re-creates it after any client error, forever, with capped backoff.
* Every record is decoded with :func:`ev_common.contract.decode`; a :class:`ContractError`
  sends a ``DeadLetter`` (origin topic/partition/offset/key/value/reason) through the given
  :class:`~ev_common.kafka.producer.ReliableProducer` and the consumer carries on.
* ``on_batch(list[Delivery])`` runs on the consumer thread. In group mode offsets are committed
  only after it returned (at-least-once). If it raises, the same batch is retried with
  backoff a few times, then dead-lettered with reason ``handler failed: ...``.
* ``group_id=None``: every partition of the topics is assigned manually (topics created later
  are picked up), read from ``start_from`` ('earliest'/'latest'), nothing is committed, and
  ``on_caught_up()`` is called once when the initial read reached the end offsets.

Callbacks (``on_batch``, ``on_status``, ``on_caught_up``) run on the consumer thread: marshal
to your own loop/GUI thread before touching GUI objects.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka import errors as kerr

from ev_common import contract
from ev_common.kafka.backoff import Backoff
from ev_common.kafka.offsets import OffsetStore
from ev_common.kafka.security import KafkaCredentials, kafka_kwargs
from ev_common.kafka.probe import split_bootstrap, unreachable_reason
from ev_common.kafka.producer import ReliableProducer, describe_error
from ev_common.kafka.status import LinkState

__all__ = ["ResilientConsumer", "Delivery", "LinkState", "RetryLater"]

log = logging.getLogger(__name__)

StartFrom = str  # "committed" | "earliest" | "latest"


MAX_DEAD_LETTER_KEY = 256  # characters of the offending record's key kept in its dead letter


class RetryLater(Exception):
    """Raised by ``on_batch`` when the batch could not be applied for a *transient* reason
    (e.g. the database is down): the consumer retries the same batch, forever, with capped
    backoff, and never dead-letters it — the messages are fine, the world is not ready."""


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    key: str | None
    envelope: contract.Envelope
    timestamp_ms: int


class ResilientConsumer:
    """See the module docstring. ``start()`` once, ``stop()`` once."""

    def __init__(self, bootstrap_servers: str, topics: Sequence[str], *, group_id: str | None,
                 client_id: str, on_batch: Callable[[list[Delivery]], None],
                 start_from: StartFrom = "committed",
                 dead_letters: ReliableProducer | None = None, dead_letter_topic: str | None = None,
                 on_status: Callable[[LinkState, str | None], None] | None = None,
                 on_caught_up: Callable[[], None] | None = None,
                 backoff_cap_s: float = 1.0, poll_timeout_ms: int = 200, max_records: int = 500,
                 handler_retries: int = 3, health_interval_s: float = 2.0,
                 metadata_timeout_s: float = 3.0,
                 consumer_config: dict | None = None,
                 offset_store: OffsetStore | None = None,
                 credentials: KafkaCredentials | None = None) -> None:
        if start_from not in ("committed", "earliest", "latest"):
            raise ValueError(f"start_from must be committed/earliest/latest, not {start_from!r}")
        if group_id is None and start_from == "committed":
            start_from = "earliest"  # nothing is committed without a group
        if dead_letters is not None and not dead_letter_topic:
            raise ValueError("dead_letter_topic is required with dead_letters")
        self.bootstrap = bootstrap_servers
        self.topics = list(topics)
        self.group_id = group_id
        self.client_id = client_id
        self._on_batch = on_batch
        self._start_from = start_from
        self._dead_letters = dead_letters
        self._dead_letter_topic = dead_letter_topic
        self._on_status = on_status
        self._on_caught_up = on_caught_up
        self._backoff_cap = min(backoff_cap_s, 1.0)
        self._poll_timeout_ms = min(poll_timeout_ms, 200)
        self._max_records = max_records
        self._handler_retries = handler_retries
        self._health_interval = health_interval_s
        self._metadata_timeout = metadata_timeout_s
        self._extra_config = dict(consumer_config or {})
        self._credentials = credentials  # None: the process's identity (ev_common.kafka.security)
        self._addresses = split_bootstrap(bootstrap_servers)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = LinkState.OFFLINE
        self._error: str | None = None
        self._kc: KafkaConsumer | None = None
        self._uncommitted: dict[TopicPartition, int] = {}  # processed, commit pending
        self._assigned: set[TopicPartition] = set()  # manual mode
        self._initial_targets: dict[TopicPartition, int] | None = None  # manual mode, caught-up
        self._caught_up_sent = False
        self._lag: dict[TopicPartition, int] | None = None
        self._positions: dict[TopicPartition, int] = {}  # next offset to read (manual mode)
        self._rejoin_nudges = 0
        self._connected_at = 0.0
        self._records_seen = 0          # for the stall detector
        self._records_at_check = 0
        self._stalled_since: float | None = None
        self._unpositioned_since: float | None = None
        # manual mode with local positions: resume where this reader had handled up to
        self._offset_store = offset_store if group_id is None else None
        if self._offset_store is not None:
            for (t, p), off in self._offset_store.load(self.topics).items():
                self._positions[TopicPartition(t, p)] = off
        self._failed_checks = 0
        self._lock = threading.Lock()

    # ================================================================== public API
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("consumer already started")
        self._thread = threading.Thread(target=self._run, name=f"{self.client_id}-consumer",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop promptly (the poll timeout is ≤ 200 ms); commits what was processed."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("consumer %s: thread still busy after %.1fs", self.client_id, timeout)

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def last_error(self) -> str | None:
        return self._error

    @property
    def caught_up(self) -> bool:
        return self._caught_up_sent

    def lag(self) -> int | None:
        """Messages not yet read on the assigned partitions (refreshed every few seconds by the
        consumer thread); None while unknown."""
        with self._lock:
            return None if self._lag is None else sum(self._lag.values())

    def lag_by_partition(self) -> dict[TopicPartition, int] | None:
        with self._lock:
            return None if self._lag is None else dict(self._lag)

    # ================================================================== thread
    def _run(self) -> None:
        backoff = Backoff(0.05, self._backoff_cap)
        next_health = 0.0
        while not self._stop.is_set():
            try:
                if self._kc is None:
                    if not self._reachable():
                        self._stop.wait(0.2)
                        continue
                    self._kc = self._create()
                    self._failed_checks = 0
                    self._stalled_since = None
                    self._unpositioned_since = None
                    self._set_status(LinkState.CONNECTED)
                    next_health = 0.0
                if time.monotonic() >= next_health:
                    self._health_check()
                    next_health = time.monotonic() + (self._health_interval
                                                      if self._state == LinkState.CONNECTED else 0.5)
                records = self._kc.poll(timeout_ms=self._poll_timeout_ms,
                                        max_records=self._max_records)
                if records:
                    self._process(records)
                    backoff.reset()
                    if self._state != LinkState.CONNECTED:
                        self._set_status(LinkState.CONNECTED)
                self._commit_pending()
                self._check_caught_up()
            except Exception as exc:  # noqa: BLE001 - any failure: rebuild the client, forever
                if self._stop.is_set():
                    break
                text = f"reading from Kafka at {self.bootstrap} failed, retrying ({describe_error(exc)})"
                log.warning("consumer %s: %s", self.client_id, text,
                            exc_info=not isinstance(exc, kerr.KafkaError))
                self._drop_client()
                self._set_status(LinkState.DEGRADED, text)
                self._stop.wait(backoff.next())
        self._drop_client(final=True)

    def _set_status(self, state: LinkState, error: str | None = None) -> None:
        if state == LinkState.CONNECTED:
            error = None
        if state == self._state and error == self._error:
            return
        if state != self._state:
            log.info("consumer %s: kafka link %s -> %s%s", self.client_id, self._state.value,
                     state.value, f": {error}" if error else "")
        self._state, self._error = state, error
        if self._on_status is not None:
            try:
                self._on_status(state, error)
            except Exception:  # noqa: BLE001 - a broken listener must not stop consumption
                log.exception("consumer %s: on_status callback failed", self.client_id)

    def _reachable(self) -> bool:
        reason = unreachable_reason(self._addresses)
        if reason is not None:
            self._set_status(LinkState.OFFLINE, reason)
        return reason is None

    def _create(self) -> KafkaConsumer:
        config = dict(
            bootstrap_servers=[f"{h}:{p}" for h, p in self._addresses],
            client_id=self.client_id,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="latest" if self._start_from == "latest" else "earliest",
            bootstrap_timeout_ms=3000,
            request_timeout_ms=10000,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            max_poll_interval_ms=300000,
            reconnect_backoff_ms=50,
            reconnect_backoff_max_ms=250,
            retry_backoff_ms=100,
            fetch_max_wait_ms=100,
            metadata_max_age_ms=10000,
            allow_auto_create_topics=False,
            **kafka_kwargs(self._credentials),
        )
        config.update(self._extra_config)
        try:
            kc = KafkaConsumer(**config)
        except kerr.KafkaTimeoutError as exc:
            raise kerr.KafkaTimeoutError(f"Kafka accepts connections but did not answer within "
                                         f"3s ({exc})") from exc
        # kafka-python 3.0.12 does not pass allow_auto_create_topics on to its metadata
        # (ClusterMetadata keeps the default True): our metadata requests would create topics.
        kc._cluster.config["allow_auto_create_topics"] = config["allow_auto_create_topics"]  # noqa: SLF001
        try:
            if self.group_id is not None:
                # Metadata first: kafka-python 3.0.12 can elect itself leader, assign from
                # empty metadata ("assigned nothing") and never notice the partitions later.
                self._topic_partitions(kc)
                kc.subscribe(self.topics, listener=_Rebalance(self))
                self._rejoin_nudges = 0
                self._connected_at = time.monotonic()
            else:
                self._assigned = set()
                self._assign_new_partitions(kc, initial=self._initial_targets is None)
        except BaseException:
            kc.close(autocommit=False, timeout_ms=0)
            raise
        log.info("consumer %s: connected to Kafka at %s (topics %s, group %s)", self.client_id,
                 self.bootstrap, ",".join(self.topics), self.group_id)
        return kc

    def _drop_client(self, final: bool = False) -> None:
        kc, self._kc = self._kc, None
        if kc is None:
            return
        if final:
            try:
                self._commit_pending(kc)
            except Exception:  # noqa: BLE001 - the next start re-reads from the last commit
                log.warning("consumer %s: final commit failed", self.client_id, exc_info=True)
        try:
            kc.close(autocommit=False, timeout_ms=1000 if final else 0)
        except Exception:  # noqa: BLE001
            log.debug("consumer %s: error closing kafka client", self.client_id, exc_info=True)
        if not final:
            self._uncommitted.clear()  # a new member re-reads from the last commit

    # ------------------------------------------------------------------ health / discovery
    def _health_check(self) -> None:
        """Periodic: is the broker reachable? refresh lag; (manual mode) new partitions."""
        kc = self._kc
        assert kc is not None
        if not self._reachable():
            return  # the client reconnects by itself; the status says OFFLINE meanwhile
        if self.group_id is None:
            self._assign_new_partitions(kc, initial=False)
        assigned = list(kc.assignment())
        if not assigned and self.group_id is not None:
            self._nudge_empty_assignment(kc)
        if not assigned:
            if self._state == LinkState.OFFLINE:
                self._set_status(LinkState.DEGRADED, "Kafka is reachable again; rejoining")
            return
        try:
            ends = kc.end_offsets(assigned, timeout_ms=1500)
            lag = {}
            unpositioned = 0
            for tp in assigned:
                pos = self._known_position(kc, tp)
                if pos is None:
                    unpositioned += ends.get(tp, 0) > 0  # only partitions holding messages count
                elif tp in ends:
                    lag[tp] = max(0, ends[tp] - pos)
        except (kerr.KafkaError, AssertionError) as exc:
            self._failed_checks += 1
            if self._failed_checks >= 10:  # reachable but not answering for a while: rebuild
                raise kerr.KafkaTimeoutError(f"Kafka reachable but not answering "
                                             f"({describe_error(exc)})") from exc
            if self._state != LinkState.OFFLINE:
                self._set_status(LinkState.DEGRADED,
                                 f"Kafka at {self.bootstrap} does not answer ({describe_error(exc)})")
            return
        self._failed_checks = 0
        with self._lock:
            self._lag = lag
        self._set_status(LinkState.CONNECTED)
        # Stall detectors: (1) messages are waiting but none arrives; (2) an assigned partition
        # that holds messages never gets a fetch position (kafka-python 3.0.12 can leave an
        # offset reset unfinished under load: the client looks connected but reads nothing).
        now = time.monotonic()
        if unpositioned and self._records_seen == self._records_at_check:
            self._unpositioned_since = self._unpositioned_since or now
            if now - self._unpositioned_since >= 15.0:
                self._unpositioned_since = None
                raise kerr.KafkaTimeoutError(f"{unpositioned} assigned partition(s) never got a "
                                             f"read position in 15s; rebuilding the client")
        else:
            self._unpositioned_since = None
        if sum(lag.values()) > 0 and self._records_seen == self._records_at_check:
            self._stalled_since = self._stalled_since or now
            if now - self._stalled_since >= 15.0:
                self._stalled_since = None
                raise kerr.KafkaTimeoutError(f"{sum(lag.values())} message(s) waiting but none "
                                             f"received for 15s; rebuilding the client")
        else:
            self._stalled_since = None
        self._records_at_check = self._records_seen

    @staticmethod
    def _known_position(kc: KafkaConsumer, tp: TopicPartition) -> int | None:
        """The fetch position if the client has one, without asking the broker. (Calling the
        public ``position()`` with a short timeout while the client resets offsets itself can
        leave kafka-python 3.0.12 never fetching that partition under load.)"""
        sub = kc._subscription  # noqa: SLF001
        try:
            if not sub.is_assigned(tp) or not sub.has_valid_position(tp):
                return None
            return sub.position(tp).offset
        except (KeyError, AttributeError):
            return None

    def _nudge_empty_assignment(self, kc: KafkaConsumer) -> None:
        """Safety net for the kafka-python race above: our topics have partitions but we got
        none for a while -> ask for a rejoin (a few times; more members than partitions is
        legitimate and must not cause endless rebalances)."""
        if self._rejoin_nudges >= 3 or time.monotonic() - self._connected_at < 4.0:
            return
        cluster = kc._cluster  # noqa: SLF001
        if any(cluster.partitions_for_topic(t) for t in self.topics):
            self._rejoin_nudges += 1
            self._connected_at = time.monotonic()
            log.warning("consumer %s: no partitions assigned although the topics exist; "
                        "rejoining group %s", self.client_id, self.group_id)
            kc._coordinator.request_rejoin()  # noqa: SLF001

    def _topic_partitions(self, kc: KafkaConsumer) -> dict[str, set[int]]:
        """Partitions of our topics from fresh metadata, without blocking forever."""
        cluster = kc._cluster  # noqa: SLF001 - public partitions_for_topic may block forever
        cluster.set_topics(self.topics)  # assign() narrows it to the topics that already exist
        fut = cluster.request_update()
        self._wait_future(fut, self._metadata_timeout)
        if not fut.is_done:
            raise kerr.KafkaTimeoutError(
                f"no topic metadata from Kafka within {self._metadata_timeout:g}s")
        if fut.failed() and not isinstance(fut.exception, (kerr.UnknownTopicOrPartitionError,
                                                             kerr.LeaderNotAvailableError)):
            raise fut.exception  # a single missing topic fails the future: that is fine
        return {t: set(cluster.partitions_for_topic(t) or ()) for t in self.topics}

    def _wait_future(self, fut, timeout: float) -> None:
        """Wait until *fut* (completed by the client's network thread) is done, *timeout* passed
        or stop() was called. Woken by the future itself: sleeping in fixed steps instead held
        the consumer thread — and every message arriving meanwhile — for a whole step."""
        done = threading.Event()
        fut.add_both(lambda _: done.set())
        deadline = time.monotonic() + timeout
        while not fut.is_done and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            done.wait(min(remaining, self._poll_timeout_ms / 1000))

    def _assign_new_partitions(self, kc: KafkaConsumer, initial: bool) -> None:
        found = {TopicPartition(t, p) for t, parts in self._topic_partitions(kc).items() for p in parts}
        new = found - self._assigned
        if not new and self._assigned:
            return
        if new:
            kc.assign(sorted(found | self._assigned))
        if initial:
            stored = {tp for tp in new if tp in self._positions}  # from the offset store
            fresh = new - stored
            for tp in stored:
                kc.seek(tp, self._positions[tp])
            if fresh and self._start_from == "latest":
                kc.seek_to_end(*fresh)
            elif fresh:
                kc.seek_to_beginning(*fresh)
            ends = kc.end_offsets(sorted(new), timeout_ms=5000) if new else {}
            self._initial_targets = dict(ends)
            if self._start_from == "latest":
                self._positions.update({tp: off for tp, off in ends.items() if tp in fresh})
        else:
            if new:
                # partitions seen for the first time after the start hold only new messages;
                # after a client rebuild, resume where this consumer had read up to
                for tp in new:
                    pos = self._positions.get(tp)
                    if pos is not None:
                        kc.seek(tp, pos)
                    else:
                        kc.seek_to_beginning(tp)
        if new:
            log.info("consumer %s: assigned %s", self.client_id,
                     ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(new)))
        self._assigned |= new

    def _check_caught_up(self) -> None:
        if self._caught_up_sent or self.group_id is not None or self._initial_targets is None:
            return
        kc = self._kc
        assert kc is not None
        for tp, end in self._initial_targets.items():
            pos = self._positions.get(tp)
            if pos is None:
                pos = self._known_position(kc, tp)
            if pos is None or pos < end:
                return
        self._caught_up_sent = True
        log.info("consumer %s: caught up with %d partition(s)", self.client_id,
                 len(self._initial_targets))
        if self._on_caught_up is not None:
            try:
                self._on_caught_up()
            except Exception:  # noqa: BLE001
                log.exception("consumer %s: on_caught_up callback failed", self.client_id)

    # ------------------------------------------------------------------ records
    def _process(self, records: dict) -> None:
        self._records_seen += 1
        deliveries: list[Delivery] = []
        last: dict[TopicPartition, int] = {}
        for tp, recs in records.items():
            for rec in recs:
                last[tp] = rec.offset
                key = None if rec.key is None else rec.key.decode("utf-8", errors="backslashreplace")
                try:
                    env = contract.decode(rec.value)
                except contract.ContractError as exc:
                    if not self._dead_letter(rec.topic, rec.partition, rec.offset, key, rec.value, str(exc)):
                        return  # stopping: nothing of this batch is committed
                    continue
                except Exception as exc:  # noqa: BLE001 - a decoder bug: never re-read it forever
                    if not self._dead_letter(rec.topic, rec.partition, rec.offset, key, rec.value,
                                             f"undecodable (decoder error: {describe_error(exc)})"):
                        return
                    continue
                if key is not None and key != env.key:
                    # the record would sit on another key's partition: per-key order is lost
                    if not self._dead_letter(rec.topic, rec.partition, rec.offset, key, rec.value,
                                             f"record key {key[:80]!r} is not the envelope key {env.key[:80]!r}"):
                        return
                    continue
                deliveries.append(Delivery(rec.topic, rec.partition, rec.offset, key, env,
                                           rec.timestamp))
        if deliveries and not self._handle(deliveries):
            return  # stopping mid-retry: not committed, read again next time
        with self._lock:
            for tp, off in last.items():
                self._uncommitted[tp] = off + 1
                self._positions[tp] = off + 1

    def _handle(self, deliveries: list[Delivery]) -> bool:
        """Call on_batch; retry with backoff; finally dead-letter the batch. Never raises.
        False only when a stop interrupted the retries (the batch then stays uncommitted)."""
        backoff = Backoff(0.2, 1.0)
        error: BaseException | None = None
        attempt = 0
        while attempt <= self._handler_retries:
            try:
                self._on_batch(deliveries)
                return True
            except RetryLater as exc:  # transient: not the messages' fault, never dead-letter
                log.warning("consumer %s: %d message(s) not applied yet, retrying: %s",
                            self.client_id, len(deliveries), exc)
                if self._stop.wait(min(5.0, backoff.next() * 2)):
                    return False
                continue
            except Exception as exc:  # noqa: BLE001 - the handler's bug must not kill the thread
                log.exception("consumer %s: on_batch failed (attempt %d/%d) for %d message(s)",
                              self.client_id, attempt + 1, self._handler_retries + 1, len(deliveries))
                error = exc
            if attempt < self._handler_retries:
                if self._stop.wait(backoff.next()):
                    return False
            attempt += 1
        # Isolate the culprit(s): one more try per message, dead-letter only those that fail.
        for d in deliveries:
            if len(deliveries) > 1:
                try:
                    self._on_batch([d])
                    continue
                except Exception as exc:  # noqa: BLE001
                    error = exc
                    log.exception("consumer %s: on_batch failed for %s[%d]@%d", self.client_id,
                                  d.topic, d.partition, d.offset)
            reason = f"handler failed: {describe_error(error)}" if error else "handler failed"
            if not self._dead_letter(d.topic, d.partition, d.offset, d.key, contract.encode(d.envelope), reason):
                return False
        return True

    def _dead_letter(self, topic: str, partition: int, offset: int, key: str | None,
                     value: bytes | None, reason: str) -> bool:
        """Queue a dead letter durably. If it cannot be queued (disk full, outbox cap, producer
        closed) it is retried until it is, and the offset is NOT committed meanwhile: a
        message is never skipped without its dead letter. False = a stop interrupted the
        retries (the caller then leaves the batch uncommitted: it is read again next time)."""
        log.warning("consumer %s: dead letter %s[%d]@%d key=%s: %s", self.client_id, topic,
                    partition, offset, key, reason)
        if self._dead_letters is None or self._dead_letter_topic is None:
            return True
        if key is not None and len(key) > MAX_DEAD_LETTER_KEY:
            key = key[:MAX_DEAD_LETTER_KEY] + "…"  # a dead letter must itself fit in a Kafka message
        body = contract.DeadLetter(origin_topic=topic, partition=partition, offset=offset, key=key,
                                   value=contract.describe_bytes(value), reason=reason,
                                   consumer=self.group_id or self.client_id)
        env = contract.envelope(body, source=self.client_id)
        backoff = Backoff(0.2, 5.0)
        while True:
            try:
                self._dead_letters.send(self._dead_letter_topic, env)
                return True
            except Exception as exc:  # noqa: BLE001 - disk full, cap, closed producer
                log.error("consumer %s: could not queue the dead letter of %s[%d]@%d (%s); the "
                          "offset stays uncommitted, retrying", self.client_id, topic, partition,
                          offset, describe_error(exc))
                if self._stop.wait(backoff.next()):
                    return False

    def _commit_pending(self, kc: KafkaConsumer | None = None) -> None:
        kc = kc or self._kc
        if self._offset_store is not None and self._uncommitted:
            with self._lock:
                handled = dict(self._uncommitted)
            self._offset_store.save({(tp.topic, tp.partition): off for tp, off in handled.items()})
            with self._lock:
                for tp, off in handled.items():
                    if self._uncommitted.get(tp) == off:
                        del self._uncommitted[tp]
            return
        if self.group_id is None or not self._uncommitted or kc is None:
            return
        assignment = kc.assignment()
        with self._lock:
            offsets = {tp: OffsetAndMetadata(off, "", -1) for tp, off in self._uncommitted.items()
                       if tp in assignment}
        if not offsets:
            self._uncommitted.clear()
            return
        try:
            kc.commit(offsets, timeout_ms=5000)
        except kerr.CommitFailedError as exc:  # partitions moved away: the new owner re-reads
            log.warning("consumer %s: commit rejected (%s); those messages will be read again",
                        self.client_id, exc)
            self._uncommitted.clear()
            return
        except kerr.KafkaError as exc:  # broker away: keep them and retry with the next poll
            log.warning("consumer %s: commit failed, will retry (%s)", self.client_id, describe_error(exc))
            return
        with self._lock:
            for tp, om in offsets.items():
                if self._uncommitted.get(tp) == om.offset:
                    del self._uncommitted[tp]


class _Rebalance(ConsumerRebalanceListener):
    """kafka-python 3 calls this on its network thread, not on the consumer thread: it must not
    touch the KafkaConsumer. Offsets of processed batches are committed right after each batch
    by the consumer thread; a commit still pending for a revoked partition is simply dropped
    (the new owner re-reads those messages: at-least-once)."""

    def __init__(self, owner: ResilientConsumer) -> None:
        self.owner = owner

    def on_partitions_revoked(self, revoked):
        with self.owner._lock:  # noqa: SLF001
            for tp in revoked:
                self.owner._uncommitted.pop(tp, None)  # noqa: SLF001

    def on_partitions_assigned(self, assigned):
        log.info("consumer %s: assigned %s", self.owner.client_id,
                 ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(assigned)) or "nothing")
