"""Group commit of the gateway's events into the producer's outbox.

Why: every event must be durable before the charger gets the answer that acknowledges it
(StopTransaction.conf…), and an fsync'd outbox append per event, on the event loop, was the
gateway's largest cost under load (docs/ocpp.md, Benchmark). So the events every charger
handler queues in one turn of the loop go to the outbox in ONE transaction — one fsync — run
in a worker thread so the loop keeps serving chargers; the handlers await ``durable()``
before answering. The mechanism is :class:`~ev_common.kafka.loop_sender.LoopSender`; this
adds the gateway's counters (``outbox_groups``, ``outbox_refused``).
"""
from __future__ import annotations

import logging
from collections import Counter

from ev_common.kafka.loop_sender import LoopSender

log = logging.getLogger(__name__)


class GroupCommitter(LoopSender):
    def __init__(self, producer, counters: Counter[str]) -> None:
        super().__init__(producer)
        self.counters = counters

    def committed(self, n: int) -> None:
        self.counters["outbox_groups"] += 1

    def refused(self, n: int, exc: BaseException) -> None:
        self.counters["outbox_refused"] += n
        log.error("%d event(s) not queued: %s", n, exc)
