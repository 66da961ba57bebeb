"""The event contract: every message type round-trips; anything else is a ContractError."""
from __future__ import annotations

import json
import types
import typing

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ev_common import contract
from ev_common.contract import PAYLOAD_TYPES, ContractError

_text = st.text(max_size=20)
_float = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _strategy(tp: object) -> st.SearchStrategy:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(tp))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        return st.one_of(*(_strategy(a) for a in typing.get_args(tp)))
    if origin is dict:
        key_tp, value_tp = typing.get_args(tp)
        return st.dictionaries(_strategy(key_tp), _strategy(value_tp), max_size=4)
    if origin is list:
        return st.lists(_strategy(typing.get_args(tp)[0]), max_size=4)
    if tp is type(None):
        return st.none()
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):  # a nested struct (GatewayReport.refused)
        return payload_strategy(tp)
    if tp is str:
        return _text
    if tp is float:
        return _float
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**53), 2**53)
    raise AssertionError(f"no strategy for {tp!r}")


def payload_strategy(cls: type[contract.Payload]) -> st.SearchStrategy:
    hints = typing.get_type_hints(cls, include_extras=False)
    fields = {name: _strategy(hints[name]) for name in cls.__struct_fields__}
    return st.builds(cls, **fields)


def sample(cls: type[contract.Payload]) -> contract.Payload:
    """One deterministic instance per type (first value of each field's strategy domain)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for name in cls.__struct_fields__:
        tp = hints[name]
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
            tp = args[0]  # X | None -> a value of X
        if typing.get_origin(tp) is typing.Literal:
            values[name] = typing.get_args(tp)[0]
        elif tp is bool:
            values[name] = True
        elif tp is int:
            values[name] = 7
        elif tp is float:
            values[name] = 1.25
        elif typing.get_origin(tp) is dict:
            value_type = typing.get_args(tp)[1]
            values[name] = {"a": [1] if typing.get_origin(value_type) is list else 1}
        elif typing.get_origin(tp) is list:
            values[name] = []
        else:  # str or str | None
            values[name] = f"{name}-x"
    return cls(**values)


ALL_TYPES = sorted(PAYLOAD_TYPES)


def test_registry_names_match_types() -> None:
    for name, cls in PAYLOAD_TYPES.items():
        assert cls.TYPE == name
        assert cls.KEY_FIELD in cls.__struct_fields__, name


@pytest.mark.parametrize("type_name", ALL_TYPES)
def test_round_trip_sample(type_name: str) -> None:
    body = sample(PAYLOAD_TYPES[type_name])
    env = contract.envelope(body, source="test")
    assert env.type == type_name and env.v == contract.SCHEMA_VERSION
    assert env.key == body.partition_key()
    data = contract.encode(env)
    assert json.loads(data)["type"] == type_name
    assert contract.decode(data) == env
    assert contract.decode(bytearray(data)) == env
    assert contract.decode(memoryview(data)) == env


@pytest.mark.parametrize("type_name", ALL_TYPES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip_any_values(type_name: str, data: st.DataObject) -> None:
    body = data.draw(payload_strategy(PAYLOAD_TYPES[type_name]))
    env = contract.envelope(body, source=data.draw(_text), msg_id=data.draw(st.text(min_size=1, max_size=8)))
    assert contract.decode(contract.encode(env)) == env


def test_msg_id_kept_for_resends() -> None:
    body = sample(contract.Telemetry)
    a = contract.envelope(body, "x", msg_id="same")
    b = contract.envelope(body, "x", msg_id="same")
    assert a.id == b.id == "same"
    assert contract.envelope(body, "x").id != contract.envelope(body, "x").id


def test_unknown_extra_body_fields_are_tolerated() -> None:
    """Forward compatibility: a newer sender may add optional fields."""
    raw = json.loads(contract.encode(contract.envelope(sample(contract.EngineOnline), "t")))
    raw["body"]["new_field"] = 1
    assert contract.decode(json.dumps(raw).encode()).body == sample(contract.EngineOnline)


def _valid() -> dict:
    return json.loads(contract.encode(contract.envelope(sample(contract.ChargeRequested), "t")))


def _mutated(fn) -> bytes:
    raw = _valid()
    fn(raw)
    return json.dumps(raw).encode()


INVALID = {
    "none": None,
    "empty": b"",
    "not json": b"{not json",
    "json list": b"[1, 2]",
    "json string": b'"hello"',
    "not utf-8": b"\xff\xfe\x00",
    "missing id": _mutated(lambda r: r.pop("id")),
    "missing body": _mutated(lambda r: r.pop("body")),
    "missing body field": _mutated(lambda r: r["body"].pop("driver_id")),
    "wrong envelope type": _mutated(lambda r: r.update(ts="yesterday")),
    "wrong body type": _mutated(lambda r: r["body"].update(driver_id=12)),
    "body not an object": _mutated(lambda r: r.update(body=[1])),
    "unknown type": _mutated(lambda r: r.update(type="launch_rocket")),
    "wrong version": _mutated(lambda r: r.update(v=99)),
    "version as string": _mutated(lambda r: r.update(v="1")),
    "bad literal": _mutated(lambda r: r.update(type="charge_denied", body={
        "driver_id": "d", "request_id": "r", "reason": "because"})),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_input_is_contract_error(name: str) -> None:
    with pytest.raises(ContractError) as info:
        contract.decode(INVALID[name])
    assert str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes) -> None:
    try:
        contract.decode(data)
    except ContractError:
        pass


def test_contract_error_is_value_error() -> None:
    assert issubclass(ContractError, ValueError)
    assert not issubclass(ContractError, msgspec.DecodeError)


def test_describe_bytes_keeps_everything() -> None:
    assert contract.describe_bytes(None) == ""
    assert contract.describe_bytes(b"ok\xff") == "ok\\xff"
