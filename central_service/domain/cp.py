"""One charging point: the facts Central knows, the state derived from them, transitions.

Facts, not a free-form state string: monitor connected?, engine OK?, stopped by operator?,
the reservation, the running session. The displayed state is derived (:func:`derive_state`)
in a fixed priority, so an impossible combination cannot be displayed.

Every transition is a method that either changes the facts and returns the effects (contract
payloads to send: commands for the CP, notifications for the driver) or raises
:class:`IllegalTransition` without changing anything. The caller adds a ``CpState`` snapshot
after any transition and records session changes in the DB.
"""
from __future__ import annotations

from dataclasses import dataclass

from ev_common.contract import (
    AuthorizeSupply, CancelAuthorization, CpState, Payload, ReservationExpired, SetAvailability,
    StopSupply, SupplyInterrupted, SupplyProgress, SupplyStartedNotice,
)

MANUAL_DRIVER = "manual"  # the pseudo-driver of a supply started from the CP's own menu


class IllegalTransition(Exception):
    """The event does not apply to the CP's current facts (nothing was changed)."""


@dataclass(frozen=True)
class Reservation:
    session_id: str
    driver_id: str
    expires_at: float

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass
class RunningSession:
    session_id: str
    driver_id: str
    started_at: float
    kw: float = 0.0
    kwh: float = 0.0
    eur: float = 0.0
    seq: int = -1


def derive_state(cp: "ChargePoint") -> str:
    """no monitor → disconnected; engine KO → faulted; operator stop → out_of_order;
    running session → charging; reservation → reserved; else available."""
    if not cp.monitor_connected:
        return "disconnected"
    if not cp.engine_ok:
        return "faulted"
    if cp.stopped_by_operator:
        return "out_of_order"
    if cp.session is not None:
        return "charging"
    if cp.reservation is not None:
        return "reserved"
    return "available"


def _notify(driver_id: str, payload: Payload) -> list[Payload]:
    return [] if driver_id == MANUAL_DRIVER else [payload]


@dataclass
class ChargePoint:
    cp_id: str
    location: str
    price_eur_kwh: float
    max_kw: float
    stopped_by_operator: bool = False
    monitor_connected: bool = False
    engine_ok: bool = True
    fault_reason: str | None = None
    reservation: Reservation | None = None
    session: RunningSession | None = None
    last_seen: float | None = None
    ocpp: bool = False   # its Monitor link is an OCPP gateway's (AUTH field 7): shown on the tile
    holder: str | None = None  # scale-out: the Central instance holding its Monitor's socket

    @property
    def state(self) -> str:
        return derive_state(self)

    def snapshot(self) -> CpState:
        res, ses = self.reservation, self.session
        return CpState(
            cp_id=self.cp_id, location=self.location, price_eur_kwh=self.price_eur_kwh,
            max_kw=self.max_kw, state=self.state,  # type: ignore[arg-type]
            driver_id=(ses.driver_id if ses else res.driver_id if res else None),
            session_id=(ses.session_id if ses else res.session_id if res else None),
            kw=ses.kw if ses else 0.0, kwh=ses.kwh if ses else 0.0, eur=ses.eur if ses else 0.0,
            reserved_until=res.expires_at if res else None,
            fault_reason=self.fault_reason if not self.engine_ok else None,
            last_seen=self.last_seen, ocpp=self.ocpp)

    # ------------------------------------------------------------------ monitor facts
    def monitor_authenticated(self, now: float, *, ocpp: bool | None = None) -> list[Payload]:
        """A Monitor proved the CP's key (also a re-authentication after a reconnect); *ocpp*
        (given on AUTH, None = unchanged): the link is an OCPP gateway's, so the CP is a real
        charger (shown on its tile)."""
        if ocpp is not None:
            self.ocpp = ocpp
        self.monitor_connected = True
        self.engine_ok = True
        self.fault_reason = None
        self.last_seen = now
        return []

    def heartbeat(self, engine_ok: bool, now: float, reason: str = "engine KO") -> list[Payload]:
        self._require_monitor("heartbeat")
        self.last_seen = now
        if engine_ok and not self.engine_ok:
            return self.recover(now)
        if not engine_ok and self.engine_ok:
            return self.fault(reason, now)
        return []

    def fault(self, reason: str, now: float) -> list[Payload]:
        """Engine down/KO: the CP is faulted; a supply is interrupted (the Engine reports its
        final values when it can), a reservation is dropped."""
        self._require_monitor("fault")
        self.last_seen = now
        already = not self.engine_ok
        self.engine_ok = False
        self.fault_reason = reason or "avería"
        if already:
            return []
        return self._drop_work("fault", stop_engine=False, detail=f"Avería en el punto de carga: {self.fault_reason}")

    def recover(self, now: float) -> list[Payload]:
        self._require_monitor("recover")
        self.last_seen = now
        self.engine_ok = True
        self.fault_reason = None
        return []

    def monitor_lost(self, now: float) -> list[Payload]:
        """No heartbeat within the timeout: disconnected; a supply is told to stop."""
        self._require_monitor("monitor_lost")
        self.monitor_connected = False
        return self._drop_work("monitor_lost", stop_engine=True,
                               detail="Se ha perdido la conexión con el punto de carga")

    # ----------------------------------------------------------------- operator facts
    def operator_stop(self) -> list[Payload]:
        self.stopped_by_operator = True
        effects: list[Payload] = [SetAvailability(cp_id=self.cp_id, available=False)]
        return effects + self._drop_work("operator_stop", stop_engine=True,
                                         detail="El operador ha parado el punto de carga")

    def operator_resume(self) -> list[Payload]:
        self.stopped_by_operator = False
        return [SetAvailability(cp_id=self.cp_id, available=True)]

    # --------------------------------------------------------------- reservation/supply
    def reserve(self, session_id: str, driver_id: str, expires_at: float) -> list[Payload]:
        if self.state != "available":
            raise IllegalTransition(f"cp={self.cp_id} cannot reserve while {self.state}")
        self.reservation = Reservation(session_id, driver_id, expires_at)
        return [self.authorize_command()]

    def authorize_command(self) -> AuthorizeSupply:
        res = self.reservation
        if res is None:
            raise IllegalTransition(f"cp={self.cp_id} has no reservation to authorize")
        return AuthorizeSupply(cp_id=self.cp_id, session_id=res.session_id, driver_id=res.driver_id,
                               price_eur_kwh=self.price_eur_kwh, max_kw=self.max_kw,
                               expires_at=res.expires_at)

    def cancel_reservation(self, session_id: str) -> list[Payload]:
        res = self._require_reservation(session_id)
        self.reservation = None
        return [CancelAuthorization(cp_id=self.cp_id, session_id=res.session_id, reason="cancelled")]

    def expire_reservation(self, now: float) -> list[Payload]:
        res = self.reservation
        if res is None or not res.expired(now):
            raise IllegalTransition(f"cp={self.cp_id} has no expired reservation")
        self.reservation = None
        return [CancelAuthorization(cp_id=self.cp_id, session_id=res.session_id, reason="expired"),
                *_notify(res.driver_id, ReservationExpired(driver_id=res.driver_id,
                                                           session_id=res.session_id, cp_id=self.cp_id))]

    def start_supply(self, session_id: str, started_at: float) -> list[Payload]:
        """The Engine began supplying for the reserved session (accepted even while the monitor
        is not back yet after a Central restart: the Engine is the witness)."""
        res = self._require_reservation(session_id)
        self.reservation = None
        self.session = RunningSession(session_id, res.driver_id, started_at)
        return _notify(res.driver_id, SupplyStartedNotice(driver_id=res.driver_id, session_id=session_id,
                                                          cp_id=self.cp_id, started_at=started_at))

    def start_after_expiry(self, session_id: str, driver_id: str, started_at: float) -> list[Payload]:
        """The Engine began a supply whose reservation Central had just let expire: the car was
        plugged in while the expiry was on the wire, and the Engine lets such a start win
        (``cp_simulator/engine.py`` ``cancel``). Taken up only while this CP is still free, so the
        car being charged shows as charging and is followed like any supply, instead of the CP
        looking available while it delivers energy that is billed only at the end."""
        if self.state != "available":  # reserved or charging for someone else, stopped, faulted…
            raise IllegalTransition(f"cp={self.cp_id} is {self.state}: no late start of session={session_id}")
        self.session = RunningSession(session_id, driver_id, started_at)
        return _notify(driver_id, SupplyStartedNotice(driver_id=driver_id, session_id=session_id,
                                                      cp_id=self.cp_id, started_at=started_at))

    def telemetry(self, session_id: str, seq: int, kw: float, kwh: float, eur: float) -> list[Payload] | None:
        """Live values; ``None`` when *seq* is stale (nothing changed)."""
        ses = self.session
        if ses is None or ses.session_id != session_id:
            raise IllegalTransition(f"cp={self.cp_id} session={session_id} is not running here")
        if seq <= ses.seq:
            return None
        ses.seq, ses.kw, ses.kwh, ses.eur = seq, kw, kwh, eur
        return _notify(ses.driver_id, SupplyProgress(driver_id=ses.driver_id, session_id=session_id,
                                                     cp_id=self.cp_id, kw=kw, kwh=kwh, eur=eur))

    def finish_supply(self, session_id: str) -> None:
        """The Engine's final report: frees the CP from that session (also from a reservation
        whose SupplyStarted was never seen)."""
        if self.session is not None and self.session.session_id == session_id:
            self.session = None
        elif self.reservation is not None and self.reservation.session_id == session_id:
            self.reservation = None
        else:
            raise IllegalTransition(f"cp={self.cp_id} session={session_id} is not open here")

    def holds(self, session_id: str) -> bool:
        """True when *session_id* is this CP's reservation or running session."""
        return ((self.session is not None and self.session.session_id == session_id)
                or (self.reservation is not None and self.reservation.session_id == session_id))

    # ------------------------------------------------------------------------ helpers
    def _require_monitor(self, what: str) -> None:
        if not self.monitor_connected:
            raise IllegalTransition(f"cp={self.cp_id} {what} without an authenticated monitor")

    def _require_reservation(self, session_id: str) -> Reservation:
        res = self.reservation
        if res is None or res.session_id != session_id:
            raise IllegalTransition(f"cp={self.cp_id} session={session_id} is not reserved here")
        return res

    def _drop_work(self, reason: str, *, stop_engine: bool, detail: str) -> list[Payload]:
        """End the running supply / drop the reservation because of *reason*."""
        effects: list[Payload] = []
        if self.session is not None:
            ses, self.session = self.session, None
            if stop_engine:
                effects.append(StopSupply(cp_id=self.cp_id, session_id=ses.session_id, reason=reason))  # type: ignore[arg-type]
            effects += _notify(ses.driver_id, SupplyInterrupted(
                driver_id=ses.driver_id, session_id=ses.session_id, cp_id=self.cp_id,
                reason=reason, detail=detail))  # type: ignore[arg-type]
        if self.reservation is not None:
            res, self.reservation = self.reservation, None
            cancel_reason = "operator_stop" if reason == "operator_stop" else "cancelled"
            effects.append(CancelAuthorization(cp_id=self.cp_id, session_id=res.session_id,
                                               reason=cancel_reason))  # type: ignore[arg-type]
            effects += _notify(res.driver_id, SupplyInterrupted(
                driver_id=res.driver_id, session_id=res.session_id, cp_id=self.cp_id,
                reason=reason, detail=detail + "; la reserva queda anulada"))  # type: ignore[arg-type]
        return effects
