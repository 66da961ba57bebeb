"""SupplyTracker: the pure state of the driver's current request/supply.

No I/O, no threads, no clock of its own (callers pass ``now``): feed it the core's events with
:meth:`SupplyTracker.apply` and read the phase and values. Phases::

    idle → queued → authorized → charging → finished (ticket)
                 ↘ denied      ↘ expired  ↘ interrupted (reason; the ticket follows)
                               ↘ cancelled (by the driver)  ↘ interrupted (no ticket expected)

An interruption while only *authorized* normally bills nothing, but it can cross the Engine's
start on the wire (the Monitor is lost just as the car is plugged in): Central then bills the
energy the Engine reports afterwards. So such a supply is *over* at once (the driver may ask
again) yet a late ticket for it is still accepted (:attr:`SupplyTracker.late_ticket_possible`);
callers that must report the final energy (the services runner) wait a bounded time for it.
An expiry can cross the Engine's start the same way (the car plugged in as the expiry was on
the wire); Central then takes the supply up after all, so an *expired* supply may still turn
into *charging* when its start notice follows, and the runner waits for that too.

Events for other drivers, other requests or other sessions are ignored, and so are late
duplicates of a supply that is already over (Kafka delivers at least once). When no request is
in flight (idle, or the last supply is over) the tracker *adopts* a session it did not start:
that is how an app restarted after its supply ended still shows the ticket.
"""
from __future__ import annotations

import enum
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from ev_common.contract import (
    ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyInterrupted, SupplyProgress,
    SupplyStartedNotice, Ticket,
)
from ev_common.kafka.status import LinkState

from .events import (LinkChanged, RequestCancelled, RequestQueued, ReservationCancelled, StopRequested,
                     SupplyResumed, link_text)

MAX_POINTS = 3600  # one hour of 1 Hz samples for the chart

DENY_TEXT = {
    "invalid_token": "La sesión ha caducado — vuelva a iniciar sesión",
    "unknown_driver": "Conductor desconocido para la CENTRAL",
    "unknown_cp": "Ese punto de recarga no existe",
    "cp_unavailable": "El punto de recarga no está disponible ahora",
    "cp_disconnected": "El punto de recarga está desconectado",
    "no_free_cp": "No hay ningún punto de recarga libre ahora",
    "driver_busy": "Ya tiene una recarga en curso o reservada",
}

INTERRUPT_TEXT = {
    "fault": "avería en el punto de recarga",
    "operator_stop": "parada por el operador",
    "monitor_lost": "se perdió la conexión con el punto de recarga",
    "cancelled": "cancelada",
}

OUTCOME_TEXT = {
    "completed": "completado",
    "fault": "avería",
    "operator_stop": "parado por el operador",
    "monitor_lost": "punto desconectado",
    "interrupted": "interrumpido",
}


def deny_text(reason: str, detail: str = "") -> str:
    """Central's own sentence when it sent one (it names the state/session), else ours."""
    return detail.strip() or DENY_TEXT.get(reason, f"Solicitud denegada ({reason})")


class SupplyPhase(str, enum.Enum):
    IDLE = "idle"
    QUEUED = "queued"
    AUTHORIZED = "authorized"
    CHARGING = "charging"
    FINISHED = "finished"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


ACTIVE_PHASES = frozenset({SupplyPhase.QUEUED, SupplyPhase.AUTHORIZED, SupplyPhase.CHARGING})


@dataclass(frozen=True)
class ChartPoint:
    t: float   # seconds (time.time() of arrival)
    kw: float


class SupplyTracker:
    """State of one driver's current request/supply; see the module doc for the phases."""

    def __init__(self, driver_id: str) -> None:
        self.driver_id = driver_id
        self._done_sessions: set[str] = set()
        self._done_requests: set[str] = set()
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget the current supply (back to idle); finished session ids stay remembered."""
        self.phase = SupplyPhase.IDLE
        self.request_id: str | None = None
        self.requested_cp: str | None = None
        self.session_id: str | None = None
        self.cp_id: str | None = None
        self.location: str = ""
        self.price_eur_kwh: float | None = None
        self.reservation_expires_at: float | None = None
        self.authorized_at: float | None = None  # local time.time() of the authorization
        self.link_state: LinkState | None = None
        self.queued_why: str = ""
        self.queued_at: float | None = None  # when the request went to the outbox (its wait)
        self.started_at: float | None = None
        self.kw = 0.0
        self.kwh = 0.0
        self.eur = 0.0
        self.points: deque[ChartPoint] = deque(maxlen=MAX_POINTS)
        self.ticket: Ticket | None = None
        self.deny_reason: str | None = None
        self.deny_text: str = ""
        self.interrupt_reason: str | None = None
        self.interrupt_text: str = ""
        self.ticket_expected = False  # interrupted while charging: the final ticket will come
        self.late_ticket_possible = False  # interrupted while authorized: a ticket may still come
        self.stop_requested = False  # the driver asked to stop the running supply (ticket follows)

    @property
    def active(self) -> bool:
        """A request or supply is in flight (a new request should wait)."""
        return self.phase in ACTIVE_PHASES or (
            self.phase == SupplyPhase.INTERRUPTED and self.ticket is None and self.ticket_expected)

    @property
    def over(self) -> bool:
        """The current supply reached its end: ticket, denial, expiry, or interruption + ticket."""
        return self.phase in (SupplyPhase.FINISHED, SupplyPhase.DENIED, SupplyPhase.EXPIRED,
                              SupplyPhase.CANCELLED) or (
            self.phase == SupplyPhase.INTERRUPTED and (self.ticket is not None
                                                       or not self.ticket_expected))

    @property
    def can_cancel(self) -> str | None:
        """What the driver can undo now: ``request`` (queued), ``reservation`` (authorized),
        ``supply`` (charging, not already being stopped) — None when nothing applies."""
        if self.phase == SupplyPhase.QUEUED and self.request_id:
            return "request"
        if self.phase == SupplyPhase.AUTHORIZED and self.session_id:
            return "reservation"
        if self.phase == SupplyPhase.CHARGING and self.session_id and not self.stop_requested:
            return "supply"
        return None

    def reservation_left(self, now: float | None = None) -> float | None:
        """Seconds left on the reservation while authorized, else None."""
        if self.phase != SupplyPhase.AUTHORIZED or self.reservation_expires_at is None:
            return None
        now = time.time() if now is None else now
        return max(0.0, self.reservation_expires_at - now)

    # ------------------------------------------------------------------ transitions
    _sample_ts: float | None = None

    def apply(self, event: Any, now: float | None = None, sent_at: float | None = None) -> bool:
        """Apply one core event; True when the visible state changed. *sent_at*: when Central
        sent a notification (its envelope time) — the chart plots samples at their own times,
        not at their arrival (a reopened app receives a whole supply's samples at once)."""
        now = time.time() if now is None else now
        self._sample_ts = sent_at
        if isinstance(event, LinkChanged):
            return self._on_link(event.status.state)
        if isinstance(event, RequestQueued):
            return self._on_queued(event)
        if isinstance(event, ReservationCancelled):
            return self._on_cancelled(event)
        if isinstance(event, RequestCancelled):
            return self._on_request_cancelled(event)
        if isinstance(event, StopRequested):
            return self._on_stop_requested(event)
        if isinstance(event, SupplyResumed):
            return self._on_resumed(event, now)
        if getattr(event, "driver_id", self.driver_id) != self.driver_id:
            return False
        handler = {
            ChargeAuthorized: self._on_authorized,
            ChargeDenied: self._on_denied,
            ReservationExpired: self._on_expired,
            SupplyStartedNotice: self._on_started,
            SupplyProgress: self._on_progress,
            SupplyInterrupted: self._on_interrupted,
            Ticket: self._on_ticket,
        }.get(type(event))
        return handler(event, now) if handler else False

    def _on_link(self, state: LinkState) -> bool:
        if state == self.link_state:
            return False
        self.link_state = state
        if self.phase == SupplyPhase.QUEUED:
            self.queued_why = link_text(state)
        return True

    def _on_queued(self, ev: RequestQueued) -> bool:
        self.reset()
        self.phase = SupplyPhase.QUEUED
        self.request_id = ev.request_id
        self.requested_cp = ev.cp_id
        self.queued_at = ev.queued_at
        self.link_state = ev.link_state
        self.queued_why = link_text(ev.link_state)
        return True

    def _on_cancelled(self, ev: ReservationCancelled) -> bool:
        if ev.session_id != self.session_id or self.phase != SupplyPhase.AUTHORIZED:
            return False
        self.phase = SupplyPhase.CANCELLED
        self._finish_ids()
        return True

    def _on_request_cancelled(self, ev: RequestCancelled) -> bool:
        if self.phase != SupplyPhase.QUEUED or ev.request_id != self.request_id:
            return False
        self.phase = SupplyPhase.CANCELLED
        self._finish_ids()   # Central's answer to it, when it comes, is not ours any more
        return True

    def _on_stop_requested(self, ev: StopRequested) -> bool:
        if self.phase != SupplyPhase.CHARGING or ev.session_id != self.session_id or self.stop_requested:
            return False
        self.stop_requested = True
        return True

    def _on_resumed(self, ev: SupplyResumed, now: float) -> bool:
        """Central's record of a supply still open for this driver (after an app restart)."""
        if self.active or ev.session_id in self._done_sessions:
            return False
        self.reset()
        self.session_id, self.cp_id = ev.session_id, ev.cp_id
        self.price_eur_kwh = ev.price_eur_kwh
        if ev.status == "charging":
            self.phase = SupplyPhase.CHARGING
            self.started_at = ev.started_at
            self.kwh, self.eur = ev.kwh, ev.eur
        else:
            self.phase = SupplyPhase.AUTHORIZED
            self.authorized_at = now
        return True

    def _owns_session(self, session_id: str) -> bool:
        """Is *session_id* ours — or may we adopt it because nothing else is in flight?"""
        if session_id == self.session_id and self.session_id is not None:
            return True
        if session_id in self._done_sessions:
            return False
        if self.phase == SupplyPhase.QUEUED or self.active:
            return False  # waiting for our own answer: an unrelated session is not ours
        return True

    def _adopt(self, session_id: str, cp_id: str) -> None:
        if session_id != self.session_id:
            self.reset()
            self.session_id = session_id
            self.cp_id = cp_id

    def _on_authorized(self, ev: ChargeAuthorized, now: float) -> bool:
        if self.phase == SupplyPhase.QUEUED:
            if ev.request_id != self.request_id:
                return False
        elif ev.request_id in self._done_requests or not self._owns_session(ev.session_id):
            return False
        elif ev.session_id == self.session_id and self.phase != SupplyPhase.IDLE:
            return False  # duplicate
        else:
            self.reset()
        self.phase = SupplyPhase.AUTHORIZED
        self.request_id = ev.request_id
        self.session_id = ev.session_id
        self.cp_id = ev.cp_id
        self.location = ev.location
        self.price_eur_kwh = ev.price_eur_kwh
        self.reservation_expires_at = ev.reservation_expires_at
        self.authorized_at = now
        return True

    def _on_denied(self, ev: ChargeDenied, now: float) -> bool:
        if self.phase != SupplyPhase.QUEUED or ev.request_id != self.request_id:
            return False
        self.phase = SupplyPhase.DENIED
        self.deny_reason = ev.reason
        self.deny_text = deny_text(ev.reason, ev.detail)
        self.cp_id = ev.cp_id or self.requested_cp
        self._done_requests.add(ev.request_id)
        return True

    def _on_expired(self, ev: ReservationExpired, now: float) -> bool:
        if ev.session_id != self.session_id or self.phase != SupplyPhase.AUTHORIZED:
            return False
        self.phase = SupplyPhase.EXPIRED
        # the car may have been plugged in while the expiry was on the wire: Central then takes
        # the supply up after all (its start follows) — like an interruption crossing the start
        self.late_ticket_possible = True
        self._finish_ids()
        return True

    def _on_started(self, ev: SupplyStartedNotice, now: float) -> bool:
        if not self._owns_session(ev.session_id):
            return False
        if ev.session_id == self.session_id and self.phase in (
                SupplyPhase.CHARGING, SupplyPhase.FINISHED, SupplyPhase.INTERRUPTED,
                SupplyPhase.CANCELLED):
            return False  # duplicate, or late after the end
        if ev.session_id == self.session_id and self.phase == SupplyPhase.EXPIRED:
            self.late_ticket_possible = False  # the start crossed the expiry: a supply after all
        if self.phase not in (SupplyPhase.AUTHORIZED, SupplyPhase.CHARGING) or (
                ev.session_id != self.session_id):
            self._adopt(ev.session_id, ev.cp_id)
        self.phase = SupplyPhase.CHARGING
        self.started_at = ev.started_at
        self.reservation_expires_at = None
        return True

    def _on_progress(self, ev: SupplyProgress, now: float) -> bool:
        if not self._owns_session(ev.session_id):
            return False
        if self.phase in (SupplyPhase.INTERRUPTED, SupplyPhase.FINISHED, SupplyPhase.EXPIRED,
                          SupplyPhase.CANCELLED) and (
                ev.session_id == self.session_id):
            return False  # a late tick after the end
        if self.phase != SupplyPhase.CHARGING or ev.session_id != self.session_id:
            if ev.session_id != self.session_id:
                self._adopt(ev.session_id, ev.cp_id)
            self.phase = SupplyPhase.CHARGING
            self.reservation_expires_at = None
        self.kw, self.kwh, self.eur = ev.kw, ev.kwh, ev.eur
        self.points.append(ChartPoint(self._sample_ts if self._sample_ts is not None else now, ev.kw))
        return True

    def _on_interrupted(self, ev: SupplyInterrupted, now: float) -> bool:
        if not self._owns_session(ev.session_id):
            return False
        if self.phase == SupplyPhase.INTERRUPTED and ev.session_id == self.session_id:
            return False
        if ev.session_id != self.session_id:
            self._adopt(ev.session_id, ev.cp_id)
        # a reservation dropped before the car was plugged in bills nothing, unless the Engine's
        # start crossed the interruption on the wire: then a ticket still comes (module doc)
        self.ticket_expected = self.phase != SupplyPhase.AUTHORIZED
        self.late_ticket_possible = not self.ticket_expected
        self.phase = SupplyPhase.INTERRUPTED
        if self.request_id:
            self._done_requests.add(self.request_id)
        self.interrupt_reason = ev.reason
        text = INTERRUPT_TEXT.get(ev.reason, ev.reason)
        self.interrupt_text = f"{text} ({ev.detail})" if ev.detail else text
        self.kw = 0.0
        return True

    def _on_ticket(self, ev: Ticket, now: float) -> bool:
        if not self._owns_session(ev.session_id):
            return False
        if ev.session_id != self.session_id:
            self._adopt(ev.session_id, ev.cp_id)
        if self.ticket is not None:
            return False
        self.ticket = ev
        self.late_ticket_possible = False
        if self.phase != SupplyPhase.INTERRUPTED:
            self.phase = SupplyPhase.FINISHED
        self.kw = 0.0
        self.kwh, self.eur = ev.kwh, ev.eur
        self.price_eur_kwh = ev.price_eur_kwh
        self.started_at = ev.started_at
        self._finish_ids()
        return True

    def _finish_ids(self) -> None:
        if self.session_id:
            self._done_sessions.add(self.session_id)
        if self.request_id:
            self._done_requests.add(self.request_id)
