"""Events the driver core emits: the driver-notification payloads of the contract plus a few
local ones (the request went to the outbox, the Kafka link changed)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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


@dataclass(frozen=True)
class OutboxSetAside:
    """The outbox file was corrupt at start: it was renamed to *kept* (kept for support) and a
    fresh one is used. Requests that were waiting in it were not sent: the user must know."""

    kept: Path


class RequestNotSaved(Exception):
    """A request could not be made durable and was NOT queued (nothing was sent, nothing will
    be). *code*: ``disk_full`` / ``full`` (the outbox's size cap) / ``io``; ``str()`` is the
    Spanish sentence for logs and the headless driver (Qt views translate by *code*)."""

    def __init__(self, code: str, queued: int = 0, detail: str = "") -> None:
        super().__init__(not_saved_text(code, queued))
        self.code = code
        self.queued = queued
        self.detail = detail


def not_saved_text(code: str, queued: int = 0) -> str:
    if code == "disk_full":
        return "No se pudo guardar la solicitud: disco lleno — libere espacio y vuelva a intentarlo"
    if code == "full":
        return (f"No se pudo guardar la solicitud: ya hay {queued} eventos esperando a Kafka (límite "
                "de la cola) — espere a que se envíen y vuelva a intentarlo")
    return "No se pudo guardar la solicitud: error al escribir en el disco — vuelva a intentarlo"


def set_aside_text(kept: Path) -> str:
    return (f"La cola de envío local estaba dañada: se ha apartado como {kept} y se usa una nueva; "
            "las solicitudes que esperaban en ella no se enviaron")


Notification = Union[ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyStartedNotice,
                     SupplyProgress, SupplyInterrupted, Ticket]
DriverEvent = Union[Notification, RequestQueued, ReservationCancelled, RequestCancelled, StopRequested,
                    SupplyResumed, LinkChanged, OutboxSetAside]


def link_text(state: LinkState) -> str:
    """Why a queued request has not left yet, in the users' language."""
    if state == LinkState.CONNECTED:
        return "enviando a la CENTRAL"
    if state == LinkState.DEGRADED:
        return "Kafka responde con errores — se enviará en cuanto se recupere"
    return "esperando a Kafka — se enviará"
