"""Closing the driver app ends its WATCH link (ev_desktop.core.notify_link) for sure: even
when the cancel arrives with a frame and Python 3.11's ``wait_for`` swallows it, when the link
is waiting on a silent Central, or while it is being opened.

A scripted client and stream stand in for Central's socket: what is under test is the link's
loop, not the wire (tests/driver/test_push_link_app.py runs it against a real TLS socket)."""
from __future__ import annotations

import asyncio

from ev_common.framing import ACK, Frame, FrameError
from ev_desktop.core.notify_link import NotificationLink


class _Transport:
    def __init__(self, stream: _Stream) -> None:
        self._stream = stream
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True
        self._stream.broken()


class _Writer:
    def __init__(self, stream: _Stream) -> None:
        self.transport = _Transport(stream)


class _Stream:
    """Frames the test feeds; ``read_item`` waits through ``wait_for`` as FramedStream does."""

    def __init__(self, *, abort_breaks_reads: bool = True) -> None:
        self.frames: asyncio.Queue[Frame | Exception] = asyncio.Queue()
        self.writer = _Writer(self)
        self.sent: list[bytes] = []
        self.closed = False
        self.reading = asyncio.Event()
        self._abort_breaks_reads = abort_breaks_reads

    def broken(self) -> None:
        if self._abort_breaks_reads:
            self.frames.put_nowait(FrameError("connection aborted"))

    async def read_item(self, timeout: float) -> Frame | None:
        self.reading.set()
        try:
            item = await asyncio.wait_for(self.frames.get(), timeout)
        except asyncio.TimeoutError:
            return None
        if isinstance(item, Exception):
            raise item
        return item

    async def send_control(self, byte: bytes) -> None:
        self.sent.append(byte)

    async def close(self) -> None:
        self.closed = True


class _Client:
    host, port = "central.test", 1

    def __init__(self, stream: _Stream, opened: asyncio.Event | None = None) -> None:
        self.stream = stream
        self.watches = 0
        self._opened = opened  # set: watch() waits for it (an opening in progress)
        self.watching = asyncio.Event()

    async def watch(self, session_id: str, token: str) -> tuple[_Stream, float]:
        self.watches += 1
        self.watching.set()
        if self._opened is not None:
            await self._opened.wait()
        return self.stream, 3600.0


def _ping() -> Frame:
    return Frame(["PING"])


async def _ended(task: asyncio.Task, within: float = 10.0) -> bool:
    done, _ = await asyncio.wait({task}, timeout=within)
    return bool(done)


def test_a_stop_that_arrives_with_a_frame_ends_the_link() -> None:
    async def scenario() -> tuple[bool, int, bool]:
        stream = _Stream(abort_breaks_reads=False)  # only the flag can end it here
        client = _Client(stream)
        link = NotificationLink(client, lambda: ("S1", "tok"), lambda env: None)  # type: ignore[arg-type]
        task = asyncio.create_task(link.run())
        await asyncio.wait_for(stream.reading.wait(), 10)
        for _ in range(5):
            await asyncio.sleep(0)
        stream.frames.put_nowait(_ping())  # the frame is ready in this iteration ...
        link.stop()
        task.cancel()                      # ... and the cancel arrives in it: swallowed on 3.11
        ended = await _ended(task)
        return ended, client.watches, stream.closed

    ended, watches, closed = asyncio.run(scenario())
    assert ended, "the link kept reading after stop()"
    assert watches == 1 and closed


def test_a_stop_while_central_is_silent_ends_the_link_without_a_cancel() -> None:
    async def scenario() -> tuple[bool, bool, list[bytes], bool]:
        stream = _Stream()
        client = _Client(stream)
        states: list[bool] = []
        link = NotificationLink(client, lambda: ("S1", "tok"), lambda env: None,  # type: ignore[arg-type]
                                on_state=states.append)
        task = asyncio.create_task(link.run())
        stream.frames.put_nowait(_ping())
        await asyncio.wait_for(stream.reading.wait(), 10)
        while not stream.sent:
            await asyncio.sleep(0.01)
        link.stop()  # no cancel: aborting the socket ends the read in progress
        ended = await _ended(task)
        return ended, stream.writer.transport.aborted, stream.sent, states == [True, False]

    ended, aborted, sent, states_ok = asyncio.run(scenario())
    assert ended and aborted
    assert sent == [ACK]  # the ping before the stop was answered
    assert states_ok


def test_a_stop_while_the_link_opens_closes_it_unused() -> None:
    async def scenario() -> tuple[bool, int, bool, int]:
        stream = _Stream()
        opened = asyncio.Event()
        client = _Client(stream, opened)
        link = NotificationLink(client, lambda: ("S1", "tok"), lambda env: None)  # type: ignore[arg-type]
        task = asyncio.create_task(link.run())
        await asyncio.wait_for(client.watching.wait(), 10)
        link.stop()
        opened.set()  # Central answers OK after the app stopped the link
        ended = await _ended(task)
        return ended, client.watches, stream.closed, link.openings

    ended, watches, closed, openings = asyncio.run(scenario())
    assert ended
    assert watches == 1 and closed and openings == 0
