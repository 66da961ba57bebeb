"""How core objects hand callbacks to the caller's thread.

Kafka callbacks run on consumer threads; a GUI or an asyncio program wants them on its own
thread. Core objects take a ``dispatch`` function — ``loop.call_soon_threadsafe`` for asyncio,
a queued-signal emitter for Qt — and call ``dispatch(fn, *args)``. The default runs ``fn`` at
once on the calling thread.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Dispatch = Callable[..., Any]


def direct(fn: Callable[..., Any], *args: Any) -> None:
    fn(*args)
