"""Audit trail: every operator action — who, what, on what, when, from where — kept by Central.

Sources: commands that arrive over Kafka (stop / resume, applied or refused: recorded from the
``central_activity`` lines staged with them, peer ``kafka``) and requests over the socket link
(acknowledging an alert, closing a suspect supply: peer = the link's address). Rows are written
in the same transaction as the action's effect, so the trail never claims what did not happen.
"""
from __future__ import annotations

from collections.abc import Iterable

from ev_common import contract as c
from central_service.db import AuditRow

PAGE_MAX = 200


def record(operator: str, action: str, *, target: str = "", detail: str = "", peer: str = "",
           outcome: str = "ok", now: float) -> None:
    AuditRow.create(ts=now, operator=operator[:64], action=action[:40], target=target[:100],
                    detail=detail[:300], peer=peer[:100], outcome=outcome[:20])


def from_activity(lines: Iterable[c.Payload], now: float) -> int:
    """Record the operator commands among *lines* (activity lines of one applied message)."""
    n = 0
    for p in lines:
        if isinstance(p, c.CentralActivity) and p.kind in ("operator_command", "operator_refused"):
            record(p.operator or "?", p.action or "?", target=p.cp_id or "*", peer="kafka",
                   detail=f"mensaje {p.ref_id or ''}",
                   outcome="ok" if p.kind == "operator_command" else "refused", now=now)
            n += 1
    return n


def page(*, limit: int, before_id: int | None = None, operator: str | None = None) -> list[dict]:
    """Newest first; *before_id* pages back; at most :data:`PAGE_MAX` rows."""
    q = AuditRow.select()
    if before_id is not None:
        q = q.where(AuditRow.id < before_id)
    if operator:
        q = q.where(AuditRow.operator == operator)
    q = q.order_by(AuditRow.id.desc()).limit(max(1, min(limit, PAGE_MAX)))
    return [{"id": r.id, "ts": r.ts, "operator": r.operator, "action": r.action, "target": r.target,
             "detail": r.detail, "peer": r.peer, "outcome": r.outcome} for r in q]
