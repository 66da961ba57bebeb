"""``ev-db export``: the supplies as CSV with the reports' filters, from the installed entry point."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from central_service import db
from central_service.db import Supply

_SCRIPT = Path(sys.executable).with_name("ev-db")
EV_DB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "central_service.db_cli"]
DAY0 = 1_700_006_400.0  # 2023-11-15 00:00 UTC


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env.update(EV_CONFIG=str(tmp_path / "none.toml"), EV_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([*EV_DB, "--db", f"sqlite:///{tmp_path / 'c.db'}", *args], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL)


def test_export_writes_the_filtered_supplies_as_csv(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 'c.db'}")
    for i, (cp, at) in enumerate((("CP001", DAY0 + 10), ("CP002", DAY0 + 20), ("CP001", DAY0 + 86400 + 5))):
        Supply.create(id=f"s{i}", driver_id="driver1", cp_id=cp, status="finished", created_at=at,
                      price_eur_kwh=0.5, kwh=2.0, eur=1.0, outcome="completed")
    db.close()
    r = _run(tmp_path, "export", "--cp", "CP001", "--from", "2023-11-15", "--to", "2023-11-16")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][:3] == ["id", "cp_id", "driver_id"] and [row[0] for row in rows[1:]] == ["s0"]
    out = tmp_path / "all.csv"
    assert _run(tmp_path, "export", "--out", str(out)).returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_export_with_a_bad_date_fails_with_a_sentence(tmp_path):
    r = _run(tmp_path, "export", "--from", "ayer")
    assert r.returncode == 2 and "AAAA-MM-DD" in r.stderr and "Traceback" not in r.stderr
