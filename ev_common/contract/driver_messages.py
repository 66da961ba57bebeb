"""Drivers' messages: their requests to Central and the notifications Central sends them."""
from __future__ import annotations

from typing import ClassVar, Literal

from .base import Payload


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
