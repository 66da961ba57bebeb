"""Per-supply views for operators: the timeline of one supply and the list of suspect ones.

Timeline: what Central recorded about one session, in time order — the supply row (request,
authorization, reservation expiry, start, end), every event-log line of the session
(authorized, started, interrupted, bill refused, ticket …), operator actions on it (audit) and
the ticket. Suspects: open supplies that look wrong — open longer than plausible, silent
(an active ``supply_silent`` alert), or with more energy than the authorized power allows
(kWh > max kW × hours since authorization × the billing time scale). All SQL with indexes.
"""
from __future__ import annotations

from central_service.db import AuditRow, EventLog, Supply, SupplySample, TicketRow

SUSPECTS_MAX = 200
EVENTS_MAX = 500
SAMPLES_MAX = 1500   # 4 h at one point per 10 s; the answer must fit one frame


def timeline(session_id: str) -> dict | None:
    s = Supply.get_or_none(Supply.id == session_id)
    if s is None:
        return None
    items: list[dict] = [{"ts": s.created_at, "kind": "requested", "detail": f"request={s.request_id}"}]
    if s.reservation_expires_at:
        items.append({"ts": s.reservation_expires_at, "kind": "reservation_until", "detail": ""})
    for e in (EventLog.select().where(EventLog.session_id == session_id).order_by(EventLog.ts, EventLog.id)
              .limit(EVENTS_MAX)):
        items.append({"ts": e.ts, "kind": e.kind, "detail": e.detail})
    for a in AuditRow.select().where(AuditRow.target == session_id).order_by(AuditRow.ts).limit(EVENTS_MAX):
        items.append({"ts": a.ts, "kind": f"operator_{a.action}", "detail": f"{a.operator} ({a.peer}): {a.detail}"})
    t = TicketRow.get_or_none(TicketRow.session_id == session_id)
    if s.started_at and not any(i["kind"] == "supply_started" for i in items):
        items.append({"ts": s.started_at, "kind": "supply_started", "detail": ""})
    items.sort(key=lambda i: (i["ts"] or 0.0))
    supply = {"session_id": s.id, "cp_id": s.cp_id, "driver_id": s.driver_id, "status": s.status,
              "created_at": s.created_at, "started_at": s.started_at, "ended_at": s.ended_at, "kwh": s.kwh,
              "eur": s.eur, "kw": s.kw, "price_eur_kwh": s.price_eur_kwh, "max_kw": s.max_kw,
              "outcome": s.outcome, "interrupt_reason": s.interrupt_reason}
    ticket = None if t is None else {"kwh": t.kwh, "eur": t.eur, "outcome": t.outcome, "issued_at": t.issued_at,
                                     "started_at": t.started_at, "ended_at": t.ended_at}
    samples = [{"ts": p.ts, "kw": p.kw, "kwh": p.kwh} for p in SupplySample.select()
               .where(SupplySample.session_id == session_id).order_by(SupplySample.ts).limit(SAMPLES_MAX)]
    return {"supply": supply, "events": items, "ticket": ticket, "samples": samples}


def suspects(now: float, *, open_max_s: float, silent_ids: set[str], time_scale: float = 1.0) -> list[dict]:
    """Open supplies that look wrong, each with its reasons (``too_long``, ``silent``, ``energy``)."""
    open_ = Supply.status.in_(("charging", "interrupted", "reserved"))
    hours = (now - Supply.authorized_at) * time_scale / 3600.0
    q = (Supply.select().where(open_ & ((Supply.created_at < now - open_max_s)
                                        | (Supply.id.in_(sorted(silent_ids)[:SUSPECTS_MAX]))
                                        | (Supply.max_kw.is_null(False) & Supply.authorized_at.is_null(False)
                                           & (Supply.kwh > Supply.max_kw * hours))))
         .order_by(Supply.created_at).limit(SUSPECTS_MAX))
    out = []
    for s in q:
        reasons = []
        if s.created_at < now - open_max_s:
            reasons.append("too_long")
        if s.id in silent_ids:
            reasons.append("silent")
        if s.max_kw is not None and s.authorized_at is not None and \
                s.kwh > s.max_kw * (now - s.authorized_at) * time_scale / 3600.0:
            reasons.append("energy")
        out.append({"session_id": s.id, "cp_id": s.cp_id, "driver_id": s.driver_id, "status": s.status,
                    "created_at": s.created_at, "started_at": s.started_at, "kwh": s.kwh, "eur": s.eur,
                    "max_kw": s.max_kw, "reasons": reasons})
    return out
