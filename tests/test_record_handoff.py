"""Rows handed to kafka-python's accumulator directly (issue 14, outbox throughput) go where
``KafkaProducer.send`` would have put them, are refused where it would refuse them, and take
``send`` itself whenever the short path does not know enough (real broker)."""
from __future__ import annotations

import uuid

import pytest
from kafka import KafkaProducer
from kafka import errors as kerr

from ev_common.kafka.partition_leader import partition_for
from ev_common.kafka.record_handoff import RecordHandoff
from ev_common.topics import Topics
from tests.helpers import kafka_security


class _CountingSends:
    """A real client whose ``send`` calls are counted (the short path must not use it)."""

    def __init__(self, bootstrap: str) -> None:
        self.kp = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                **kafka_security())
        self.sends = 0
        real = self.kp.send

        def counted(*args, **kwargs):
            self.sends += 1
            return real(*args, **kwargs)
        self.kp.send = counted

    def close(self) -> None:
        self.kp.close(5)


def test_keyed_rows_go_to_the_partition_of_their_key_without_send(kafka_broker: str, topics: Topics) -> None:
    client = _CountingSends(kafka_broker)
    try:
        parts = client.kp.partitions_for(topics.cp_events)  # metadata known: the short path applies
        assert len(parts) > 1
        hand = RecordHandoff(client.kp).begin()
        keys = [f"CP{i:03d}" for i in range(60)]
        futures = [hand(topics.cp_events, key.encode(), b"v-" + key.encode()) for key in keys]
        client.kp.flush(30)
        for key, fut in zip(keys, futures):
            assert fut.get(10).partition == partition_for(key, len(parts)), key
        assert client.sends == 0
    finally:
        client.close()


def test_a_topic_whose_metadata_is_unknown_and_a_keyless_row_take_send(kafka_broker: str, topics: Topics) -> None:
    client = _CountingSends(kafka_broker)
    try:
        hand = RecordHandoff(client.kp).begin()
        first = hand(topics.cp_events, b"CP001", b"v")      # no metadata yet: send() waits for it
        keyless = hand(topics.cp_events, None, b"v")
        client.kp.flush(30)
        assert first.get(10).topic == keyless.get(10).topic == topics.cp_events
        assert client.sends == 2
    finally:
        client.close()


def test_a_row_over_the_request_size_is_refused_before_it_is_queued(kafka_broker: str, topics: Topics) -> None:
    client = _CountingSends(kafka_broker)
    try:
        client.kp.partitions_for(topics.cp_events)
        hand = RecordHandoff(client.kp).begin()
        with pytest.raises(kerr.MessageSizeTooLargeError):
            hand(topics.cp_events, b"CP001", b"x" * (2 * 1024 * 1024))
        assert not client.kp._accumulator.has_undrained()  # noqa: SLF001 - nothing queued
        ok = hand(topics.cp_events, b"CP001", uuid.uuid4().bytes)
        client.kp.flush(30)
        assert ok.get(10).topic == topics.cp_events
    finally:
        client.close()


def test_a_client_unlike_kafka_python_3_gets_every_row_through_send() -> None:
    class _OtherClient:  # no accumulator, no sender: not the client this was written against
        def __init__(self) -> None:
            self.sent: list[tuple] = []

        def send(self, topic, key=None, value=None):
            self.sent.append((topic, key, value))
            return "future"

    client = _OtherClient()
    hand = RecordHandoff(client).begin()
    assert hand("t", b"CP001", b"v") == "future"
    assert client.sent == [("t", b"CP001", b"v")]
