"""Envelope ↔ bytes: the registry of message types, encoding, the two-staged decoding and the
printable form of bad bytes for a dead letter."""
from __future__ import annotations

import time
import uuid

import msgspec

from .base import SCHEMA_VERSION, ContractError, Payload
from .central_messages import (
    CentralActivity, CentralHeartbeat, DeadLetter, GatewayReport, OperatorCommand,
)
from .cp_messages import (
    AuthorizeSupply, CancelAuthorization, CpState, EngineOnline, ManualSupplyRequested, SetAvailability,
    StopSupply, SupplyFinished, SupplyStarted, Telemetry,
)
from .driver_messages import (
    ChargeAuthorized, ChargeCancelled, ChargeDenied, ChargeRequested, ReservationExpired,
    SealedNotification, SupplyInterrupted, SupplyProgress, SupplyStartedNotice, Ticket,
)

PAYLOAD_TYPES: dict[str, type[Payload]] = {
    cls.TYPE: cls
    for cls in (
        ChargeRequested, ChargeCancelled, ChargeAuthorized, ChargeDenied, ReservationExpired,
        SupplyStartedNotice, SupplyProgress, SupplyInterrupted, Ticket, SupplyStarted, Telemetry,
        SupplyFinished, ManualSupplyRequested, EngineOnline, AuthorizeSupply, CancelAuthorization,
        StopSupply, SetAvailability, OperatorCommand, CpState, CentralHeartbeat, DeadLetter,
        CentralActivity, SealedNotification, GatewayReport,
    )
}


class Auth(msgspec.Struct, frozen=True):
    """Who signed a message (``kid``: a CP id or a session id) and the MAC (see
    :mod:`ev_common.msgauth`). Absent on messages whose topic only Central may write
    (state, heartbeats) and on dead letters."""

    kid: str
    mac: str


class Envelope(msgspec.Struct, frozen=True, omit_defaults=True):
    """What travels on every topic. ``id`` is unique per logical message and is the
    idempotency key: a resend of the same message keeps its id. ``auth`` is omitted when unset."""

    id: str
    type: str
    v: int
    ts: float
    source: str
    key: str
    body: Payload
    auth: Auth | None = None


class _WireEnvelope(msgspec.Struct, frozen=True):
    """:class:`Envelope` as read first: the same fields, the body kept raw, so that decoding can
    check the envelope, then pick the body's struct by ``type`` (the two-staged decoding)."""

    id: str
    type: str
    v: int
    ts: float
    source: str
    key: str
    body: msgspec.Raw
    auth: Auth | None = None


_envelope_decoder = msgspec.json.Decoder(_WireEnvelope)
_body_decoders = {name: msgspec.json.Decoder(cls) for name, cls in PAYLOAD_TYPES.items()}
_encoder = msgspec.json.Encoder()


def new_id() -> str:
    return uuid.uuid4().hex


def envelope(body: Payload, source: str, *, msg_id: str | None = None, ts: float | None = None) -> Envelope:
    """Wrap *body*; pass *msg_id* to make a resend of the same fact recognisably the same."""
    return Envelope(
        id=msg_id or new_id(),
        type=body.TYPE,
        v=SCHEMA_VERSION,
        ts=time.time() if ts is None else ts,
        source=source,
        key=body.partition_key(),
        body=body,
    )


def encode(env: Envelope) -> bytes:
    return _encoder.encode(env)


# msgspec reports invalid UTF-8 inside a JSON string as UnicodeDecodeError and JSON nested
# deeper than its limit as RecursionError: both are bad input like any other, not a crash
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError)


def decode(data: bytes | bytearray | memoryview | None) -> Envelope:
    """Bytes → Envelope, or :class:`ContractError` explaining what is wrong."""
    if data is None:
        raise ContractError("empty message (null value)")
    try:
        wire = _envelope_decoder.decode(data)
    except _DECODE_ERRORS as exc:
        raise ContractError(f"invalid envelope: {exc}") from None
    decoder = _body_decoders.get(wire.type)
    if decoder is None:
        raise ContractError(f"unknown message type '{wire.type}'")
    if wire.v != SCHEMA_VERSION:
        raise ContractError(f"unsupported schema version {wire.v} for '{wire.type}'")
    try:
        body = decoder.decode(wire.body)
    except _DECODE_ERRORS as exc:
        raise ContractError(f"invalid body of '{wire.type}': {exc}") from None
    if wire.key != body.partition_key():
        # the key decides the partition, hence the order per CP / per driver: a mismatch is forged
        raise ContractError(f"envelope key {wire.key[:80]!r} is not the body's "
                            f"{body.KEY_FIELD} {body.partition_key()[:80]!r}")
    return Envelope(wire.id, wire.type, wire.v, wire.ts, wire.source, wire.key, body, wire.auth)


DEAD_LETTER_VALUE_MAX = 64 * 1024  # bytes of the original message kept in a dead letter


def describe_bytes(data: bytes | None, limit: int = DEAD_LETTER_VALUE_MAX) -> str:
    """Printable form of arbitrary bytes for a dead-letter entry: the first *limit* bytes, invalid
    UTF-8 as backslash escapes, then a note of how many bytes were left out.

    Bounded because the dead letter must itself fit in one Kafka message (1 MiB by default): the
    escapes and their JSON encoding make it up to 6 times larger than the original, and an
    entry Kafka refuses would never reach the dead-letter topic. The whole original stays at
    the entry's origin topic/partition/offset."""
    if data is None:
        return ""
    text = bytes(data[:limit]).decode("utf-8", errors="backslashreplace")
    if len(data) > limit:
        text += f"...[{len(data) - limit} more bytes not shown: read them at the origin offset]"
    return text
