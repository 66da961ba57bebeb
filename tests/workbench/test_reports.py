"""Reports on a seeded SQLite database: filters, sort, paging, per-day/hour sums against
hand-computed totals, CSV export — and the indexes that keep them fast exist."""
from __future__ import annotations

import csv
import io

import pytest

from central_service import db, reports
from central_service.db import Supply
from central_service.reports import ReportError, SupplyFilter

DAY0 = 1_700_006_400.0  # 2023-11-15 00:00:00 UTC: a fixed instant, no test depends on today


def _supply(i: int, cp: str, driver: str, at: float, kwh: float, eur: float, outcome: str = "completed") -> None:
    Supply.create(id=f"s{i:03d}", driver_id=driver, cp_id=cp, status="finished", created_at=at,
                  price_eur_kwh=0.5, kwh=kwh, eur=eur, outcome=outcome, ended_at=at + 600)


@pytest.fixture
def seeded(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 'r.db'}")
    # day 0: CP001 10 kWh/5 € at 01:00 and 3 kWh/1.5 € at 23:30; CP002 4 kWh/2 € at 12:00
    # day 1: CP001 2 kWh/1 € at 00:30 (driver2, failed)
    _supply(1, "CP001", "driver1", DAY0 + 3600, 10.0, 5.0)
    _supply(2, "CP001", "driver1", DAY0 + 23.5 * 3600, 3.0, 1.5)
    _supply(3, "CP002", "driver1", DAY0 + 12 * 3600, 4.0, 2.0)
    _supply(4, "CP001", "driver2", DAY0 + 86400 + 1800, 2.0, 1.0, outcome="failed")
    yield
    db.close()


def test_daily_totals_match_hand_computed_sums(seeded):
    rows = reports.aggregate(SupplyFilter(), bucket="day")
    assert rows == [{"start": int(DAY0), "kwh": 17.0, "eur": 8.5, "supplies": 3},
                    {"start": int(DAY0) + 86400, "kwh": 2.0, "eur": 1.0, "supplies": 1}]


def test_daily_totals_per_cp_and_in_the_callers_time_zone(seeded):
    assert [r["kwh"] for r in reports.aggregate(SupplyFilter(cp_id="CP001"), bucket="day")] == [13.0, 2.0]
    # UTC+1: 23:30 UTC on day 0 is 00:30 on day 1 there
    plus_one = reports.aggregate(SupplyFilter(), bucket="day", tz_offset_s=3600)
    assert [(r["start"], r["kwh"]) for r in plus_one] == [(int(DAY0) - 3600, 14.0), (int(DAY0) + 86400 - 3600, 5.0)]


def test_hourly_buckets(seeded):
    rows = reports.aggregate(SupplyFilter(date_to=DAY0 + 86400), bucket="hour")
    assert [(r["start"] - int(DAY0)) // 3600 for r in rows] == [1, 12, 23]


def test_filters_sort_and_pages(seeded):
    page = reports.supplies_page(SupplyFilter(driver_id="driver1"), sort="kwh", descending=True, page_size=2)
    assert page["total"] == 3 and [r["id"] for r in page["rows"]] == ["s001", "s003"]
    page2 = reports.supplies_page(SupplyFilter(driver_id="driver1"), sort="kwh", descending=True, page=1, page_size=2)
    assert [r["id"] for r in page2["rows"]] == ["s002"]
    failed = reports.supplies_page(SupplyFilter(outcome="failed"))
    assert [r["id"] for r in failed["rows"]] == ["s004"]
    ranged = reports.supplies_page(SupplyFilter(date_from=DAY0 + 86400))
    assert ranged["total"] == 1


def test_page_size_is_capped_and_bad_sort_is_refused(seeded):
    assert reports.supplies_page(SupplyFilter(), page_size=10**6)["page_size"] == reports.PAGE_MAX
    with pytest.raises(ReportError):
        reports.supplies_page(SupplyFilter(), sort="password_hash")
    with pytest.raises(ReportError):
        reports.aggregate(SupplyFilter(), bucket="week")
    with pytest.raises(ReportError):
        SupplyFilter.from_args({"date_from": "yesterday"})


def test_csv_export_has_every_filtered_row_in_chunks(seeded):
    text = "".join(reports.csv_rows(SupplyFilter(cp_id="CP001"), chunk=1))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(reports.COLUMNS)
    assert [r[0] for r in rows[1:]] == ["s001", "s002", "s004"]


def test_report_indexes_exist(seeded):
    names = {i.name for i in db.database.get_indexes("supplies")}
    assert {"supply_created_at_kwh_eur", "supply_cp_id_created_at_kwh_eur"} <= names
    plan = " ".join(str(r) for r in db.database.execute_sql(
        "EXPLAIN QUERY PLAN SELECT SUM(kwh) FROM supplies WHERE created_at >= 0").fetchall())
    assert "COVERING INDEX" in plan
