"""The resynchronisation rule of docs/protocol.md, at the decoder: one report per oversize frame
and per run of stray bytes however the bytes are chunked; an oversize frame is discarded up to
its ETX and LRC byte (even an LRC that happens to be STX) or the next STX."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ev_common.framing import ETX, MAX_DATA, STX, BadFrame, Frame, FrameDecoder, encode_frame


def _feed(stream: bytes, cuts: list[int]) -> list:
    dec, out, prev = FrameDecoder(), [], 0
    for cut in sorted(c % (len(stream) + 1) for c in cuts) + [len(stream)]:
        out += dec.feed(stream[prev:cut])
        prev = cut
    return out


@settings(max_examples=60, deadline=None)
@given(extra=st.integers(1, 200_000), lrc=st.integers(0, 255), cuts=st.lists(st.integers(0, 10**6), max_size=40))
def test_an_oversize_frame_is_one_report_and_the_next_frame_survives(extra, lrc, cuts):
    oversize = bytes([STX]) + b"x" * (MAX_DATA + extra) + bytes([ETX, lrc])  # any LRC, 0x02 included
    out = _feed(oversize + encode_frame(["HB", "CP1", "OK"]), cuts)
    assert out == [BadFrame("frame too large"), Frame(["HB", "CP1", "OK"])]


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 10**6), max_size=40))
def test_an_oversize_frame_cut_short_by_the_next_stx_is_one_report(cuts):
    truncated = bytes([STX]) + b"y" * (MAX_DATA + 10)  # never ended: the next STX starts a frame
    out = _feed(truncated + encode_frame(["PING", "CP1"]), cuts)
    assert out == [BadFrame("frame too large"), Frame(["PING", "CP1"])]


@settings(max_examples=60, deadline=None)
@given(junk=st.binary(min_size=1, max_size=5000).map(lambda b: b.replace(bytes([STX]), b"")).filter(bool),
       cuts=st.lists(st.integers(0, 10**6), max_size=40))
def test_a_run_of_stray_bytes_is_one_report_however_it_arrives(junk, cuts):
    out = _feed(junk + encode_frame(["A"]), cuts)
    assert len([o for o in out if isinstance(o, BadFrame)]) == 1 and out[-1] == Frame(["A"])
