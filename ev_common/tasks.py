"""Ending asyncio tasks for sure: :func:`cancel_and_wait`.

Why not ``task.cancel(); await asyncio.gather(task, return_exceptions=True)``: on Python 3.11
a cancel can be *swallowed*. ``asyncio.wait_for`` returns its inner result, dropping the
``CancelledError``, when the inner awaitable finishes in the same loop iteration the cancel
arrives (CPython gh-86296; fixed in 3.12 by rewriting ``wait_for``). Every framed-socket read
here goes through ``wait_for``, so a link cancelled just as a frame arrives reads the frame and
goes on as if nothing happened — and the ``gather`` waits for it forever. That is how a
headless driver, done with its services, once stayed alive for six minutes with its Kafka
consumer retrying "driver core closing" once a second (the load e2e test).

So a cancelled task is cancelled again while it has not ended (a swallowed cancel is then
delivered at its next await), and the wait is bounded: what still runs after *timeout* is
returned, for the caller to log and leave behind, instead of hanging a shutdown.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(tasks: Iterable[asyncio.Future], timeout: float = 5.0, *,
                          recancel_s: float = 0.5, owner: str = "") -> set[asyncio.Future]:
    """Cancel *tasks* and wait until they end, cancelling again every *recancel_s* those that
    have not (a cleanup — a TLS close_notify — gets that long before it is interrupted).

    Returns the tasks still running after *timeout* (empty: all ended), and logs them — by
    name, as *owner*'s — as a warning. Their outcomes —
    results, exceptions, cancellations — are consumed: a shutdown is not the place to raise a
    task's old error, and asyncio would otherwise log it as never retrieved."""
    given = set(tasks)
    pending = {t for t in given if not t.done()}
    ended = given - pending
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending:
        for t in pending:
            t.cancel()
        left = deadline - loop.time()
        if left <= 0:
            break
        done, pending = await asyncio.wait(pending, timeout=min(recancel_s, left))
        ended |= done
    for t in ended:
        if not t.cancelled():
            t.exception()  # retrieved: never "Task exception was never retrieved"
    if pending:
        names = sorted(t.get_name() if isinstance(t, asyncio.Task) else repr(t) for t in pending)
        log.warning("%s: %d task(s) still running %.1f s after they were cancelled, left behind: %s",
                    owner or "shutdown", len(pending), timeout, ", ".join(names))
    return pending
