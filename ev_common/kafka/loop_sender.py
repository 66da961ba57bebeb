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

Order: groups are written one after the other, in the order their events were queued — the
next group stays open (and grows) while one is being written. Two groups written at once by two
worker threads could enter the outbox in either order, and a key's later event would then go to
Kafka before its earlier one.
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
        self._open: _Group | None = None   # the group new events join (None: none open)
        self._last: _Group | None = None   # the latest group not yet written (open or being written)
        self._tasks: set[asyncio.Task] = set()
        self._writing = asyncio.Lock()     # one group written at a time, in order

    def queue(self, topic: str, env: c.Envelope) -> None:
        """Add *env* to the open group (opening one if none is). Call on the loop; the event
        is durable once :meth:`durable` returns."""
        group = self._open
        if group is None:
            group = self._open = self._last = _Group()
            task = asyncio.create_task(self._commit(group))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        group.items.append((topic, env))

    async def durable(self) -> None:
        """Wait until every event queued so far is in the outbox (groups are written in order:
        the latest one last); raises what the outbox raised for it (e.g. ``OutboxRefused``).
        Each waiter waits on a future of its own: a cancelled waiter cancels nothing else."""
        group = self._last
        if group is not None:
            waiter = asyncio.get_running_loop().create_future()
            group.waiters.append(waiter)
            await waiter

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

    async def _commit(self, group: "_Group") -> None:
        error: BaseException | None = None
        try:
            await asyncio.sleep(0)   # let the other coroutines ready in this turn add theirs
            async with self._writing:  # the group before is written first; ours stays open meanwhile
                if self._open is group:
                    self._open = None
                try:
                    await asyncio.to_thread(self.producer.send_many, group.items)
                except Exception as exc:  # noqa: BLE001 - full disk, outbox cap: every waiter learns it
                    error = exc
        except asyncio.CancelledError:
            # the loop is shutting down: the group may not be written; nobody may keep waiting
            # for it, nor join it (its events would then never be written)
            if self._open is group:
                self._open = None
            if self._last is group:
                self._last = None
            for waiter in group.waiters:
                waiter.cancel()
            raise
        if self._last is group:
            self._last = None
        if error is None:
            self.committed(len(group.items))
        else:
            self.refused(len(group.items), error)
        for waiter in group.waiters:
            if not waiter.done():  # a cancelled waiter is done already
                if error is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(error)


class _Group:
    """Events that share one outbox transaction, and the coroutines waiting for it."""

    __slots__ = ("items", "waiters")

    def __init__(self) -> None:
        self.items: list[tuple[str, c.Envelope]] = []
        self.waiters: list[asyncio.Future] = []
