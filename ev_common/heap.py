"""Keep the start-up heap out of the garbage collector's full passes.

Why: CPython's collection of its oldest generation walks every container object the process
holds and, while it runs, no other thread of the process runs (it holds the GIL). In a running
process most of those objects are the ones start-up made — modules, classes, functions, the
CP table — and they live as long as the process. Under 5,000 CPs' telemetry Central made a
full pass every ~5 s, each one 21-47 ms of CPU and up to 114 ms of wall time on the 2-core
benchmark machine: a driver's request that arrived during one waited for it, and such waits
were among the samples above the 100 ms p99 target (``python -m benchmarks.segments --bench
load_latency``, 2026-12-02). After :func:`settle_heap` the same passes took 2-9 ms of CPU.

:func:`settle_heap` collects what is garbage now, then moves every object still alive into the
interpreter's permanent generation (:func:`gc.freeze`): later passes skip them. The objects are
still freed by reference counting when they are dropped; only a reference *cycle* among them
that becomes garbage later stays in memory. That is bounded by the start-up heap, which is why
it is called once, by a process's entry point (``main``), once that process is up — never by
library code that tests run in-process.
"""
from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle_heap(who: str) -> int:
    """Collect the garbage there is, then leave the live objects out of later collections.

    Returns how many objects are left out (``gc.get_freeze_count()``), for the log."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("%s: %d start-up objects left out of garbage collection", who, frozen)
    return frozen
