"""Durable sends for code that runs on an asyncio loop: one outbox transaction per loop turn.

Why: an event is durable only once its outbox transaction committed (an fsync, ~0.5–3 ms).
``ReliableProducer.send()`` pays that on the calling thread, which is right for one user action
but wrong for a loop serving many clients at once (the OCPP gateway's chargers, a burst of
requests): calling it on the loop stalls every client for each fsync, and one thread per
client pays CPython's thread hand-overs — 32 threads each blocking in ``send()`` cost 38–44 µs
of CPU per event in the outbox alone, with no Kafka at all (issue 14, ``obx3``).

Here every coroutine that queues an event in one turn of the loop joins one *group*; the group
is written with :meth:`ReliableProducer.send_many` — one transaction, one fsync — in a worker
thread, so the loop keeps serving; each coroutine awaits :meth:`LoopSender.durable` (or
:meth:`LoopSender.send`) and goes on only once its event is in the outbox. What is durable
and when is decided by the outbox; this only decides *when* to call it. A group refused by the
outbox (disk full, size cap) fails every coroutine waiting on it with the outbox's
:class:`~ev_common.kafka.outbox.OutboxRefused`: nobody believes an event queued that is not.

Groups may overlap: events queued while a group is being written form the next group, whose
write the outbox joins to the one under way when it can (its own group commit).
"""
from __future__ import annotations

import asyncio
import logging

from ev_common import contract as c

log = logging.getLogger(__name__)


class LoopSender:
    """Group commit of a loop's events into a :class:`ReliableProducer`'s outbox (see the
    module docstring). Use it from one loop; *producer* needs only ``send_many``."""

    def __init__(self, producer) -> None:
        self.producer = producer
        self._pending: list[tuple[str, c.Envelope]] = []   # events of the open group
        self._batch: asyncio.Future | None = None          # its completion (None: no open group)
        self._tasks: set[asyncio.Task] = set()

    def queue(self, topic: str, env: c.Envelope) -> None:
        """Add *env* to the open group (opening one if none is). Call on the loop; the event
        is durable once :meth:`durable` returns."""
        self._pending.append((topic, env))
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._commit(self._batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def durable(self) -> None:
        """Wait until every event queued so far is in the outbox; raises what the outbox raised
        (e.g. ``OutboxRefused``). A cancelled waiter does not cancel the group."""
        if self._batch is not None:
            await asyncio.shield(self._batch)

    async def send(self, topic: str, env: c.Envelope) -> str:
        """Queue *env* and return its id once it is durable (see :meth:`durable`)."""
        self.queue(topic, env)
        await self.durable()
        return env.id

    async def close(self) -> None:
        """Let the groups under way finish (before the producer closes)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # hooks (the gateway counts groups and refusals)
    def committed(self, n: int) -> None:
        """A group of *n* events is durable."""

    def refused(self, n: int, exc: BaseException) -> None:
        """A group of *n* events was refused by the outbox: none of them is queued."""
        log.error("%d event(s) not queued: %s", n, exc)

    async def _commit(self, done: asyncio.Future) -> None:
        await asyncio.sleep(0)   # let the other coroutines ready in this turn add theirs
        batch, self._pending, self._batch = self._pending, [], None
        try:
            await asyncio.to_thread(self.producer.send_many, batch)
        except Exception as exc:  # noqa: BLE001 - full disk, outbox cap: every waiter learns it
            self.refused(len(batch), exc)
            done.set_exception(exc)
            done.exception()  # retrieved: a group nobody awaits (timers, commands) is no unhandled error
            return
        self.committed(len(batch))
        done.set_result(len(batch))
