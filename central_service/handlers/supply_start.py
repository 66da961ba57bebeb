"""``supply_started``: a reservation becomes a running supply.

Why a module of its own: the start is the hand-over from reservation to supply (DB status
``charging``); a resend is ignored, and a start the transition refuses gets one more chance as a
late start (:mod:`.late_start`) before it is rejected.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain.cp import IllegalTransition
from central_service.handlers.late_start import LateStart

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class SupplyStart(LateStart):
    """``supply_started``: reservation → running supply."""

    def _on_supply_started(self, m: c.SupplyStarted) -> list[c.Payload]:
        cp = self._cp_or_reject(m.cp_id, "supply_started")
        if cp is None:
            return []
        if cp.session is not None and cp.session.session_id == m.session_id:
            return []  # a resend of a start already applied
        try:
            effects = self._apply(cp, "start", lambda: cp.start_supply(m.session_id, m.started_at))
        except IllegalTransition as exc:
            late = self._start_after_expiry(cp, m)
            return late if late is not None else self._reject("unknown_session", str(exc))
        self.store.update_session(m.session_id, status="charging", started_at=m.started_at)
        driver = cp.session.driver_id if cp.session else "?"
        self.store.log_event("supply_started", cp_id=cp.cp_id, session_id=m.session_id, driver_id=driver)
        log.info("supply started cp=%s session=%s driver=%s", cp.cp_id, m.session_id, driver)
        return effects
