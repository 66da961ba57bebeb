"""Socket framing <STX><DATA><ETX><LRC>: encoder/decoder and the request/answer stream."""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ev_common.framing import (ACK, ETX, MAX_DATA, NACK, STX, BadFrame, Frame, FrameDecoder,
                               FrameError, FramedStream, encode_frame, lrc)

# fields: any text without the separator or the control bytes STX/ETX
_field = st.text(alphabet=st.characters(blacklist_characters="#\x02\x03",
                                        blacklist_categories=("Cs",)), max_size=30)
_fields = st.lists(_field, min_size=1, max_size=6)


def test_known_frame_bytes() -> None:
    frame = encode_frame(["PING", "CP001"])
    data = b"PING#CP001"
    assert frame == bytes([STX]) + data + bytes([ETX, lrc(data)])
    assert lrc(b"") == 0 and lrc(b"\x01\x01") == 0 and lrc(b"\x05\x03") == 6


@settings(max_examples=200, deadline=None)
@given(_fields)
def test_round_trip(fields: list[str]) -> None:
    assert FrameDecoder().feed(encode_frame(fields)) == [Frame(fields)]


@settings(max_examples=100, deadline=None)
@given(st.lists(_fields, min_size=1, max_size=5), st.data())
def test_split_chunks_anywhere(frames: list[list[str]], data: st.DataObject) -> None:
    stream = b"".join(encode_frame(f) for f in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    dec = FrameDecoder()
    out: list = []
    prev = 0
    for cut in cuts + [len(stream)]:
        out += dec.feed(stream[prev:cut])
        prev = cut
    assert out == [Frame(f) for f in frames]


def test_byte_by_byte() -> None:
    stream = encode_frame(["AUTH", "CP1", "key"]) + encode_frame(["HB", "CP1", "OK"])
    dec = FrameDecoder()
    out = [item for b in stream for item in dec.feed(bytes([b]))]
    assert out == [Frame(["AUTH", "CP1", "key"]), Frame(["HB", "CP1", "OK"])]


def test_lrc_mismatch_is_reported_and_next_frame_survives() -> None:
    bad = bytearray(encode_frame(["HB", "CP1", "OK"]))
    bad[-1] ^= 0xFF
    out = FrameDecoder().feed(bytes(bad) + encode_frame(["PING", "CP1"]))
    assert out == [BadFrame("LRC mismatch"), Frame(["PING", "CP1"])]


def test_garbage_between_frames() -> None:
    stream = b"junk" + encode_frame(["A"]) + b"\x00\xffmore" + encode_frame(["B", "c"])
    out = FrameDecoder().feed(stream)
    assert [o for o in out if isinstance(o, Frame)] == [Frame(["A"]), Frame(["B", "c"])]
    assert sum(isinstance(o, BadFrame) for o in out) == 2


def test_not_utf8_data() -> None:
    data = b"\xff\xfe"
    out = FrameDecoder().feed(bytes([STX]) + data + bytes([ETX, lrc(data)]))
    assert out == [BadFrame("DATA is not UTF-8")]


def test_oversize_frame_is_dropped_and_decoder_recovers() -> None:
    dec = FrameDecoder()
    out = dec.feed(bytes([STX]) + b"x" * (MAX_DATA + 10))
    assert out == [BadFrame("frame too large")]
    assert dec.feed(encode_frame(["OK"])) == [Frame(["OK"])]


def test_encoder_rejects_bad_fields() -> None:
    for bad in (["a#b"], ["\x02"], ["x\x03"]):
        with pytest.raises(ValueError):
            encode_frame(bad)
    with pytest.raises(ValueError):
        encode_frame(["x" * (MAX_DATA + 1)])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decoder_never_raises_on_garbage(data: bytes) -> None:
    out = FrameDecoder().feed(data)
    assert all(isinstance(o, (Frame, BadFrame)) for o in out)


# ---------------------------------------------------------------- over a real socket
async def _server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A tiny framed server: NACKs bad frames, answers PING with OK#<cp>, HB without answer."""
    stream = FramedStream(reader, writer, timeout=5.0)
    try:
        while True:
            item = await stream.read_frame()
            if isinstance(item, BadFrame):
                await stream.send_control(NACK)
                continue
            await stream.send_control(ACK)
            if item.fields[0] == "PING":
                await stream.answer(["OK", item.fields[1]])
    except (FrameError, asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        await stream.close()


def test_framed_stream_request_answer_over_socket() -> None:
    async def scenario() -> None:
        server = await asyncio.start_server(_server, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            client = await FramedStream.connect("127.0.0.1", port, timeout=5.0)
            assert await client.request(["PING", "CP001"]) == ["OK", "CP001"]
            assert await client.request(["HB", "CP001", "OK"], expect_answer=False) == []
            # several requests back to back on the same connection
            answers = [await client.request(["PING", f"CP{i}"]) for i in range(5)]
            assert answers == [["OK", f"CP{i}"] for i in range(5)]
            # a corrupted frame is NACKed; the connection stays usable
            bad = bytearray(encode_frame(["PING", "X"]))
            bad[-1] ^= 0x55
            client.writer.write(bytes(bad))
            await client.writer.drain()
            assert await client._read_byte_or_frame() == NACK
            assert await client.request(["PING", "again"]) == ["OK", "again"]
            await client.close()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_connect_refused_is_frame_error() -> None:
    from ev_common.ports import free_port

    async def scenario() -> None:
        with pytest.raises(FrameError):
            await FramedStream.connect("127.0.0.1", free_port(), timeout=2.0)

    asyncio.run(scenario())


def test_request_times_out_when_peer_is_silent() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        await asyncio.sleep(5)
        writer.close()

    async def scenario() -> None:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            client = await FramedStream.connect("127.0.0.1", port, timeout=0.3)
            with pytest.raises(FrameError):
                await client.request(["PING", "CP1"])
            await client.close()
        finally:
            server.close()

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_acks_arriving_in_one_read_are_each_an_ack_and_a_frame_after_them_survives() -> None:
    """A push link's receiver ACKs every frame; several ACKs (and the next frame) often arrive
    in one read: each ACK counts, none is taken for garbage, the frame after them decodes."""
    async def scenario() -> None:
        got: asyncio.Queue = asyncio.Queue()

        async def pusher(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            stream = FramedStream(reader, writer, timeout=5.0)
            for _ in range(4):
                await got.put(await stream.read_item(5.0))
            writer.close()

        server = await asyncio.start_server(pusher, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            client = await FramedStream.connect("127.0.0.1", port, timeout=5.0)
            client.writer.write(ACK * 3 + encode_frame(["PING", "after"]))
            await client.writer.drain()
            items = [await asyncio.wait_for(got.get(), 5) for _ in range(4)]
            assert items[:3] == [ACK, ACK, ACK]
            assert items[3] == Frame(["PING", "after"])
            await client.close()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_read_item_is_none_when_the_peer_is_quiet_and_push_frame_writes_without_waiting() -> None:
    async def scenario() -> None:
        async def quiet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            stream = FramedStream(reader, writer, timeout=5.0)
            assert await stream.read_item(0.05) is None
            assert stream.push_frame(["NOTE", "x"]) >= 0
            await stream.read_item(5.0)  # the client's ACK
            writer.close()

        server = await asyncio.start_server(quiet, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            client = await FramedStream.connect("127.0.0.1", port, timeout=5.0)
            assert await client.read_frame() == Frame(["NOTE", "x"])
            await client.send_control(ACK)
            await client.close()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(asyncio.wait_for(scenario(), 30))
