"""What the resilient consumer hands to its ``on_batch`` callback, and how that callback says "not yet".

Kept apart from the consumer's machinery so the callbacks' side (Central's runtime, the desktop
readers) depends on these two small types only. Re-exported by :mod:`ev_common.kafka.consumer`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ev_common import contract

StartFrom = str  # "committed" | "earliest" | "latest"


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
