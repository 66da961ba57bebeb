"""Alerts in Central's database: the :class:`~central_service.domain.alerts.AlertBook` persisted.

One row per alert occurrence (``alerts`` table). Written in the caller's transaction; read by
the operator queries (``OPQUERY alerts``) so every operator sees the same list and the same
acknowledgements, and reloaded at start so a restart neither re-raises nor forgets them.
"""
from __future__ import annotations

from collections.abc import Iterable

from central_service.db import AlertRow
from central_service.domain.alerts import Alert

_FIELDS = ("id", "key", "kind", "subject", "severity", "detail", "cp_id", "first_seen", "last_seen",
           "count", "sticky", "cleared_at", "acked_by", "acked_at")


def _to_alert(row: AlertRow) -> Alert:
    return Alert(**{f: getattr(row, f) for f in _FIELDS})


def save(alerts: Iterable[Alert]) -> None:
    """Insert or update each alert by id (SQLite ≥ 3.24 and PostgreSQL upsert)."""
    rows = [{f: getattr(a, f) for f in _FIELDS} for a in alerts]
    for row in rows:
        row["detail"] = row["detail"][:300]
    updatable = [getattr(AlertRow, f) for f in _FIELDS if f != "id"]
    for i in range(0, len(rows), 50):
        (AlertRow.insert_many(rows[i:i + 50])
         .on_conflict(conflict_target=[AlertRow.id], preserve=updatable).execute())


def load_active() -> list[Alert]:
    return [_to_alert(r) for r in AlertRow.select().where(AlertRow.cleared_at.is_null())]


def last_id() -> int:
    row = AlertRow.select(AlertRow.id).order_by(AlertRow.id.desc()).first()
    return row.id if row else 0


def get(alert_id: int) -> Alert | None:
    row = AlertRow.get_or_none(AlertRow.id == alert_id)
    return None if row is None else _to_alert(row)


def listing(*, cleared_since: float, limit: int) -> list[dict]:
    """Active alerts and those cleared after *cleared_since*: active first, newest first."""
    q = (AlertRow.select().where(AlertRow.cleared_at.is_null() | (AlertRow.cleared_at >= cleared_since))
         .order_by(AlertRow.cleared_at.is_null().desc(), AlertRow.last_seen.desc()).limit(limit))
    return [_to_alert(r).as_dict() for r in q]
