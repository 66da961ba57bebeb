"""Both framed TCP servers — Central's (Monitors, drivers) and the Engine's (its Monitor) —
against hostile peers: random bytes, partial/corrupt/oversize frames, odd field counts,
non-UTF-8, peers that never finish a frame or never read their answers. The servers run the
real server classes on a private loop with stub back-ends (no Kafka, no DB), so hypothesis can
try hundreds of inputs; Central's real service is exercised in test_central_many_connections.py.

The property: every input gets NACKs and/or ``ERR`` answers, never a dropped link or a silent
server; a legitimate request sent afterwards on the same link is answered; other clients are
served meanwhile; when the peers leave, their connection tasks and descriptors are gone.
"""
from __future__ import annotations

import ssl
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ev_common.framing import ETX, MAX_DATA, NACK, STX, encode_frame, lrc
from tests.adversarial.support import ServedStub, open_fds
from tests.helpers import wait_until

KINDS = ["central", "engine"]


@pytest.fixture(params=KINDS)
def stub(request):
    served = ServedStub(request.param)
    yield served
    served.stop()


# ------------------------------------------------------------------------------ strategies
_field = st.text(st.characters(blacklist_characters="#\x02\x03", blacklist_categories=("Cs",)), max_size=12)
_verb = st.sampled_from(["AUTH", "HB", "FAULT", "RECOVER", "LOGIN", "HISTORY", "HELLO", "PING", "", "hb",
                         "NONSENSE"])
_frames = st.builds(lambda verb, rest: encode_frame([verb, *rest]), _verb, st.lists(_field, max_size=7))


def _raw_frame(data: bytes, good_lrc: bool) -> bytes:
    """STX DATA ETX LRC around any bytes (non-UTF-8, STX inside...), with a right or wrong LRC."""
    data = data.replace(bytes([ETX]), b"")
    return bytes([STX]) + data + bytes([ETX, lrc(data) if good_lrc else lrc(data) ^ 0x5A])


def _corrupt(frame: bytes, cut: int, flip: int) -> bytes:
    frame = bytearray(frame[: max(1, cut % (len(frame) + 1))])
    frame[flip % len(frame)] ^= 0x41
    return bytes(frame)


_pieces = st.one_of(
    st.binary(max_size=64),
    _frames,
    st.builds(_raw_frame, st.binary(max_size=40), st.booleans()),
    st.builds(_corrupt, _frames, st.integers(0, 200), st.integers(0, 200)),
    st.sampled_from([b"\x02", b"\x03", b"\x06", b"\x15", b"\x02\x03\x00", b"#", b"\xff\xfe", b"\x00" * 8]),
)
_garbage = st.lists(_pieces, min_size=1, max_size=8).map(b"".join)


# ----------------------------------------------------------------------------------- tests
def test_any_bytes_get_nack_or_err_and_the_link_and_server_keep_serving(stub):
    legit = stub.peer()
    base_fds = open_fds()
    counter = iter(range(10**9))

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(garbage=_garbage)
    def check(garbage: bytes) -> None:
        n = next(counter)
        peer = stub.peer()
        try:
            peer.send(garbage)
            # after any garbage the decoder is back in step within two frames: send the
            # request twice in a row, its answer must come (every frame before it: NACK/ERR/OK)
            req, match = stub.sync_request(f"n{n}")
            peer.send(encode_frame(req) * 2)
            seen = peer.until_answer(match)
            for ev in seen:
                assert isinstance(ev, bytes) or ev[0] in ("OK", "ERR"), ev
        finally:
            peer.close()
        req, match = stub.sync_request(f"legit{n}")  # another client, served meanwhile
        assert match(legit.request(req, match))

    check()
    wait_until(lambda: stub.connections() == 1, 10, message="fuzzing peers' connections closed")
    legit.close()
    wait_until(lambda: stub.connections() == 0, 10, message="all connections closed")
    wait_until(lambda: open_fds() <= base_fds - 1, 10, message=f"descriptors back to {base_fds - 1}")


def test_silent_unfinished_and_non_reading_peers_do_not_delay_other_clients(stub):
    base_fds = open_fds()
    req, _ = stub.sync_request("x")
    partial = encode_frame(req)[:-3]  # STX and most of a frame, never finished
    silent = [stub.connect() for _ in range(100)]
    slow = [stub.connect() for _ in range(100)]
    for s in slow:
        s.sendall(partial)
    # a peer that floods requests with big answers and never reads one: its writes block
    flood_req = ["HISTORY", "big"] if stub.kind == "central" else ["PING", "p" * 8000]
    flooder = stub.connect()
    flooder.setblocking(False)
    burst = encode_frame(flood_req) * 50
    sent = 0
    try:
        while sent < 8_000_000:
            sent += flooder.send(burst)
    except (BlockingIOError, ssl.SSLWantWriteError):
        pass  # the server stopped reading it: its answers are not being read either
    wait_until(lambda: stub.connections() == 201, 10, message="201 hostile connections accepted")
    legit = stub.peer()
    try:
        for i in range(5):
            req, match = stub.sync_request(f"ok{i}")
            started = time.monotonic()
            assert match(legit.request(req, match))
            assert time.monotonic() - started < 2.0, "a legitimate request waited for hostile peers"
    finally:
        for s in [*silent, *slow, flooder]:
            s.close()
    wait_until(lambda: stub.connections() == 1, 15, message="hostile connections released by the server")
    legit.close()
    wait_until(lambda: open_fds() <= base_fds, 10, message=f"descriptors back to {base_fds}")


def test_a_request_the_backend_fails_on_is_answered_err_internal_and_the_link_survives(stub):
    peer = stub.peer()
    try:
        verb = "HISTORY" if stub.kind == "central" else "PING"
        assert peer.request([verb, "boom"])[:2] == ["ERR", "internal"]
        req, match = stub.sync_request("after")
        assert match(peer.request(req, match))
    finally:
        peer.close()


def test_central_answers_err_when_its_answer_would_be_too_large_for_a_frame():
    """AUTH with a 65,500-character CP id (the request fits in a frame): the refusal text names the id and cannot be framed;
    the Monitor must still get an ``ERR``, not a dropped link."""
    served = ServedStub("central")
    peer = served.peer()
    try:
        answer = peer.request(["AUTH", "C" * 65_500, "k"])
        assert answer[0] == "ERR"
        req, match = served.sync_request("after")
        assert match(peer.request(req, match))
    finally:
        peer.close()
        served.stop()


def test_oversize_frame_is_nacked_and_the_link_recovers(stub):
    peer = stub.peer()
    try:
        peer.send(_raw_frame(b"x" * (MAX_DATA + 100), True))
        req, match = stub.sync_request("after-oversize")
        peer.send(encode_frame(req) * 2)
        seen = peer.until_answer(match)
        assert NACK in seen and all(isinstance(e, bytes) or e[0] == "OK" for e in seen), seen
    finally:
        peer.close()


def test_central_logs_only_bounded_excerpts_of_hostile_fields(caplog):
    served = ServedStub("central")
    peer = served.peer()
    try:
        with caplog.at_level("INFO", logger="central.sockets"):
            for fields in (["LOGIN", "d" * 30_000, "p"], ["AUTH", "C" * 30_000, "k"], ["HB", "C" * 30_000, "OK"],
                           ["X" * 30_000, "Y" * 30_000]):
                assert peer.request(fields)[0] == "ERR"
        assert len(caplog.records) >= 4
        assert max(len(r.getMessage()) for r in caplog.records) < 1000
    finally:
        peer.close()
        served.stop()
