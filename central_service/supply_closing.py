"""An operator closes a suspect supply: billed from its last telemetry, the driver gets the ticket.

A use case of the application layer, kept in its own module (the core is shared by several
engineers' work): it drives :class:`~central_service.application.CentralCore` through the same steps
the core uses when an interrupted supply's final report never comes (``on_tick``) — free the CP
(``finish``), tell the Engine to stop (``StopSupply`` ``operator_stop``; its late final report
is then ignored as already billed), bill the last known energy capped at what the authorized
power could deliver, issue the ticket to the driver. A reservation (no energy yet) is cancelled
instead. Runs inside Central's transaction (the caller's ``_transact``), so the bill, the
ticket effect, the event-log line and the audit row commit together.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.domain import billing

log = logging.getLogger("central.workbench")

OPEN = ("reserved", "charging", "interrupted")


class CloseRefused(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


def check_closable(core, session_id: str):
    """The supply row, or :class:`CloseRefused` (checked before the transaction: a refusal
    must not cost Central a rollback and a reload)."""
    s = core.store.session(session_id)
    if s is None:
        raise CloseRefused("not_found", "Ese suministro no existe")
    if s.billed or s.status not in OPEN:
        raise CloseRefused("not_open", "Ese suministro ya está cerrado")
    return s


def close_supply(core, session_id: str, operator: str, reason: str) -> list[c.Payload]:
    """Close *session_id* now; the effects to stage. :class:`CloseRefused` when not open."""
    s = check_closable(core, session_id)
    now = core.clock()
    cp = core.cps.get(s.cp_id)
    core.store.log_event("operator_closed", f"{operator}: {reason}"[:300], cp_id=s.cp_id, session_id=s.id,
                         driver_id=s.driver_id)
    log.warning("operator %s closes session=%s cp=%s driver=%s: %s", operator, s.id, s.cp_id, s.driver_id, reason)
    effects: list[c.Payload] = []
    if cp is not None and cp.reservation is not None and cp.reservation.session_id == session_id:
        effects += core._apply(cp, "cancelled", lambda: cp.cancel_reservation(session_id))
        return core._finish(effects)
    last_kwh = s.kwh
    if cp is not None and cp.session is not None and cp.session.session_id == session_id:
        last_kwh = max(last_kwh, cp.session.kwh)
        effects += core._apply(cp, "finish", lambda: (cp.finish_supply(session_id), [])[1])
        effects.append(c.StopSupply(cp_id=cp.cp_id, session_id=session_id, reason="operator_stop"))
    held = core._interrupted.pop(session_id, None)
    if held is not None:
        last_kwh = max(last_kwh, held[1].kwh)
    core._dirty_live.pop(session_id, None)
    since = s.authorized_at if s.authorized_at is not None else s.created_at
    max_kw = s.max_kw if s.max_kw is not None else (cp.max_kw if cp else 0.0)
    kwh, eur = billing.closing_amounts(last_kwh, s.price_eur_kwh,
                                       billing.max_energy_kwh(max_kw, now - since, core.billing_time_scale))
    effects += core._bill(s, s.cp_id, ended_at=now, kwh=kwh, eur=eur, outcome="operator_stop",
                          started_at=s.started_at or since)
    return core._finish(effects)
