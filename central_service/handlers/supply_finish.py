"""``supply_finished`` and billing: the Engine's final report becomes a ticket.

Why a module of its own: this is where money is decided — a report with bad or implausible
energy is refused, a duplicate is ignored, and the amount is Central's (energy at the
authorized price, never the CP's figure). ``_bill`` is also used by the timers (a supply whose
final report never came) and by :mod:`central_service.supply_closing`.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain import billing
from central_service.domain.cp import MANUAL_DRIVER
from central_service.handlers.state import CentralState, _bad_amounts

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class SupplyFinish(CentralState):
    """The final report of a supply and the ticket it is billed with."""

    def _on_supply_finished(self, m: c.SupplyFinished) -> list[c.Payload]:
        if _bad_amounts(m.kwh, m.eur):
            return self._reject("invalid_values", f"supply_finished cp={m.cp_id} session={m.session_id} "
                                f"kwh={m.kwh} eur={m.eur}: nothing billed")
        cp = self._cp_or_reject(m.cp_id, "supply_finished")
        if cp is None:
            return []
        s = self.store.session(m.session_id)
        if s is None or s.cp_id != m.cp_id:
            return self._reject("unknown_session", f"supply_finished cp={m.cp_id} session={m.session_id}")
        if s.billed:
            self.counters["duplicate_finish"] += 1
            log.info("supply_finished cp=%s session=%s already billed: ignored", m.cp_id, m.session_id)
            return []
        if s.status in ("expired", "cancelled") and m.kwh <= 0:
            log.info("supply_finished cp=%s session=%s (%s, no energy): nothing to bill", m.cp_id, s.id, s.status)
            return []
        max_kw = s.max_kw if s.max_kw is not None else cp.max_kw
        since = s.authorized_at if s.authorized_at is not None else s.created_at
        implausible = billing.energy_problem(m.kwh, max_kw, self.clock() - since, self.billing_time_scale)
        if implausible is not None:
            what = f"supply_finished cp={m.cp_id} session={m.session_id} driver={s.driver_id}: {implausible}"
            self.store.log_event("bill_refused", implausible, cp_id=m.cp_id, session_id=s.id, driver_id=s.driver_id)
            return self._reject("implausible_energy", f"{what}: nothing billed")
        if cp.holds(m.session_id):
            self._apply(cp, "finish", lambda: (cp.finish_supply(m.session_id), [])[1])
        self._interrupted.pop(m.session_id, None)
        self._dirty_live.pop(m.session_id, None)
        outcome = billing.outcome(m.reason, s.interrupt_reason)
        # the money is Central's: the energy at the price it authorized, never the CP's € figure
        eur = billing.amount_eur(m.kwh, s.price_eur_kwh)
        return self._bill(s, cp.cp_id, ended_at=m.ended_at, kwh=m.kwh, eur=eur, outcome=outcome,
                          started_at=s.started_at or m.started_at)

    def _bill(self, s, cp_id: str, *, ended_at: float, kwh: float, eur: float, outcome: str,
              started_at: float) -> list[c.Payload]:
        if s.started_at is None:
            self.store.update_session(s.id, started_at=started_at)
            s.started_at = started_at
        t = self.store.issue_ticket(s, ended_at=ended_at, kwh=kwh, eur=eur, outcome=outcome, now=self.clock())
        self.store.log_event("ticket", f"kwh={kwh:.3f} eur={eur:.2f} outcome={outcome}", cp_id=cp_id,
                             session_id=s.id, driver_id=s.driver_id)
        log.info("ticket cp=%s session=%s driver=%s kwh=%.3f eur=%.2f outcome=%s", cp_id, s.id, s.driver_id,
                 kwh, eur, outcome)
        if s.driver_id == MANUAL_DRIVER:
            return []
        return [c.Ticket(driver_id=s.driver_id, session_id=s.id, cp_id=cp_id, started_at=t.started_at,
                         ended_at=ended_at, kwh=kwh, eur=eur, price_eur_kwh=s.price_eur_kwh,
                         outcome=outcome)]  # type: ignore[arg-type]
