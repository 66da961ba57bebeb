"""Ending asyncio tasks for sure (ev_common.tasks.cancel_and_wait): a cancel swallowed by the
task — as Python 3.11's ``wait_for`` does when a frame arrives with it — is delivered again,
a task that will not end is handed back instead of waited on forever, and a task's old error
does not burst out of a shutdown."""
from __future__ import annotations

import asyncio

from ev_common.tasks import cancel_and_wait
from tests.helpers import Stubborn


def test_a_cancel_swallowed_by_the_task_is_delivered_again() -> None:
    async def scenario() -> tuple[set, int, bool]:
        swallowed = 0

        async def link() -> None:
            nonlocal swallowed
            while True:
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    if swallowed == 0:  # the first cancel is lost, like wait_for's
                        swallowed += 1
                        continue
                    raise

        task = asyncio.create_task(link())
        await asyncio.sleep(0)
        stuck = await cancel_and_wait([task], timeout=30, recancel_s=0.05)
        return stuck, swallowed, task.cancelled()

    stuck, swallowed, cancelled = asyncio.run(scenario())
    assert swallowed == 1
    assert stuck == set() and cancelled


def test_a_cancel_lost_in_wait_for_as_a_frame_arrives_still_ends_the_reader() -> None:
    """The field case: a reader looping on ``wait_for(next frame)``; the frame and the cancel
    arrive in the same loop iteration."""
    async def scenario() -> set:
        frames: asyncio.Queue[bytes] = asyncio.Queue()

        async def reader() -> None:
            while True:
                await asyncio.wait_for(frames.get(), 3600)

        task = asyncio.create_task(reader())
        for _ in range(5):
            await asyncio.sleep(0)
        frames.put_nowait(b"PING")  # ready in this iteration ...
        stuck = await cancel_and_wait([task], timeout=30, recancel_s=0.05)  # ... and cancelled in it
        return stuck

    assert asyncio.run(scenario()) == set()


def test_a_task_that_never_ends_is_handed_back_not_waited_on_and_named_in_the_log(caplog) -> None:
    async def scenario() -> tuple[set, int, asyncio.Task]:
        body = Stubborn()
        task = asyncio.create_task(body.run(), name="stubborn")
        await asyncio.sleep(0)
        stuck = await cancel_and_wait([task], timeout=0.3, recancel_s=0.05, owner="driver=d1")
        body.release.set()
        task.cancel()  # let it go (it exits once released)
        await asyncio.wait({task}, timeout=30)
        return stuck, body.cancels, task

    stuck, cancels, task = asyncio.run(scenario())
    assert stuck == {task}
    assert cancels >= 2  # cancelled again, not once
    assert any(r.levelname == "WARNING" and "driver=d1" in r.getMessage() and "stubborn" in r.getMessage()
               for r in caplog.records)


def test_a_task_that_fails_while_ending_does_not_raise_from_the_shutdown() -> None:
    async def scenario() -> tuple[set, list[BaseException | None]]:
        async def broken_cleanup() -> None:
            try:
                await asyncio.sleep(3600)
            finally:
                raise ValueError("cleanup failed")

        async def failed_earlier() -> None:
            raise RuntimeError("old failure")

        a = asyncio.create_task(broken_cleanup())
        b = asyncio.create_task(failed_earlier())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        stuck = await cancel_and_wait([a, b], timeout=30)
        return stuck, [a.exception(), b.exception()]

    stuck, errors = asyncio.run(scenario())
    assert stuck == set()
    assert [type(e) for e in errors] == [ValueError, RuntimeError]
