"""Manual-assignment mode of the consumer (``group_id=None``): a lone reader of every partition.

A part (mixin) of :class:`ev_common.kafka.consumer.ResilientConsumer`. Every partition of the
topics is assigned by hand (topics or partitions created later are picked up by the health
check), read from ``start_from`` or from the positions in an :class:`OffsetStore`; nothing is
committed to Kafka, and ``on_caught_up()`` is called once when the initial read reached the end
offsets seen at the start. The desktop's readers and the CP Engines run in this mode.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kafka import KafkaConsumer, TopicPartition
from kafka import errors as kerr

log = logging.getLogger("ev_common.kafka.consumer")  # one logger for the consumer's parts


class ManualReader:
    topics: list[str]
    client_id: str
    group_id: str | None
    _stop: threading.Event
    _kc: KafkaConsumer | None
    _metadata_timeout: float
    _poll_timeout_ms: int
    _assigned: set[TopicPartition]
    _positions: dict[TopicPartition, int]
    _start_from: str
    _initial_targets: dict[TopicPartition, int] | None
    _caught_up_sent: bool
    _on_caught_up: Callable[[], None] | None
    _known_position: Callable[[KafkaConsumer, TopicPartition], int | None]

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
