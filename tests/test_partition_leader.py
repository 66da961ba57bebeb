"""A key's partition is the one Kafka's Java client picks (murmur2, positive, modulo the count):
the broker-kill test and benchmark kill the leader of the partition driver1's requests go to."""
from __future__ import annotations

import pytest

from ev_common.kafka.partition_leader import partition_for

# Kafka's UtilsTest.testMurmur2 vectors (signed Java ints)
JAVA_MURMUR2 = {"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
                "a-little-bit-longer-string": -1486304829,
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971, "abc": 479470107}


@pytest.mark.parametrize("partitions", [1, 3, 18, 30])
def test_a_key_goes_to_the_partition_the_java_client_picks(partitions):
    for key, java_hash in JAVA_MURMUR2.items():
        assert partition_for(key, partitions) == (java_hash & 0x7FFFFFFF) % partitions


def test_a_topic_without_partitions_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one partition"):
        partition_for("driver1", 0)
