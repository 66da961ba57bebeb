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

from kafka import KafkaConsumer, TopicPartition
from kafka import errors as kerr

from ev_common.kafka.backoff import Backoff
from ev_common.kafka.consumer_lag import ConsumerLag
from ev_common.kafka.dead_letters import MAX_DEAD_LETTER_KEY, DeadLetters
from ev_common.kafka.delivery import Delivery, RetryLater, StartFrom
from ev_common.kafka.group_member import GroupMember, Rebalance
from ev_common.kafka.manual_reader import ManualReader
from ev_common.kafka.offsets import OffsetStore
from ev_common.kafka.probe import client_bootstrap, split_bootstrap, unreachable_reason
from ev_common.kafka.producer import ReliableProducer, describe_error
from ev_common.kafka.producer_errors import link_trouble
from ev_common.kafka.security import KafkaCredentials, kafka_kwargs
from ev_common.kafka.status import LinkState

# The public names stay importable from here whatever part of the consumer defines them.
__all__ = ["ResilientConsumer", "Delivery", "LinkState", "RetryLater", "StartFrom", "MAX_DEAD_LETTER_KEY"]

log = logging.getLogger(__name__)


class ResilientConsumer(GroupMember, ManualReader, ConsumerLag, DeadLetters):
    """See the module docstring. ``start()`` once, ``stop()`` once.

    This class owns the thread, the client's life cycle and the link status; its parts are
    mixins in their own modules: :class:`GroupMember` (group mode: commits, rebalances),
    :class:`ManualReader` (``group_id=None``: manual assignment, caught-up), :class:`ConsumerLag`
    (health check, lag, stall detectors) and :class:`DeadLetters` (decode, retry, dead letters).
    They share this object's state, set up in ``__init__`` below."""

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
                if self.group_id is not None:
                    self._keep_join_alive(self._kc)
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
                            exc_info=not link_trouble(exc))
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
            bootstrap_servers=client_bootstrap(self._addresses),
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
                kc.subscribe(self.topics, listener=Rebalance(self))
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
