"""Socket framing ``<STX><DATA><ETX><LRC>`` used between Monitor↔Engine and Monitor/driver↔Central.

STX=0x02, ETX=0x03, LRC = XOR of the DATA bytes; DATA is UTF-8 text whose fields are separated
by ``#``. Every frame is answered with a single ACK (0x06) or NACK (0x15) byte. A request that
has an answer gets it as a second frame after the ACK (``OK#...`` or ``ERR#code#message``),
which the requester ACKs in turn. See docs/protocol.md.

The decoder is incremental and never raises on bad input: garbage yields
:class:`BadFrame` items so servers can NACK, log and carry on.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import reduce

from ev_common.netcheck import is_self_connection, linger_zero

STX = 0x02
ETX = 0x03
ACK = b"\x06"
NACK = b"\x15"
MAX_DATA = 64 * 1024
SEP = "#"


class FrameError(Exception):
    """A peer broke the protocol (bad frame, NACK, closed, timed out)."""


def lrc(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def encode_frame(fields: list[str] | tuple[str, ...]) -> bytes:
    """Fields → one frame. Fields may not contain ``#``, STX or ETX."""
    for field in fields:
        if SEP in field or "\x02" in field or "\x03" in field:
            raise ValueError(f"field {field!r} contains a reserved character")
    data = SEP.join(fields).encode("utf-8")
    if len(data) > MAX_DATA:
        raise ValueError("frame too large")
    return bytes([STX]) + data + bytes([ETX, lrc(data)])


@dataclass(frozen=True)
class Frame:
    fields: list[str]


@dataclass(frozen=True)
class BadFrame:
    reason: str


class FrameDecoder:
    """Feed bytes, get frames. Bytes outside a frame are reported once per run as BadFrame."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[Frame | BadFrame]:
        self._buf += chunk
        out: list[Frame | BadFrame] = []
        while self._buf:
            if self._buf[0] != STX:
                nxt = self._buf.find(bytes([STX]))
                drop = len(self._buf) if nxt < 0 else nxt
                del self._buf[:drop]
                out.append(BadFrame(f"{drop} byte(s) outside a frame"))
                continue
            end = self._buf.find(bytes([ETX]), 1)
            if end < 0:
                if len(self._buf) > MAX_DATA + 3:
                    self._buf.clear()
                    out.append(BadFrame("frame too large"))
                break
            if end + 1 >= len(self._buf):
                break  # LRC byte not here yet
            data = bytes(self._buf[1:end])
            check = self._buf[end + 1]
            del self._buf[: end + 2]
            if len(data) > MAX_DATA:  # the same limit whether it came in one chunk or many
                out.append(BadFrame("frame too large"))
                continue
            if lrc(data) != check:
                out.append(BadFrame("LRC mismatch"))
                continue
            if STX in data:
                out.append(BadFrame("STX inside DATA"))
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                out.append(BadFrame("DATA is not UTF-8"))
                continue
            out.append(Frame(text.split(SEP)))
        return out


class FramedStream:
    """A framed request/answer connection over asyncio streams (client or server side).

    ``request()`` sends a frame, waits for ACK, and — when an answer is expected — reads the
    answer frame and ACKs it. Timeouts and protocol violations raise :class:`FrameError`.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 timeout: float = 5.0) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
        self._decoder = FrameDecoder()
        self._pending: list[Frame | BadFrame] = []
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, host: str, port: int, timeout: float = 5.0) -> "FramedStream":
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, asyncio.TimeoutError) as exc:
            raise FrameError(f"cannot connect to {host}:{port}: {exc or 'timeout'}") from exc
        sock = writer.get_extra_info("socket")
        if sock is not None and is_self_connection(sock):  # nothing listens: see ev_common.netcheck
            linger_zero(sock)
            writer.transport.abort()
            raise FrameError(f"cannot connect to {host}:{port}: connection refused")
        return cls(reader, writer, timeout)

    async def _read_byte_or_frame(self) -> bytes | Frame | BadFrame:
        """Next thing the peer sent: an ACK/NACK byte or a (bad) frame."""
        while True:
            if self._pending:
                return self._pending.pop(0)
            chunk = await asyncio.wait_for(self.reader.read(4096), self.timeout)
            if not chunk:
                raise FrameError("connection closed by peer")
            if chunk[:1] in (ACK, NACK) and not self._decoder._buf:
                # control byte(s) first, possibly followed by a frame in the same chunk
                self._pending.extend(self._decoder.feed(chunk[1:]))
                return chunk[:1]
            self._pending.extend(self._decoder.feed(chunk))

    async def read_frame(self) -> Frame | BadFrame:
        while True:
            item = await self._read_byte_or_frame()
            if not isinstance(item, bytes):
                return item

    async def send_frame(self, fields: list[str] | tuple[str, ...]) -> None:
        self.writer.write(encode_frame(fields))
        await self.writer.drain()

    async def send_control(self, byte: bytes) -> None:
        self.writer.write(byte)
        await self.writer.drain()

    async def request(self, fields: list[str] | tuple[str, ...], expect_answer: bool = True) -> list[str]:
        async with self._lock:
            try:
                await self.send_frame(fields)
                item = await self._read_byte_or_frame()
                if item == NACK:
                    raise FrameError("peer rejected the frame (NACK)")
                if item != ACK:
                    raise FrameError("peer did not ACK")
                if not expect_answer:
                    return []
                answer = await self.read_frame()
                if isinstance(answer, BadFrame):
                    await self.send_control(NACK)
                    raise FrameError(f"bad answer frame: {answer.reason}")
                await self.send_control(ACK)
                return answer.fields
            except asyncio.TimeoutError as exc:
                raise FrameError("no answer (timeout)") from exc
            except (ConnectionError, OSError) as exc:
                raise FrameError(f"connection lost: {exc}") from exc

    async def answer(self, fields: list[str] | tuple[str, ...]) -> None:
        """Server side: send the answer frame and consume the requester's ACK."""
        await self.send_frame(fields)
        try:
            item = await self._read_byte_or_frame()
        except (asyncio.TimeoutError, FrameError, ConnectionError, OSError):
            return  # the requester vanished; nothing to undo
        if not isinstance(item, bytes):
            self._pending.insert(0, item)  # a new request instead of the ACK: keep it

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass
