"""The database's own guarantees: partial unique indexes that make double-booking impossible.

Why: Central decides "one reservation or supply per CP" and "one open session per driver" in
its domain code (``central_service.domain``). That is enough while one process holds every
CP, but the database must refuse a violating write whatever the code above it believes — a
bug in the locking, a second instance, a hand-edited row — so a CP can never be booked twice
and a driver can never hold two open sessions. The other two invariants are primary keys
already: one ticket per supply (``tickets.session_id``) and each message applied once
(``processed_messages.id``).

Both SQLite (3.8+) and PostgreSQL support partial indexes and ``IF NOT EXISTS``, so
:func:`ensure` runs at every start-up: a new database gets the indexes with its tables, an
older one gets them added. An older database that already violates one is not silently
"repaired": start-up stops with the offending rows named (see :class:`ConstraintViolation`).
"""
from __future__ import annotations

import logging

import peewee as pw

log = logging.getLogger(__name__)

# the statuses of an open session: the same set as ``central_service.store.ACTIVE``
_OPEN = "status IN ('reserved', 'charging')"

#: name → (column, what it guarantees)
UNIQUE_OPEN: dict[str, tuple[str, str]] = {
    "supplies_one_open_per_cp": ("cp_id", "one reservation or supply per CP"),
    "supplies_one_open_per_driver": ("driver_id", "one reservation or supply per driver"),
}


class ConstraintViolation(RuntimeError):
    """The existing data already breaks an invariant: an operator must look at it."""


def ensure(db: pw.Database) -> None:
    """Create the partial unique indexes that are missing (idempotent; reads only when none is
    missing, so ``ev-db`` opening the database beside a running Central takes no write lock)."""
    have = {ix.name for ix in db.get_indexes("supplies")}
    for name, (column, meaning) in UNIQUE_OPEN.items():
        if name in have:
            continue
        dupes = _duplicates(db, column)
        if dupes:
            raise ConstraintViolation(
                f"the database already breaks '{meaning}': {column} "
                + ", ".join(f"{value} has open sessions {ids}" for value, ids in dupes)
                + " — close the extra ones (status 'cancelled') with SQL, then start again")
        db.execute_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "supplies" ("{column}") WHERE {_OPEN}')


def _duplicates(db: pw.Database, column: str) -> list[tuple[str, list[str]]]:
    rows = db.execute_sql(
        f'SELECT "{column}", "id" FROM "supplies" WHERE {_OPEN} AND "{column}" IN '
        f'(SELECT "{column}" FROM "supplies" WHERE {_OPEN} GROUP BY "{column}" HAVING COUNT(*) > 1) '
        f'ORDER BY "{column}", "created_at"').fetchall()
    found: dict[str, list[str]] = {}
    for value, sid in rows:
        found.setdefault(value, []).append(sid)
    return list(found.items())
