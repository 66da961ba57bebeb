"""Bounded growth of Central's database: how long processed message ids and the event log are
kept, and the pruning that enforces it.

Why: both tables grow with every message, forever; anyone allowed to produce could grow the
database without bound. Retention by age keeps them bounded:

* **processed message ids** exist to skip a redelivered message. A message can only be
  redelivered while Kafka still holds it, so ids older than the topics' retention (Kafka's
  default: 7 days) can never match again. The default, 30 days, is well beyond that; set it
  above your cluster's ``retention.ms`` if you raised it. Pruning them earlier would let a
  late redelivery apply twice.
* **event log** (what ``ev-db supply`` / ``events`` show): 180 days by default.
Supplies and tickets are business records and are never pruned here.

:func:`prune` deletes in small chunks (each its own short transaction) so Central can run it
between batches without holding the database for long: ``CentralService`` awaits between
chunks. ``ev-db prune`` runs the same code by hand.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from central_service.db import EventLog, ProcessedMessage, database

DAY = 86400.0
CHUNK = 2000  # rows per delete transaction


@dataclass(frozen=True)
class RetentionPolicy:
    processed_ids_s: float = 30 * DAY
    event_log_s: float = 180 * DAY

    def __post_init__(self) -> None:
        if self.processed_ids_s < DAY:
            raise ValueError("processed message ids must be kept at least a day (longer than "
                             "Kafka's retention), or redeliveries would be applied twice")
        if self.event_log_s <= 0:
            raise ValueError("event log retention must be positive")


@dataclass
class PruneResult:
    processed_ids: int = 0
    event_log: int = 0

    @property
    def total(self) -> int:
        return self.processed_ids + self.event_log


def prune_steps(policy: RetentionPolicy, now: float, chunk: int = CHUNK) -> Iterator[PruneResult]:
    """Delete expired rows one chunk (one short transaction) per step; yields the running
    totals after each step, so a caller can pause between steps (Central's loop does)."""
    result = PruneResult()
    for model, ts_field, cutoff, attr in (
            (ProcessedMessage, ProcessedMessage.processed_at, now - policy.processed_ids_s, "processed_ids"),
            (EventLog, EventLog.ts, now - policy.event_log_s, "event_log")):
        while True:
            with database.atomic():
                ids = [r[0] for r in model.select(model._meta.primary_key).where(ts_field < cutoff)
                       .limit(chunk).tuples()]
                if ids:
                    model.delete().where(model._meta.primary_key.in_(ids)).execute()
            setattr(result, attr, getattr(result, attr) + len(ids))
            yield result
            if len(ids) < chunk:
                break


def prune(policy: RetentionPolicy, now: float, chunk: int = CHUNK) -> PruneResult:
    """Run every step at once (``ev-db prune``)."""
    result = PruneResult()
    for result in prune_steps(policy, now, chunk):
        pass
    return result


def count_expired(policy: RetentionPolicy, now: float) -> PruneResult:
    """What :func:`prune` would delete (``ev-db prune --dry-run``)."""
    return PruneResult(
        processed_ids=ProcessedMessage.select().where(
            ProcessedMessage.processed_at < now - policy.processed_ids_s).count(),
        event_log=EventLog.select().where(EventLog.ts < now - policy.event_log_s).count())

