"""Kafka's default partitioner with the key's hash remembered (the reliable producer's).

Why: the delivery worker hands every outbox row to ``KafkaProducer.send`` on one thread that
shares the GIL with every caller of ``send()``; kafka-python's ``DefaultPartitioner`` builds
the topic set, a sorted partition list and an "available" list and runs a pure-Python
murmur2 for every record (~10 % of ``send``'s CPU in the outbox benchmark, issue 14). Keys
repeat (a CP id, a driver id), so the hash is kept per key. The partition is exactly the
default one — murmur2 of the key, positive, modulo the topic's partition count, over the
sorted partition ids — so records keep going to the partition every other client (and
:mod:`ev_common.kafka.partition_leader`) expects; keyless records and unknown topics go to
the default partitioner unchanged.
"""
from __future__ import annotations

from kafka.partitioner.default import DefaultPartitioner, murmur2

MAX_KEYS = 50_000  # bounded memory: the memo is dropped whole when it grows past this


class KeyHashPartitioner(DefaultPartitioner):
    """:class:`DefaultPartitioner` with a bounded memo of murmur2 per key. One instance per
    client; called by the thread that calls ``send`` (the delivery worker)."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self._hashes: dict[bytes, int] = {}
        self._max_keys = max_keys

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):  # noqa: ANN001 - kafka-python's signature
        parts = cluster.partitions_for_topic(topic) if serialized_key is not None else None
        if not parts:  # no key, or topic unknown: the default behaviour (random / ValueError)
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        return sorted(parts)[self.key_hash(serialized_key) % len(parts)]

    def key_hash(self, key: bytes) -> int:
        """murmur2 of *key*, positive (Kafka's default partitioner's hash), remembered."""
        h = self._hashes.get(key)
        if h is None:
            if len(self._hashes) >= self._max_keys:
                self._hashes.clear()
            h = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return h
