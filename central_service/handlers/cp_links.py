"""A CP's Monitor and Engine coming and going: authentication, heartbeats, faults, recovery.

Why a module of its own: these are the CP's health as Central sees it (monitor events from the
socket server, ``engine_online`` from Kafka) — they change whether a CP can be used, never who
pays; each public ``on_monitor_*`` returns its effects already finished.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.handlers.state import CentralState

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class CpLinks(CentralState):
    """Monitor authentication, heartbeats, faults, recovery; the Engine back online."""

    def on_monitor_auth(self, cp_id: str, *, ocpp: bool = False) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        effects = self._apply(cp, "auth", lambda: cp.monitor_authenticated(now, ocpp=ocpp))
        self.store.log_event("monitor_connected", cp_id=cp_id)
        log.info("monitor authenticated cp=%s", cp_id)
        return self._finish(effects)

    def on_monitor_heartbeat(self, cp_id: str, engine_ok: bool) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        effects: list[c.Payload] = []
        if not cp.monitor_connected:  # silent for a while, but its authenticated link is back
            log.info("monitor of cp=%s heard again", cp_id)
            effects += self._apply(cp, "auth", lambda: cp.monitor_authenticated(now))
        if cp.engine_ok != engine_ok:
            log.info("cp=%s engine %s (heartbeat)", cp_id, "OK" if engine_ok else "KO")
        effects += self._apply(cp, "fault", lambda: cp.heartbeat(engine_ok, now))
        return self._finish(effects)

    def on_monitor_fault(self, cp_id: str, reason: str) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        if not cp.monitor_connected:
            self._apply(cp, "auth", lambda: cp.monitor_authenticated(now))
        effects = self._apply(cp, "fault", lambda: cp.fault(reason, now))
        self.store.log_event("fault", reason, cp_id=cp_id)
        log.info("fault cp=%s reason=%s", cp_id, reason)
        return self._finish(effects)

    def on_monitor_recover(self, cp_id: str) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        if not cp.monitor_connected:
            self._apply(cp, "auth", lambda: cp.monitor_authenticated(now))
        effects = self._apply(cp, "recover", lambda: cp.recover(now))
        self.store.log_event("recovered", cp_id=cp_id)
        log.info("recovered cp=%s", cp_id)
        return self._finish(effects)

    def _on_engine_online(self, m: c.EngineOnline) -> list[c.Payload]:
        cp = self._cp_or_reject(m.cp_id, "engine_online")
        if cp is None:
            return []
        # an Engine may have missed (or refused as too old) a Parar sent while it was down
        again: list[c.Payload] = [c.SetAvailability(cp.cp_id, False)] if cp.stopped_by_operator else []
        if cp.reservation is not None:
            log.info("engine online cp=%s: resending authorization session=%s", cp.cp_id, cp.reservation.session_id)
            return again + [cp.authorize_command()]
        log.info("engine online cp=%s", cp.cp_id)
        return again
