"""Events the driver core emits: the driver-notification payloads of the contract plus a few
local ones (the request went to the outbox, the Kafka link changed)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ev_common.contract import (
    ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyInterrupted, SupplyProgress,
    SupplyStartedNotice, Ticket,
)
from ev_common.kafka.status import LinkState, ProducerStatus

NOTIFICATION_TYPES = (ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyStartedNotice,
                      SupplyProgress, SupplyInterrupted, Ticket)


@dataclass(frozen=True)
class RequestQueued:
    """A ChargeRequested is safely in the outbox; ``link_state`` says whether it can leave now."""

    request_id: str
    cp_id: str | None
    link_state: LinkState
    queued_at: float


@dataclass(frozen=True)
class ReservationCancelled:
    """The driver gave up the reservation (ChargeCancelled is in the outbox). Central sends
    no notification back for it, so this local event ends the supply in the tracker."""

    session_id: str
    cp_id: str | None


@dataclass(frozen=True)
class RequestCancelled:
    """The driver withdrew a request still waiting for Central's answer (a ChargeCancelled naming
    the request is in the outbox: whatever Central decides for it is undone)."""

    request_id: str
    cp_id: str | None


@dataclass(frozen=True)
class StopRequested:
    """The driver asked to stop the running supply; the Engine ends it and the ticket follows."""

    session_id: str
    cp_id: str | None


@dataclass(frozen=True)
class SupplyResumed:
    """After login, Central says this driver already holds a supply (``status`` reserved or
    charging): the app shows it (and lets the driver stop it) before offering a new request."""

    session_id: str
    cp_id: str
    status: str
    started_at: float | None
    kwh: float
    eur: float
    price_eur_kwh: float | None


@dataclass(frozen=True)
class LinkChanged:
    """The producer's connection state changed (status bar)."""

    status: ProducerStatus


Notification = Union[ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyStartedNotice,
                     SupplyProgress, SupplyInterrupted, Ticket]
DriverEvent = Union[Notification, RequestQueued, ReservationCancelled, RequestCancelled, StopRequested,
                    SupplyResumed, LinkChanged]


def link_text(state: LinkState) -> str:
    """Why a queued request has not left yet, in the users' language."""
    if state == LinkState.CONNECTED:
        return "enviando a la CENTRAL"
    if state == LinkState.DEGRADED:
        return "Kafka responde con errores — se enviará en cuanto se recupere"
    return "esperando a Kafka — se enviará"
