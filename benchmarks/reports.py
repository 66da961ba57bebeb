"""Operator reports over many supplies (issue 16): first page of the supplies table and the
per-day energy/revenue chart, each against a bare ``SELECT COUNT(*)`` of the same table in the
same run (target: each < 1 s at 1,000,000 supplies).

    .venv/bin/python -m benchmarks --only reports      (1,000,000 supplies; --quick: 100,000)

The database is Central's own schema (``db.connect``: the report indexes included), seeded in
bulk with plain SQL; the figures come from :mod:`central_service.reports`, the code Central runs
for ``OPQUERY supplies`` / ``energy``.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

from benchmarks.common import BenchResult, Row

T0 = 1_700_000_000.0  # fixed: the data and so the timings do not depend on today


def seed(path: Path, n: int, cps: int = 500, drivers: int = 5000, days: int = 365) -> None:
    from central_service import db

    db.connect(f"sqlite:///{path}", synchronous="NORMAL")
    rnd = random.Random(16)
    cols = ("id", "driver_id", "cp_id", "request_id", "status", "created_at", "price_eur_kwh", "kwh", "eur",
            "outcome", "telemetry_seq", "kw", "billed")
    sql = f"INSERT INTO supplies ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    batch = []
    outcomes = ("completed",) * 8 + ("failed", "operator_stop")
    with db.database.atomic():
        for i in range(n):
            kwh = round(rnd.uniform(0.5, 60.0), 3)
            batch.append((f"s{i:08d}", f"driver{rnd.randrange(drivers)}", f"CP{rnd.randrange(cps):04d}", f"r{i}",
                          "finished", T0 + rnd.uniform(0, days * 86400), 0.35, kwh, round(kwh * 0.35, 2),
                          rnd.choice(outcomes), 0, 0.0, 1))
            if len(batch) == 20_000:
                db.database.obj.connection().executemany(sql, batch)
                batch.clear()
        if batch:
            db.database.obj.connection().executemany(sql, batch)
    db.database.execute_sql("ANALYZE")


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run_reports(root: Path, quick: bool) -> BenchResult:
    from central_service import db, reports

    n = 100_000 if quick else 1_000_000
    path = Path(root) / "reports.sqlite3"
    t0 = time.perf_counter()
    seed(path, n)
    seeded_s = time.perf_counter() - t0
    f = reports.SupplyFilter()
    count_s = _best(lambda: db.database.execute_sql("SELECT COUNT(*) FROM supplies").fetchone())
    page_s = _best(lambda: reports.supplies_page(f, page_size=50))
    daily_s = _best(lambda: reports.aggregate(f, bucket="day"))
    cp_hourly_s = _best(lambda: reports.aggregate(reports.SupplyFilter(cp_id="CP0007", date_from=T0,
                                                                       date_to=T0 + 30 * 86400), bucket="hour"))
    db.close()
    res = BenchResult("reports")
    res.rows = [
        Row(f"reports: first page (50 rows + total) of {n:,} supplies", page_s * 1000, count_s * 1000, "ms",
            "< 1 s", page_s < 1.0),
        Row(f"reports: energy/revenue per day over {n:,} supplies", daily_s * 1000, count_s * 1000, "ms",
            "< 1 s", daily_s < 1.0),
        Row("reports: one CP per hour, 30 days", cp_hourly_s * 1000, count_s * 1000, "ms", "< 1 s",
            cp_hourly_s < 1.0),
    ]
    res.details = {"supplies": n, "seed_s": seeded_s, "bare_count_ms": count_s * 1000}
    return res
