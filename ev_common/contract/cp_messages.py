"""Charging points' messages: what an Engine reports, the commands Central sends it and the
state Central publishes for each CP."""
from __future__ import annotations

from typing import ClassVar, Literal

from .base import Payload


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
