"""Group mode of the consumer: a member of a consumer group that commits after each batch.

A part (mixin) of :class:`ev_common.kafka.consumer.ResilientConsumer`: offsets of a batch are
committed only after ``on_batch`` returned (at-least-once; with an :class:`OffsetStore` in
manual mode the same step saves local positions instead), the rebalance listener drops
commits pending for revoked partitions, and two kafka-python 3.0.12 races are worked around:
an empty assignment of existing topics is nudged, and a group join is never left half done
(:meth:`GroupMember._keep_join_alive`). Central reads its inputs in this mode.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka import errors as kerr

from ev_common.kafka.offsets import OffsetStore
from ev_common.kafka.producer import describe_error

if TYPE_CHECKING:
    from ev_common.kafka.consumer import ResilientConsumer

log = logging.getLogger("ev_common.kafka.consumer")  # one logger for the consumer's parts


class GroupMember:
    topics: list[str]
    client_id: str
    group_id: str | None
    _lock: threading.Lock
    _kc: KafkaConsumer | None
    _uncommitted: dict[TopicPartition, int]
    _offset_store: OffsetStore | None
    _rejoin_nudges: int
    _connected_at: float

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

    def _keep_join_alive(self, kc: KafkaConsumer) -> None:
        """After each poll: keep kafka-python 3.0.12 finishing a group join it has started.

        Its JoinGroup+SyncGroup runs as a task that outlives a short ``poll()``; a later poll
        awaits it and applies the assignment, but only ``while need_rejoin()``. A leader that
        rejoins because its metadata snapshot changed (seen right after a fresh group's first
        assignment) has ``rejoin_needed`` False, and the task's own ``_perform_assignment``
        makes the snapshots equal again: if the task finishes between two polls, no poll ever
        applies it. The member stays REBALANCING with heartbeats off, its old partitions still
        listed as assigned (gated, not fetched) and its listener never called again; the
        coordinator drops it after the session timeout and the other member takes every
        partition. Both then report all partitions and the stranded one reads nothing, until
        something else makes it rejoin (nothing did within 30 s in the test, 90 s in the e2e
        run). tests/test_consumer_group_join.py catches it (members joining a fresh group at
        once). While a join is under way (``rejoining``) the flag is held up, so the next poll
        awaits the task and applies its result (or, if it already finished, joins anew)."""
        coordinator = kc._coordinator  # noqa: SLF001
        with coordinator._lock:  # noqa: SLF001 - the network thread ends a join under it
            if coordinator.rejoining and not coordinator.rejoin_needed:
                coordinator.request_rejoin()

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


class Rebalance(ConsumerRebalanceListener):
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
