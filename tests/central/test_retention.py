"""Bounded growth: processed message ids and event-log lines past their retention are pruned
— by Central itself, periodically, and by ``ev-db prune`` — on a real SQLite database; recent
ones (a redelivery must still be recognised) and supplies/tickets are kept."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from central_service import db
from central_service.db import EventLog, ProcessedMessage
from central_service.retention import DAY, RetentionPolicy, count_expired, prune
from ev_common.kafka.outbox import Outbox
from tests.helpers import REPO, wait_until

NOW = 1_800_000_000.0  # injected: nothing here depends on today's date


def _fill(old: int, recent: int, now: float = NOW) -> None:
    with db.database.atomic():
        for i in range(old):
            ProcessedMessage.create(id=f"old{i}", type="telemetry", processed_at=now - 40 * DAY)
            EventLog.create(ts=now - 200 * DAY, kind="old", detail=str(i))
        for i in range(recent):
            ProcessedMessage.create(id=f"new{i}", type="telemetry", processed_at=now - 8 * DAY)
            EventLog.create(ts=now - 8 * DAY, kind="new", detail=str(i))


def test_prune_deletes_only_what_is_past_retention(tmp_path: Path) -> None:
    db.connect(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    try:
        _fill(old=4500, recent=10)
        policy = RetentionPolicy()
        assert count_expired(policy, NOW).total == 9000
        result = prune(policy, NOW, chunk=1000)  # several short transactions
        assert (result.processed_ids, result.event_log) == (4500, 4500)
        # ids younger than 30 days (beyond Kafka's 7-day retention) are kept
        assert ProcessedMessage.select().count() == 10 and EventLog.select().count() == 10
        assert prune(policy, NOW).total == 0
    finally:
        db.close()


def test_retention_of_processed_ids_cannot_be_shorter_than_a_day() -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(processed_ids_s=3600)


def test_ev_db_prune_dry_run_then_prune(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    db.connect(url)
    now = time.time()  # the CLI prunes against the real clock: data is dated relative to it
    try:
        _fill(old=3, recent=2, now=now)
    finally:
        db.close()
    cmd = [sys.executable, "-m", "central_service.db_cli", "--db", url, "prune"]
    dry = subprocess.run([*cmd, "--dry-run"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0 and "Se borrarían 3 ids" in dry.stdout and "3 líneas" in dry.stdout, dry
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Borrados 3 ids" in done.stdout, done
    shorter = subprocess.run([*cmd, "--event-log-days", "7"], cwd=REPO, capture_output=True, text=True,
                             timeout=60)
    assert "Borrados 0 ids" in shorter.stdout and "y 2 líneas" in shorter.stdout, shorter
    bad = subprocess.run([*cmd, "--processed-ids-days", "0.01"], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "Retención no válida" in bad.stderr


def test_central_prunes_by_itself(central) -> None:
    svc = central(prune_interval=0.3)
    now = time.time()
    svc.call(lambda: _fill(old=5, recent=3, now=now))
    wait_until(lambda: svc.call(lambda: ProcessedMessage.select().where(
        ProcessedMessage.id.startswith("old")).count()) == 0, 30, message="old ids pruned")
    assert svc.call(lambda: ProcessedMessage.select().where(ProcessedMessage.id.startswith("new")).count()) == 3
    assert svc.call(lambda: EventLog.select().where(EventLog.kind == "old").count()) == 0


def test_outbox_quarantine_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = Outbox(path, clock=lambda: NOW - 40 * DAY)
    box.quarantine(box.append("t", b"k", b"too big"), "too large")
    box.close()
    box = Outbox(path, clock=lambda: NOW - 20 * DAY)
    assert len(box.quarantined()) == 1  # kept for inspection within its retention
    box.close()
    box = Outbox(path, clock=lambda: NOW)
    assert box.quarantined() == []
    box.close()


def test_ev_db_help_describes_every_subcommand() -> None:
    from central_service.db_cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    described = {c.dest: c.help for c in sub._choices_actions}
    assert set(described) == set(sub.choices), "a subcommand without a description"
    assert all(described.values()), described
