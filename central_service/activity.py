"""What operators see of Central's work: messages in, effects out → ``CentralActivity`` lines.

The operator's live event log used to read the drivers' request topic itself; operators are
losing read access to it (requests carry driver tokens). Central, which decided everything,
now says what happened on ``<prefix>.central.activity``: requests received, authorizations,
denials, cancellations, reservations expired, supplies started / interrupted, tickets, operator
commands applied or refused. Pure: the service calls :func:`activity_for` with the message it
applied (None for timers and monitor events) and the effects that came out, and stages the
result in the same transaction as those effects (so a line is published exactly when the
change it reports is committed).
"""
from __future__ import annotations

from ev_common import contract as c


def _line(kind: str, subject: str | None, **fields) -> c.CentralActivity:
    return c.CentralActivity(kind=kind, subject=subject or "*", **fields)  # type: ignore[arg-type]


def from_trigger(env: c.Envelope | None, refused: bool) -> list[c.CentralActivity]:
    """Lines for the message Central just applied (before its effects)."""
    if env is None:
        return []
    m = env.body
    if isinstance(m, c.ChargeRequested):
        return [_line("request", m.driver_id, driver_id=m.driver_id, cp_id=m.cp_id)]
    if isinstance(m, c.ChargeCancelled):
        return [_line("cancelled", m.driver_id, driver_id=m.driver_id, session_id=m.session_id or None)]
    if isinstance(m, c.SupplyStarted):
        return [_line("supply_started", m.cp_id, cp_id=m.cp_id, session_id=m.session_id)]
    if isinstance(m, c.OperatorCommand):
        kind = "operator_refused" if refused else "operator_command"
        return [_line(kind, m.cp_id, cp_id=m.cp_id, operator=m.operator, action=m.action, ref_id=env.id)]
    return []


def from_effects(effects: list[c.Payload]) -> list[c.CentralActivity]:
    """Lines for the decisions among *effects* (CP commands and states are not repeated here)."""
    out: list[c.CentralActivity] = []
    for p in effects:
        if isinstance(p, c.ChargeAuthorized):
            out.append(_line("authorized", p.cp_id, driver_id=p.driver_id, cp_id=p.cp_id, session_id=p.session_id))
        elif isinstance(p, c.ChargeDenied):
            out.append(_line("denied", p.cp_id or p.driver_id, driver_id=p.driver_id, cp_id=p.cp_id, reason=p.reason))
        elif isinstance(p, c.ReservationExpired):
            out.append(_line("reservation_expired", p.cp_id, driver_id=p.driver_id, cp_id=p.cp_id,
                             session_id=p.session_id))
        elif isinstance(p, c.SupplyInterrupted):
            out.append(_line("supply_interrupted", p.cp_id, driver_id=p.driver_id, cp_id=p.cp_id,
                             session_id=p.session_id, reason=p.reason))
        elif isinstance(p, c.Ticket):
            out.append(_line("ticket", p.cp_id, driver_id=p.driver_id, cp_id=p.cp_id, session_id=p.session_id,
                             kwh=p.kwh, eur=p.eur, reason=p.outcome))
    return out


def activity_for(env: c.Envelope | None, effects: list[c.Payload], refused: bool = False) -> list[c.CentralActivity]:
    """Every activity line for one applied step, in the order an operator reads them."""
    return from_trigger(env, refused) + from_effects(effects)
