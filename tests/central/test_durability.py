"""Central's SQLite durability is explicit: FULL by default (a committed transaction survives a
power cut), NORMAL on request; the producer outbox follows the database's level."""
from __future__ import annotations

from pathlib import Path

import pytest

from central_service import db
from central_service.cli import build_parser


def _level() -> int:
    return db.database.obj.execute_sql("PRAGMA synchronous").fetchone()[0]


def test_database_is_full_sync_by_default_and_configurable(tmp_path: Path) -> None:
    db.connect(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    try:
        assert _level() == 2  # FULL
        with db.synchronous("NORMAL"):
            assert _level() == 1
        assert _level() == 2
    finally:
        db.close()
    db.connect(f"sqlite:///{tmp_path / 'b.sqlite3'}", synchronous="normal")
    try:
        assert _level() == 1
    finally:
        db.close()
    with pytest.raises(ValueError):
        db.connect(f"sqlite:///{tmp_path / 'c.sqlite3'}", synchronous="sometimes")


def test_cli_outbox_sync_follows_db_sync(monkeypatch) -> None:
    monkeypatch.delenv("EV_DB_SYNC", raising=False)
    monkeypatch.delenv("EV_OUTBOX_SYNC", raising=False)
    a = build_parser().parse_args([])
    assert a.db_sync == "FULL" and a.outbox_sync is None  # None = same as --db-sync
    b = build_parser().parse_args(["--db-sync", "normal"])
    assert b.db_sync == "NORMAL"


def test_full_outbox_keeps_committed_effects_in_the_database_until_it_accepts_them(central) -> None:
    """Central's outbox refuses every append (its cap; a full disk refuses the same way): a
    Monitor's sign-in is still applied, its effects wait in pending_effects — nothing lost, no
    exception out of the timer or the socket handler — and are relayed once there is room."""
    from central_service.db import PendingEffect
    from tests.helpers import wait_until

    svc = central(outbox_max_rows=0)
    wait_until(lambda: svc.counters.get("outbox_refused", 0) > 0, 30, message="refusals counted")
    central.monitor(svc, "CP001")
    wait_until(lambda: svc.call(lambda: PendingEffect.select().count()) > 0, 30,
               message="the sign-in's effects kept in the database")
    svc._producer._outbox.max_rows = None  # room again (as when the disk has space again)
    wait_until(lambda: svc.call(lambda: PendingEffect.select().count()) == 0, 30,
               message="pending effects relayed")
