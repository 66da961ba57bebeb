"""The event contract: every Kafka message of the system, typed and versioned, in one place.

Each message travels as a JSON :class:`Envelope` whose ``body`` is one of the payload structs
below, chosen by ``type``. ``docs/protocol.md`` documents the same thing for non-Python
clients; change both in the same commit.

Decoding is two-staged on purpose: the envelope is validated first, then the body against
the struct registered for ``type``. Any failure — not JSON, missing field, wrong type, unknown
message type, unsupported schema version — raises :class:`ContractError` and nothing else, so
a consumer has exactly one error to route to the dead-letter topic.
"""
from __future__ import annotations

import time
import uuid
from typing import ClassVar, Literal

import msgspec

SCHEMA_VERSION = 1


class ContractError(ValueError):
    """Bytes that are not a valid message of this contract (reason in ``str(exc)``)."""


class Payload(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """Base of every message body. ``TYPE`` is the wire name; ``KEY_FIELD`` the partition key."""

    TYPE: ClassVar[str] = ""
    KEY_FIELD: ClassVar[str] = ""

    def partition_key(self) -> str:
        return str(getattr(self, self.KEY_FIELD))


# --------------------------------------------------------------------------- driver requests
class ChargeRequested(Payload, frozen=True):
    """A driver asks for a supply at ``cp_id`` (or at any free CP when ``cp_id`` is None).

    Authenticated by the envelope's ``auth`` (the driver's session id + MAC with its session
    key, see :mod:`ev_common.msgauth`); ``token`` is obsolete and must stay empty: a bearer token
    in a message would let anyone who can read the topic act as the driver."""

    TYPE: ClassVar[str] = "charge_requested"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    request_id: str
    cp_id: str | None = None
    token: str = ""


class ChargeCancelled(Payload, frozen=True):
    """A driver gives up: the reservation ``session_id`` (or the one its request ``request_id``
    gets, when the request is still queued), or stops the running supply ``session_id`` (the
    Engine ends it and a ticket follows)."""

    TYPE: ClassVar[str] = "charge_cancelled"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    session_id: str = ""          # the reservation/supply to give up; "" = whatever request_id became
    token: str = ""  # obsolete: authenticated by the envelope's auth (session MAC)
    request_id: str | None = None


# --------------------------------------------------------------------- driver notifications
DenyReason = Literal[
    "invalid_token",
    "unknown_driver",
    "unknown_cp",
    "cp_unavailable",
    "cp_disconnected",
    "no_free_cp",
    "driver_busy",
]


class ChargeAuthorized(Payload, frozen=True):
    TYPE: ClassVar[str] = "charge_authorized"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    request_id: str
    session_id: str
    cp_id: str
    location: str
    price_eur_kwh: float
    reservation_expires_at: float


class ChargeDenied(Payload, frozen=True):
    TYPE: ClassVar[str] = "charge_denied"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    request_id: str
    reason: DenyReason
    detail: str = ""
    cp_id: str | None = None


class ReservationExpired(Payload, frozen=True):
    TYPE: ClassVar[str] = "reservation_expired"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    session_id: str
    cp_id: str


class SupplyStartedNotice(Payload, frozen=True):
    TYPE: ClassVar[str] = "supply_started_notice"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    session_id: str
    cp_id: str
    started_at: float


class SupplyProgress(Payload, frozen=True):
    """Live values of a running supply, forwarded to its driver once per telemetry tick."""

    TYPE: ClassVar[str] = "supply_progress"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    session_id: str
    cp_id: str
    kw: float
    kwh: float
    eur: float


InterruptReason = Literal["fault", "operator_stop", "monitor_lost", "cancelled"]


class SupplyInterrupted(Payload, frozen=True):
    """The supply ended before the driver unplugged; the final ticket follows when known."""

    TYPE: ClassVar[str] = "supply_interrupted"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    session_id: str
    cp_id: str
    reason: InterruptReason
    detail: str = ""


SupplyOutcome = Literal["completed", "fault", "operator_stop", "monitor_lost", "interrupted"]


class Ticket(Payload, frozen=True):
    """The final bill of one supply. Energy is the Engine's journal value, billed once."""

    TYPE: ClassVar[str] = "ticket"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    session_id: str
    cp_id: str
    started_at: float
    ended_at: float
    kwh: float
    eur: float
    price_eur_kwh: float
    outcome: SupplyOutcome


class SealedNotification(Payload, frozen=True):
    """A driver notification as it travels: the inner message (type + body) encrypted with
    AES-256-GCM under the driver's notification key (:mod:`ev_common.notify_crypto`). Only the
    driver id (the partition key) stays readable; ``kid`` names the key, ``nonce``/``ct`` are
    URL-safe base64 without padding. Every notification Central writes has this form."""

    TYPE: ClassVar[str] = "sealed_notification"
    KEY_FIELD: ClassVar[str] = "driver_id"
    driver_id: str
    kid: str
    nonce: str
    ct: str


# ------------------------------------------------------------------------------- CP events
class SupplyStarted(Payload, frozen=True):
    """The Engine began supplying energy (car plugged in) for an authorized session."""

    TYPE: ClassVar[str] = "supply_started"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    session_id: str
    started_at: float


class Telemetry(Payload, frozen=True):
    """Once per second while supplying. ``seq`` grows per session: an older one is stale."""

    TYPE: ClassVar[str] = "telemetry"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    session_id: str
    seq: int
    kw: float
    kwh: float
    eur: float


FinishReason = Literal["unplugged", "operator_stop", "monitor_lost", "interrupted", "cancelled", "driver_stop"]


class SupplyFinished(Payload, frozen=True):
    """Final report of a supply, from the Engine's journal (also after an Engine crash)."""

    TYPE: ClassVar[str] = "supply_finished"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    session_id: str
    started_at: float
    ended_at: float
    kwh: float
    eur: float
    reason: FinishReason


class ManualSupplyRequested(Payload, frozen=True):
    """Someone at the CP asked for a supply from its own menu; Central authorizes it."""

    TYPE: ClassVar[str] = "manual_supply_requested"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    request_id: str


class EngineOnline(Payload, frozen=True):
    """An Engine (re)started and listens for commands; lets Central resend what it needs."""

    TYPE: ClassVar[str] = "engine_online"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str


# ----------------------------------------------------------------------------- CP commands
class AuthorizeSupply(Payload, frozen=True):
    TYPE: ClassVar[str] = "authorize_supply"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    session_id: str
    driver_id: str
    price_eur_kwh: float
    max_kw: float
    expires_at: float


class CancelAuthorization(Payload, frozen=True):
    TYPE: ClassVar[str] = "cancel_authorization"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    session_id: str
    reason: Literal["expired", "cancelled", "operator_stop"]


class StopSupply(Payload, frozen=True):
    """End the running supply now (operator stop, lost monitor); the Engine sends SupplyFinished."""

    TYPE: ClassVar[str] = "stop_supply"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    session_id: str
    reason: Literal["operator_stop", "monitor_lost", "driver_stop"]


class SetAvailability(Payload, frozen=True):
    """Operator Parar (``available=False``) / Reanudar (``available=True``) for one CP."""

    TYPE: ClassVar[str] = "set_availability"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    available: bool


# ------------------------------------------------------------------------ operator commands
class OperatorCommand(Payload, frozen=True):
    """From the dashboard: stop/resume one CP, or every CP when ``cp_id`` is ``"*"``.

    Authenticated by the envelope's ``auth``: the operator's session id (from ``OPLOGIN``) and a
    MAC with that session's key; Central obeys only a live session of ``operator``. ``token`` is
    obsolete (kept so old messages decode — they are refused, not dead-lettered)."""

    TYPE: ClassVar[str] = "operator_command"
    KEY_FIELD: ClassVar[str] = "cp_id"
    action: Literal["stop", "resume"]
    cp_id: str
    operator: str = "operator"
    token: str = ""


# -------------------------------------------------------------------------------- CP state
CpStateName = Literal["available", "reserved", "charging", "out_of_order", "faulted", "disconnected"]


class CpState(Payload, frozen=True):
    """The current picture of one CP; the compacted state topic keeps the latest per cp_id."""

    TYPE: ClassVar[str] = "cp_state"
    KEY_FIELD: ClassVar[str] = "cp_id"
    cp_id: str
    location: str
    price_eur_kwh: float
    max_kw: float
    state: CpStateName
    driver_id: str | None = None
    session_id: str | None = None
    kw: float = 0.0
    kwh: float = 0.0
    eur: float = 0.0
    reserved_until: float | None = None
    fault_reason: str | None = None
    last_seen: float | None = None
    #: a real charger behind an OCPP gateway (its Monitor link said so in AUTH); tiles mark it
    ocpp: bool = False


class CentralHeartbeat(Payload, frozen=True):
    """Central is alive; clients show "Central down" when these stop while Kafka works."""

    TYPE: ClassVar[str] = "central_heartbeat"
    KEY_FIELD: ClassVar[str] = "instance"
    instance: str
    started_at: float
    interval_s: float
    cps_total: int = 0
    cps_connected: int = 0
    counters: dict[str, int] = {}  # rejected/bad-input counters, for support (additive, optional)
    #: topic → partitions this instance's consumers are assigned (additive, optional): with a
    #: standby or several instances the dashboard shows which one serves what
    partitions: dict[str, list[int]] = {}


# ------------------------------------------------------------------------ central activity
ActivityKind = Literal[
    "request", "authorized", "denied", "cancelled", "reservation_expired", "supply_started",
    "supply_interrupted", "ticket", "operator_command", "operator_refused",
]


class CentralActivity(Payload, frozen=True):
    """What Central just did, for the operators' live event log (topic ``<prefix>.central.activity``,
    written only by Central). Operators read this instead of the drivers' requests: driver ids,
    never tokens. ``ref_id`` is the envelope id of the message that caused it (an operator app
    marks its own command "applied" when it sees it)."""

    TYPE: ClassVar[str] = "central_activity"
    KEY_FIELD: ClassVar[str] = "subject"
    kind: ActivityKind
    subject: str                 # cp id, driver id or "*": the partition key
    cp_id: str | None = None
    driver_id: str | None = None
    session_id: str | None = None
    reason: str | None = None    # deny/interrupt/refusal reason, ticket outcome
    kwh: float | None = None
    eur: float | None = None
    operator: str | None = None
    action: str | None = None    # operator command: stop | resume
    ref_id: str | None = None


# ----------------------------------------------------------------------------- dead letters
class DeadLetter(Payload, frozen=True):
    TYPE: ClassVar[str] = "dead_letter"
    KEY_FIELD: ClassVar[str] = "origin_topic"
    origin_topic: str
    partition: int
    offset: int
    key: str | None
    value: str  # the original bytes, decoded as UTF-8 with backslash escapes for the rest
    reason: str
    consumer: str


# ------------------------------------------------------------------------ OCPP gateways
class RefusedCharger(msgspec.Struct, frozen=True):
    """Refusals of one claimed charger id from one address for one reason (all untrusted text)."""

    cp_id: str
    peer: str
    why: str
    count: int


class GatewayReport(Payload, frozen=True):
    """An OCPP gateway's aggregated account of the chargers it refused (HTTP 401) since its last
    report, at most one per report interval. Authentic only with ``mac``: HMAC with the
    gateway's own key (``ev-db add-gateway``), see :mod:`ev_common.gateway_reports`."""

    TYPE: ClassVar[str] = "gateway_report"
    KEY_FIELD: ClassVar[str] = "gateway"
    gateway: str
    seq: int
    sent_at: float
    refused: list[RefusedCharger]
    others: int = 0   # refusals beyond the entries listed (a scanner's many ids)
    mac: str = ""


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
