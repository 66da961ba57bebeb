"""The tick: what is due by the clock alone.

Why a module of its own: expiries of reservations, monitors silent too long and interrupted
supplies whose final report never came are decided by time, not by a message; cheap when
nothing is due (no DB access).
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain import billing
from central_service.domain.reservations import due_reservations
from central_service.handlers.supply_finish import SupplyFinish

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class Timers(SupplyFinish):
    """What the clock makes due: expiries, silent monitors, supplies never reported."""

    def on_tick(self, live_instances: set[str] | None = None) -> list[c.Payload]:
        """Expire reservations, disconnect silent monitors, close supplies whose final report
        never came. Cheap when nothing is due (no DB access).

        Scale-out (*live_instances*: the instances whose lease runs): only this instance's own
        Monitors are timed by their heartbeats; a Monitor held by an instance whose lease ran
        out is lost the same way, once (the tick runs under the decision lock on a refreshed
        picture, and the lost CP's row is written: no other instance sees it connected again)."""
        now = self.clock()
        effects: list[c.Payload] = []
        for cp in due_reservations(self.cps.values(), now):
            effects += self._apply(cp, "expired", lambda: cp.expire_reservation(now))
        for cp in self.cps.values():
            if not cp.monitor_connected:
                continue
            if live_instances is not None and cp.holder not in (None, self.instance):
                if cp.holder not in live_instances:
                    log.warning("cp=%s: its Monitor's Central %s is gone (lease expired): disconnected",
                                cp.cp_id, cp.holder)
                    effects += self._apply(cp, "monitor_lost", lambda: cp.monitor_lost(now))
                    self.store.log_event("monitor_lost", f"instance {cp.holder} gone", cp_id=cp.cp_id)
                continue
            if now - (cp.last_seen or 0.0) > self.monitor_timeout:
                log.warning("cp=%s monitor silent for %.1fs: disconnected", cp.cp_id, now - (cp.last_seen or 0))
                effects += self._apply(cp, "monitor_lost", lambda: cp.monitor_lost(now))
                self.store.log_event("monitor_lost", cp_id=cp.cp_id)
        for session_id, (cp_id, ses, since) in list(self._interrupted.items()):
            if now - since < self.interrupted_timeout:
                continue
            del self._interrupted[session_id]
            s = self.store.session(session_id)
            if s is None or s.billed:
                continue
            cp = self.cps.get(cp_id)
            max_kw = s.max_kw if s.max_kw is not None else (cp.max_kw if cp else 0.0)
            since = s.authorized_at if s.authorized_at is not None else s.created_at
            kwh, eur = billing.closing_amounts(ses.kwh, s.price_eur_kwh, billing.max_energy_kwh(
                max_kw, now - since, self.billing_time_scale))
            log.warning("session=%s cp=%s: no final report after %.0fs, closing with last telemetry",
                        session_id, cp_id, self.interrupted_timeout)
            effects += self._bill(s, cp_id, ended_at=now, kwh=kwh, eur=eur,
                                  outcome=s.interrupt_reason or "interrupted", started_at=s.started_at or since)
        return self._finish(effects)
