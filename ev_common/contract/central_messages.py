"""Central's own traffic: operator commands, heartbeats, the activity log, dead letters and
the OCPP gateways' reports."""
from __future__ import annotations

from typing import ClassVar, Literal

import msgspec

from .base import Payload


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
