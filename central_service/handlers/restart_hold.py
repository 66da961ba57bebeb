"""Requests held while the CPs connected before Central's restart come back.

Why a module of its own: after a restart every CP is disconnected until its Monitor
re-authenticates; a request decided in that window would be denied for a CP that is about to
return. The rule itself is pure (:mod:`central_service.domain.restart_grace`); this part starts
the grace and raises :class:`RequestOnHold` so the runtime retries the request later.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain.restart_grace import RequestOnHold, RestartGrace
from central_service.handlers.state import CentralState

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class RestartHold(CentralState):
    """Holds a request while a CP connected before the restart has not come back yet."""

    grace: RestartGrace | None = None  # set by start_restart_grace() after a restart

    def start_restart_grace(self, previously_connected: list[str], grace_s: float) -> None:
        """After (re)loading: CPs connected before the restart get *grace_s* seconds for their
        Monitor to come back before a request for them is decided (see domain.restart_grace)."""
        self.grace = RestartGrace.after_restart(previously_connected, self.clock(), grace_s)
        if previously_connected:
            log.info("restart grace %.1fs for %d CPs connected before the restart", grace_s,
                     len(previously_connected))

    def _hold_during_restart_grace(self, m: c.ChargeRequested) -> None:
        """Raise :class:`RequestOnHold` (nothing changed yet) when *m* would be denied only
        because a CP connected before the restart has not re-authenticated yet."""
        if self.grace is not None and self.grace.holds(m.cp_id, self.cps, self.clock()):
            self.counters["requests_held"] += 1
            log.info("request=%s driver=%s cp=%s held: monitor not back yet after Central's restart",
                     m.request_id, m.driver_id, m.cp_id or "*")
            raise RequestOnHold(f"request {m.request_id} waits for cp {m.cp_id or '*'} to reconnect")
