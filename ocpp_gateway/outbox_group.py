"""Group commit of the gateway's events into the producer's outbox.

Why: every event must be durable before the charger gets the answer that acknowledges it
(StopTransaction.conf…), and an fsync'd outbox append per event, on the event loop, was the
gateway's largest cost under load (docs/ocpp.md, Benchmark). So the events every charger
handler queues in one turn of the loop go to the outbox in ONE transaction — one fsync,
:meth:`~ev_common.kafka.producer.ReliableProducer.send_many`, the outbox's own group append —
run in a worker thread so the loop keeps serving chargers; the handlers await :meth:`durable`
before answering. Nothing is copied from the outbox: this only decides *when* to call it.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter

from ev_common import contract as c

log = logging.getLogger(__name__)


class GroupCommitter:
    def __init__(self, producer, counters: Counter[str]) -> None:
        self.producer = producer
        self.counters = counters
        self._pending: list[tuple[str, c.Envelope]] = []   # events of the open group
        self._batch: asyncio.Future | None = None          # its completion (None: no open group)
        self._tasks: set[asyncio.Task] = set()

    def queue(self, topic: str, env: c.Envelope) -> None:
        """Add *env* to the open group (opening one if none is). Call on the loop."""
        self._pending.append((topic, env))
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._commit(self._batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def durable(self) -> None:
        """Wait until every event queued so far is in the outbox; raises what the outbox raised
        (e.g. OutboxRefused: the charger then gets a CallError and repeats its message)."""
        if self._batch is not None:
            await asyncio.shield(self._batch)

    async def close(self) -> None:
        """Let the groups under way finish (before the producer closes)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _commit(self, done: asyncio.Future) -> None:
        await asyncio.sleep(0)   # let the other handlers ready in this turn add theirs
        batch, self._pending, self._batch = self._pending, [], None
        try:
            await asyncio.to_thread(self.producer.send_many, batch)
        except Exception as exc:  # noqa: BLE001 — full disk, outbox cap: every waiter learns it
            self.counters["outbox_refused"] += len(batch)
            log.error("%d event(s) not queued: %s", len(batch), exc)
            done.set_exception(exc)
            done.exception()  # retrieved: a group nobody awaits (commands, timers) is no unhandled error
            return
        self.counters["outbox_groups"] += 1
        done.set_result(len(batch))
