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
import ssl
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


class LinkIdle(FrameError):
    """Server side: the peer sent no valid frame before its idle deadline."""


class FrameTooSlow(FrameError):
    """Server side: a frame was started but not finished within the frame deadline (slow drip)."""


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
    """Feed bytes, get frames; resynchronises after bad input (docs/protocol.md, "Resynchronisation").

    * A run of bytes outside a frame (up to the next STX) is reported once, as one BadFrame,
      however it is chunked.
    * A frame interrupted by a new STX before its ETX is reported once; the new frame begins.
    * A frame whose DATA exceeds :data:`MAX_DATA` is reported once, as soon as that is known,
      and then discarded up to and including its ETX and the LRC byte after it, or up to (not
      including) the next STX, whichever comes first.
    So a peer that answers every frame with one byte stays in step with one that counts them.
    """

    def __init__(self, max_data: int = MAX_DATA) -> None:
        self.max_data = max_data
        self._buf = bytearray()
        self._skip: str | None = None  # "data": inside an oversize frame; "lrc": its LRC is next
        self._garbage = False          # inside a run of bytes outside a frame (already reported)

    def idle(self) -> bool:
        """True between frames (nothing of a frame started or being discarded)."""
        return not self._buf and self._skip is None

    def _skip_oversize(self) -> None:
        buf = self._buf
        if self._skip == "lrc":
            del buf[:1]
            self._skip = None
            return
        stx, etx = buf.find(bytes([STX])), buf.find(bytes([ETX]))
        if etx >= 0 and (stx < 0 or etx < stx):
            del buf[: etx + 1]
            self._skip = "lrc"
        elif stx >= 0:
            del buf[:stx]
            self._skip = None
        else:
            buf.clear()

    def feed(self, chunk: bytes) -> list[Frame | BadFrame]:
        self._buf += chunk
        out: list[Frame | BadFrame] = []
        while self._buf:
            if self._skip is not None:
                self._skip_oversize()
                continue
            if self._buf[0] != STX:
                nxt = self._buf.find(bytes([STX]))
                drop = len(self._buf) if nxt < 0 else nxt
                del self._buf[:drop]
                if not self._garbage:
                    out.append(BadFrame(f"{drop} byte(s) outside a frame"))
                self._garbage = nxt < 0  # the run goes on until an STX arrives
                continue
            self._garbage = False
            end = self._buf.find(bytes([ETX]), 1)
            restart = self._buf.find(bytes([STX]), 1)
            if restart >= 0 and (end < 0 or restart < end):
                # a new STX before this frame's ETX: this one was cut short; the new one begins
                out.append(BadFrame("frame too large" if restart - 1 > self.max_data
                                    else "frame cut short by the next STX"))
                del self._buf[:restart]
                continue
            if end < 0:
                if len(self._buf) - 1 > self.max_data:
                    del self._buf[:1]
                    self._skip = "data"
                    out.append(BadFrame("frame too large"))
                break
            if end + 1 >= len(self._buf):
                break  # LRC byte not here yet
            data = bytes(self._buf[1:end])
            check = self._buf[end + 1]
            del self._buf[: end + 2]
            if len(data) > self.max_data:  # the same limit whether it came in one chunk or many
                out.append(BadFrame("frame too large"))
                continue
            if lrc(data) != check:
                out.append(BadFrame("LRC mismatch"))
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
        self._pending: list[bytes | Frame | BadFrame] = []
        self._lock = asyncio.Lock()
        self._frame_started: float | None = None  # loop time the unfinished frame began

    @classmethod
    async def connect(cls, host: str, port: int, timeout: float = 5.0,
                      tls: ssl.SSLContext | None = None) -> "FramedStream":
        """Connect (and, with *tls*, complete a TLS handshake that checks *host* against the
        server's certificate) within *timeout*; any failure is a :class:`FrameError`."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=tls, server_hostname=host if tls else None,
                                        ssl_handshake_timeout=timeout if tls else None), timeout)
        except ssl.SSLCertVerificationError as exc:
            raise FrameError(f"TLS: el certificado de {host}:{port} no es de confianza o no es para "
                             f"'{host}' ({exc.verify_message})") from exc
        except (OSError, asyncio.TimeoutError) as exc:
            raise FrameError(f"cannot connect to {host}:{port}: {exc or 'timeout'}") from exc
        sock = writer.get_extra_info("socket")
        if sock is not None and is_self_connection(sock):  # nothing listens: see ev_common.netcheck
            linger_zero(sock)
            writer.transport.abort()
            raise FrameError(f"cannot connect to {host}:{port}: connection refused")
        return cls(reader, writer, timeout)

    @property
    def tls_version(self) -> str | None:
        """The negotiated TLS version (``"TLSv1.3"``), None on a plain-text link."""
        obj = self.writer.get_extra_info("ssl_object")
        return obj.version() if obj is not None else None

    async def _read_byte_or_frame(self) -> bytes | Frame | BadFrame:
        """Next thing the peer sent: an ACK/NACK byte or a (bad) frame."""
        while True:
            if self._pending:
                return self._pending.pop(0)
            chunk = await asyncio.wait_for(self.reader.read(4096), self.timeout)
            if not chunk:
                raise FrameError("connection closed by peer")
            if chunk[:1] in (ACK, NACK) and self._decoder.idle():
                # control byte(s) first (a push link's ACKs arrive several in one read),
                # possibly followed by a frame in the same chunk
                n = 1
                while n < len(chunk) and chunk[n:n + 1] in (ACK, NACK):
                    n += 1
                self._pending.extend(chunk[i:i + 1] for i in range(1, n))
                self._pending.extend(self._decoder.feed(chunk[n:]))
                return chunk[:1]
            self._pending.extend(self._decoder.feed(chunk))

    async def read_item(self, timeout: float) -> bytes | Frame | BadFrame | None:
        """The next ACK/NACK byte or (bad) frame the peer sends, None when *timeout* passes
        first (a push link's pace: a frame, or its silence, is the news). A closed link is a
        :class:`FrameError`."""
        try:
            return await asyncio.wait_for(self._read_byte_or_frame(), timeout)
        except asyncio.TimeoutError:
            return None
        except (ConnectionError, OSError) as exc:
            raise FrameError(f"connection lost: {exc}") from exc

    def push_frame(self, fields: list[str] | tuple[str, ...]) -> int:
        """Write a frame without waiting (a push on a link the peer only ACKs): the bytes the
        transport still holds afterwards, so the caller can drop a peer that does not read."""
        self.writer.write(encode_frame(fields))
        return self.writer.transport.get_write_buffer_size()

    async def read_frame(self) -> Frame | BadFrame:
        while True:
            item = await self._read_byte_or_frame()
            if not isinstance(item, bytes):
                return item

    async def next_request(self, idle_deadline: float, frame_s: float) -> Frame | BadFrame:
        """Server side: the next (bad) frame, under two deadlines on the loop's clock.

        :class:`LinkIdle` when *idle_deadline* passes with nothing complete received;
        :class:`FrameTooSlow` when a frame started more than *frame_s* seconds ago and is
        still unfinished — a peer dripping one byte every few seconds is cut, however often
        it sends. Stray control bytes between frames are ignored."""
        loop = asyncio.get_running_loop()
        while True:
            while self._pending:
                item = self._pending.pop(0)
                if not isinstance(item, bytes):
                    return item
            now = loop.time()
            limit = idle_deadline
            if not self._decoder.idle():
                if self._frame_started is None:
                    self._frame_started = now
                limit = min(limit, self._frame_started + frame_s)
                if now >= self._frame_started + frame_s:
                    raise FrameTooSlow(f"frame unfinished after {frame_s:g} s")
            else:
                self._frame_started = None
            if now >= idle_deadline:
                raise LinkIdle("no request before the idle deadline")
            try:
                chunk = await asyncio.wait_for(self.reader.read(4096), limit - now)
            except asyncio.TimeoutError:
                continue  # the checks above say which deadline passed
            if not chunk:
                raise FrameError("connection closed by peer")
            if chunk[:1] in (ACK, NACK) and self._decoder.idle():
                chunk = chunk[1:]
            items = self._decoder.feed(chunk)
            self._pending.extend(items)
            if items or self._decoder.idle():
                self._frame_started = None  # an unfinished frame now is a new one: its own clock

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
        try:  # one deadline for the whole wait: a peer dripping bytes instead of its ACK is not waited for
            item = await asyncio.wait_for(self._read_byte_or_frame(), self.timeout)
        except (asyncio.TimeoutError, FrameError, ConnectionError, OSError):
            return  # the requester vanished; nothing to undo
        if not isinstance(item, bytes):
            self._pending.insert(0, item)  # a new request instead of the ACK: keep it

    async def close(self, timeout: float = 2.0) -> None:
        """Close politely (TLS close_notify included), but never wait on a peer that does not
        read for more than *timeout*: then the link is aborted."""
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), timeout)
        except asyncio.TimeoutError:
            self.writer.transport.abort()
        except (ConnectionError, OSError):
            pass
