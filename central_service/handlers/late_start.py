"""The late start: a ``supply_started`` that crossed its reservation's expiry on the wire.

Why a module of its own: it is the one place where Central accepts a start for a session the
normal transition refuses (the reservation already expired), under conditions of its own — the
CP still free, the driver with nothing else open, the session not billed yet.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain.cp import ChargePoint, IllegalTransition
from central_service.domain.reservations import driver_active_session
from central_service.handlers.state import CentralState

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class LateStart(CentralState):
    """A start accepted after its reservation expired (crossed on the wire)."""

    def _start_after_expiry(self, cp: ChargePoint, m: c.SupplyStarted) -> list[c.Payload] | None:
        """A start that crossed its reservation's expiry on the wire (see
        :meth:`ChargePoint.start_after_expiry`): the supply goes on as a normal one when the CP
        is still free and the driver has nothing else open; else None (refused as before — the
        energy is still billed from the Engine's final report)."""
        s = self.store.session(m.session_id)
        if s is None or s.cp_id != cp.cp_id or s.status != "expired" or s.billed:
            return None
        if driver_active_session(s.driver_id, self.cps.values()) is not None:
            return None
        try:
            effects = self._apply(cp, "start", lambda: cp.start_after_expiry(m.session_id, s.driver_id, m.started_at))
        except IllegalTransition:
            return None
        self.store.update_session(m.session_id, status="charging", started_at=m.started_at, ended_at=None,
                                  outcome=None)
        self.store.log_event("supply_started", "after the reservation expired", cp_id=cp.cp_id,
                             session_id=m.session_id, driver_id=s.driver_id)
        log.info("supply started cp=%s session=%s driver=%s after its reservation expired (crossed on the wire)",
                 cp.cp_id, m.session_id, s.driver_id)
        return effects
