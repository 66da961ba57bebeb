"""Fencing: the active Central stops serving the moment it can no longer vouch for its lock.

Why: the lock that makes an instance the active one (:mod:`.instance_guard`) can be lost while
the process lives — on PostgreSQL it belongs to a connection, and a server restart, a dropped
network path or ``pg_terminate_backend`` ends that connection and frees the lock. A standby
then takes it and serves; if the old active went on serving too, two processes would decide
from two in-memory pictures (docs/design.md, "Several Centrals"). So the active instance asks,
every ``--lock-check-interval`` seconds, whether the lock is still its own, on the lock's own
connection and off the event loop; "no", a failed query or no answer within
``--lock-check-timeout`` all mean lost, and *on_lost* is called once (the service stops its
socket server and consumers; ``ev-central`` then starts afresh as a ``--standby`` in the same
process, or with ``--on-lock-loss exit`` exits with code 4 for a supervisor).

The window in which both may serve is therefore at most interval + timeout (the standby takes
the lock the moment the server frees it); the database's unique indexes (:mod:`.db_constraints`)
refuse a double booking inside it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

log = logging.getLogger("central")


class HoldsLock(Protocol):
    def holds(self) -> bool: ...


async def watch_lock(guard: HoldsLock, interval: float, timeout: float, on_lost: Callable[[str], None]) -> None:
    """Check *guard* every *interval* s until the lock is lost, then call *on_lost(reason)* and
    return. Its own thread, so a check hanging on a dead network path never blocks the loop nor
    the default executor."""
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(1, thread_name_prefix="lock-check")
    try:
        while True:
            await asyncio.sleep(interval)
            try:
                held = await asyncio.wait_for(loop.run_in_executor(executor, guard.holds), timeout)
                why = None if held else "the database no longer lists the lock as this instance's"
            except asyncio.TimeoutError:
                why = f"the lock check got no answer within {timeout:g} s"
            if why is not None:
                on_lost(why)
                return
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
