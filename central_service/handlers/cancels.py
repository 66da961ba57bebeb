"""A driver's cancel: a reservation is cancelled at once, a running supply is asked to stop.

Why a module of its own: a cancel may name only the request (sent while it was queued) and must
find what that request became; that lookup and its "nothing open: ignored" case are a job
apart from authorizing.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.handlers.state import CentralState

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class Cancels(CentralState):
    """A driver's cancel of its reservation or running supply."""

    def _on_charge_cancelled(self, m: c.ChargeCancelled) -> list[c.Payload]:
        if self._principal != m.driver_id:
            return self._reject("invalid_token", f"cancel driver={m.driver_id} session={m.session_id}: "
                                "no valid session of this driver")
        return self._cancel_for_driver(m)

    def _cancel_for_driver(self, m: c.ChargeCancelled) -> list[c.Payload]:
        """The driver gives up: a reservation is cancelled at once; a running supply is asked to
        stop (the Engine ends it and reports; the ticket follows as for any supply). A cancel
        that names only the request (sent while the request was queued) applies to whatever
        that request became — requests and cancels share the driver's partition, so the
        request was decided first. Anything else (already over, someone else's) is ignored."""
        session_id = m.session_id
        if not session_id and m.request_id:
            earlier = self.store.session_by_request(m.driver_id, m.request_id)
            session_id = earlier.id if earlier is not None else ""
        for cp in self.cps.values():
            res, ses = cp.reservation, cp.session
            if session_id and res is not None and res.session_id == session_id and res.driver_id == m.driver_id:
                self.store.log_event("cancelled", "reservation", cp_id=cp.cp_id, session_id=session_id,
                                     driver_id=m.driver_id)
                return self._apply(cp, "cancelled", lambda: cp.cancel_reservation(session_id))
            if session_id and ses is not None and ses.session_id == session_id and ses.driver_id == m.driver_id:
                self.store.log_event("cancelled", "driver_stop", cp_id=cp.cp_id, session_id=session_id,
                                     driver_id=m.driver_id)
                log.info("driver=%s stops supply session=%s cp=%s", m.driver_id, session_id, cp.cp_id)
                return [c.StopSupply(cp_id=cp.cp_id, session_id=session_id, reason="driver_stop")]
        log.info("cancel of session=%s request=%s driver=%s ignored: nothing open", session_id or "-",
                 m.request_id or "-", m.driver_id)
        return []
