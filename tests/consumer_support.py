"""Helpers of the ResilientConsumer tests (tests/test_consumer.py, tests/test_consumer_positions.py):
a batch collector and a plain producer that writes any bytes."""
from __future__ import annotations

import threading

from kafka import KafkaProducer

from ev_common.kafka.consumer import Delivery
from tests.helpers import kafka_security


class Collector:
    """on_batch target that records deliveries (thread-safe) and can be told to fail."""

    def __init__(self, fail_when=None) -> None:
        self.items: list[Delivery] = []
        self.batches = 0
        self.calls = 0
        self.lock = threading.Lock()
        self.fail_when = fail_when

    def __call__(self, batch: list[Delivery]) -> None:
        with self.lock:
            self.calls += 1
            if self.fail_when is not None:
                failing = [d for d in batch if self.fail_when(d)]  # evaluate every item
                if failing:
                    raise RuntimeError(f"cannot handle {failing[0].envelope.body}")
            self.items.extend(batch)
            self.batches += 1

    def ids(self) -> list[str]:
        with self.lock:
            return [d.envelope.id for d in self.items]

    def count(self) -> int:
        with self.lock:
            return len(self.items)


def raw_producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, bootstrap_timeout_ms=10000, **kafka_security())
