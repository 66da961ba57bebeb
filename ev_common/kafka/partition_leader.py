"""Which broker leads the partition a key is written to — to kill exactly that one.

Why: the broker-failover e2e test and the broker-kill benchmark must ``kill -9`` the broker
that leads driver1's request partition (the worst case: the request in flight rides the
leader election). Both asked the cluster the same way; this is the one copy.

:func:`partition_for` is pure (Kafka's default partitioner: murmur2 of the key, positive,
modulo the partition count — what every producer here uses for keyed records);
:func:`leader_of` asks the cluster once for the topic's partition leaders.
"""
from __future__ import annotations

from kafka.partitioner.default import murmur2

from ev_common.kafka.admin import admin_client


def partition_for(key: str, partitions: int) -> int:
    """The partition a record keyed *key* goes to on a topic of *partitions* partitions."""
    if partitions < 1:
        raise ValueError("a topic has at least one partition")
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def leader_of(bootstrap: str, topic: str, key: str, timeout_s: float = 10.0) -> int:
    """The node id of the broker leading the partition that *key* goes to on *topic*."""
    admin = admin_client(bootstrap, timeout_s)
    try:
        [meta] = admin.describe_topics([topic])
    finally:
        admin.close()
    parts = sorted(meta["partitions"], key=lambda p: p["partition_index"])
    return parts[partition_for(key, len(parts))]["leader_id"]
