"""Charge requests: authorize a driver (or a manual supply) by reserving a CP, or deny.

Why a module of its own: this is where a driver's request becomes a reservation — the
principal check, the answer to a repeated request, the choice of CP and the denial reasons
(:mod:`central_service.domain.reservations`) — and every answer (``ChargeAuthorized`` /
``ChargeDenied``) is built here and nowhere else.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain.cp import MANUAL_DRIVER, ChargePoint
from central_service.domain.reservations import Denial, choose_cp, deny, driver_active_session
from central_service.handlers.restart_hold import RestartHold

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class ChargeRequests(RestartHold):
    """Drivers' charge requests and manual supplies: reserve a CP or deny."""

    def _on_charge_requested(self, m: c.ChargeRequested) -> list[c.Payload]:
        now = self.clock()
        if self._principal != m.driver_id:
            why = "no valid session" if self._principal is None else "session of another driver"
            self._reject("invalid_token", f"charge request driver={m.driver_id} request={m.request_id}: {why}")
            return [self._denied(m, deny("invalid_token"))]
        earlier = self.store.session_by_request(m.driver_id, m.request_id)
        if earlier is not None and earlier.status in ("reserved", "charging"):
            cp = self.cps[earlier.cp_id]
            log.info("repeat of request=%s driver=%s: same session=%s", m.request_id, m.driver_id, earlier.id)
            return [self._authorized(m, cp, earlier.id, earlier.reservation_expires_at or now)]
        if not self.store.driver_exists(m.driver_id):
            return [self._denied(m, deny("unknown_driver"))]
        busy = driver_active_session(m.driver_id, self.cps.values())
        if busy is not None:
            return [self._denied(m, deny("driver_busy", session=busy))]
        self._hold_during_restart_grace(m)
        choice = choose_cp(m.cp_id, self.cps)
        if isinstance(choice, Denial):
            return [self._denied(m, choice)]
        session_id = c.new_id()
        expires_at = now + self.reservation_timeout
        self.store.create_session(session_id, m.driver_id, choice, m.request_id, now, expires_at)
        effects = self._apply(choice, "reserve", lambda: choice.reserve(session_id, m.driver_id, expires_at))
        self.store.log_event("authorized", f"request={m.request_id}", cp_id=choice.cp_id,
                             session_id=session_id, driver_id=m.driver_id)
        log.info("authorized driver=%s cp=%s session=%s (reserved until +%.0fs)", m.driver_id, choice.cp_id,
                 session_id, self.reservation_timeout)
        return effects + [self._authorized(m, choice, session_id, expires_at)]

    def _authorized(self, m: c.ChargeRequested, cp: ChargePoint, session_id: str, expires_at: float):
        return c.ChargeAuthorized(driver_id=m.driver_id, request_id=m.request_id, session_id=session_id,
                                  cp_id=cp.cp_id, location=cp.location, price_eur_kwh=cp.price_eur_kwh,
                                  reservation_expires_at=expires_at)

    def _denied(self, m: c.ChargeRequested, d: Denial) -> c.ChargeDenied:
        self.store.log_event("denied", f"{d.reason}: {d.detail}", cp_id=m.cp_id, driver_id=m.driver_id)
        log.info("denied driver=%s cp=%s request=%s reason=%s", m.driver_id, m.cp_id or "*", m.request_id, d.reason)
        return c.ChargeDenied(driver_id=m.driver_id, request_id=m.request_id, reason=d.reason,  # type: ignore[arg-type]
                              detail=d.detail, cp_id=m.cp_id)

    def _on_manual_supply_requested(self, m: c.ManualSupplyRequested) -> list[c.Payload]:
        cp = self._cp_or_reject(m.cp_id, "manual_supply_requested")
        if cp is None:
            return []
        if cp.state != "available":
            log.info("manual supply at cp=%s ignored: CP is %s", cp.cp_id, cp.state)
            self.store.log_event("manual_ignored", cp.state, cp_id=cp.cp_id)
            return []
        now = self.clock()
        session_id, expires_at = c.new_id(), now + self.reservation_timeout
        self.store.create_session(session_id, MANUAL_DRIVER, cp, m.request_id, now, expires_at)
        effects = self._apply(cp, "reserve", lambda: cp.reserve(session_id, MANUAL_DRIVER, expires_at))
        self.store.log_event("authorized", "manual", cp_id=cp.cp_id, session_id=session_id, driver_id=MANUAL_DRIVER)
        log.info("manual supply authorized cp=%s session=%s", cp.cp_id, session_id)
        return effects
