"""The two decoders every process trusts with bytes from outside: the socket frame decoder and
the Kafka contract decoder. Beyond "never raises" (tests/test_framing.py, test_contract.py):
the frame decoder resynchronises after any garbage and enforces its size limit however the
bytes are chunked; the contract decoder lets only ContractError escape for *mutated valid*
envelopes (the inputs that get deep into the decoder), and whatever it accepts is consistent
(body of the announced type, key = the body's key, encodable again); a dead letter of any
message fits in a Kafka message."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ev_common import contract
from ev_common.contract import PAYLOAD_TYPES, ContractError
from ev_common.framing import ETX, MAX_DATA, STX, BadFrame, Frame, FrameDecoder, encode_frame, lrc
from tests.test_contract import payload_strategy, sample

KAFKA_MAX_REQUEST = 1_048_576  # kafka-python's default max_request_size (the broker's limit is ~1 MiB too)


# ------------------------------------------------------------------------- frame decoder
def _feed_in_chunks(data: bytes, cuts: list[int]) -> list:
    dec = FrameDecoder()
    out: list = []
    pos = 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        out += dec.feed(data[pos:cut])
        pos = cut
    return out


_fields = st.lists(st.text(st.characters(blacklist_characters="#\x02\x03", blacklist_categories=("Cs",)),
                           max_size=10), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=300), fields=_fields, cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_decoder_is_back_in_step_within_two_frames_after_any_garbage(garbage, fields, cuts):
    frame = encode_frame(fields)
    out = _feed_in_chunks(garbage + frame + frame, cuts)
    assert all(isinstance(o, (Frame, BadFrame)) for o in out)
    assert out[-1] == Frame(fields)


@settings(max_examples=40, deadline=None)
@given(extra=st.integers(1, 5000), cuts=st.lists(st.integers(0, 10**6), max_size=20))
def test_oversize_frame_is_refused_however_it_is_chunked(extra, cuts):
    data = b"y" * (MAX_DATA + extra)
    oversize = bytes([STX]) + data + bytes([ETX, lrc(data)])
    ok = encode_frame(["OK"])
    out = _feed_in_chunks(oversize + ok + ok, cuts)
    assert not [o for o in out if isinstance(o, Frame) and o.fields != ["OK"]], "oversize frame accepted"
    assert BadFrame("frame too large") in out
    assert out[-1] == Frame(["OK"])


# ------------------------------------------------------------------------ contract decoder
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def _valid_envelope(data: st.DataObject) -> dict:
    name = data.draw(st.sampled_from(sorted(PAYLOAD_TYPES)))
    body = data.draw(st.one_of(st.just(sample(PAYLOAD_TYPES[name])), payload_strategy(PAYLOAD_TYPES[name])))
    return json.loads(contract.encode(contract.envelope(body, source="fuzz")))


def _mutate(env: dict, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        where = env if data.draw(st.booleans()) or not isinstance(env.get("body"), dict) else env["body"]
        keys = sorted(where) or ["x"]
        key = data.draw(st.sampled_from(keys + ["extra"]))
        action = data.draw(st.sampled_from(["replace", "delete", "type", "key"]))
        if action == "replace":
            where[key] = data.draw(_json_values)
        elif action == "delete":
            where.pop(key, None)
        elif action == "type":
            env["type"] = data.draw(st.sampled_from(sorted(PAYLOAD_TYPES) + ["", "TICKET", "ticket "]))
        else:
            env["key"] = data.draw(st.text(max_size=8))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_envelopes_are_either_consistent_or_contract_errors(data):
    env = _valid_envelope(data)
    _mutate(env, data)
    raw = json.dumps(env).encode()
    try:
        decoded = contract.decode(raw)
    except ContractError:
        return
    assert type(decoded.body) is PAYLOAD_TYPES[decoded.type]
    assert decoded.key == decoded.body.partition_key(), "envelope key differs from the body's key"
    assert contract.decode(contract.encode(decoded)) == decoded


@settings(max_examples=200, deadline=None)
@given(data=st.data(), cut=st.integers(0, 10**6), flip=st.integers(0, 10**6), bits=st.integers(1, 255))
def test_truncated_or_bit_flipped_envelopes_only_raise_contract_error(data, cut, flip, bits):
    raw = bytearray(json.dumps(_valid_envelope(data)).encode())
    raw[flip % len(raw)] ^= bits
    raw = raw[: max(0, len(raw) - cut % 8)] if data.draw(st.booleans()) else raw
    try:
        contract.decode(bytes(raw))
    except ContractError:
        pass


def test_envelope_whose_key_is_not_the_body_key_is_a_contract_error():
    """The key decides the partition and so the order per CP/driver: a mismatch is forged."""
    env = json.loads(contract.encode(contract.envelope(
        contract.SupplyStarted(cp_id="CP001", session_id="s", started_at=1.0), source="x")))
    env["key"] = "CP002"
    try:
        contract.decode(json.dumps(env).encode())
    except ContractError as exc:
        assert "key" in str(exc)
    else:
        raise AssertionError("a message keyed CP002 about CP001 was accepted")


def test_dead_letter_of_any_message_fits_in_one_kafka_message():
    """Worst cases of escaping: non-UTF-8 bytes (\\xNN, then JSON-escaped), quotes, backslashes,
    control characters — of a message as big as Kafka accepts."""
    for byte in (b"\xff", b'"', b"\\", b"\x01", b"a"):
        value = byte * (KAFKA_MAX_REQUEST - 100)
        body = contract.DeadLetter(origin_topic="ev.cp.events", partition=0, offset=1, key="k",
                                   value=contract.describe_bytes(value), reason="invalid envelope",
                                   consumer="ev.central")
        size = len(contract.encode(contract.envelope(body, source="central")))
        assert size < KAFKA_MAX_REQUEST - 10_000, (byte, size)
        assert body.value.startswith(contract.describe_bytes(byte * 100))  # the start is kept


_HEAD = b'{"id":"1","type":"engine_online","v":1,"ts":1,"source":"x","key":"CP1","body":'
POISON = {
    # msgspec raises UnicodeDecodeError (not a DecodeError) for these: before, it escaped decode()
    # and the consumer rebuilt its client and re-read the same message forever
    "invalid UTF-8 in an envelope string": b'{"id":"\xff","type":"engine_online","v":1,"ts":1,"source":"x",'
                                           b'"key":"CP1","body":{"cp_id":"CP1"}}',
    "invalid UTF-8 in a body string": _HEAD + b'{"cp_id":"CP\xe1"}}',
    # ... and RecursionError for JSON nested deeper than its limit
    "deeply nested body": _HEAD + b"[" * 5000 + b"]" * 5000 + b"}",
    "deeply nested unknown body field": _HEAD + b'{"cp_id":"CP1","x":' + b"[" * 5000 + b"]" * 5000 + b"}}",
}


def test_poison_envelopes_are_contract_errors():
    for name, raw in POISON.items():
        try:
            contract.decode(raw)
        except ContractError:
            continue
        raise AssertionError(f"{name}: decoded")
