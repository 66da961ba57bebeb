"""Timeline of one supply and the suspect list, on a real SQLite database (clock injected)."""
from __future__ import annotations

import pytest

from central_service import audit, db, supply_queries
from central_service.db import EventLog, Supply, TicketRow

T0 = 1_700_000_000.0


@pytest.fixture
def database(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 't.db'}")
    yield
    db.close()


def _open(sid: str, created: float, kwh: float = 0.0, max_kw: float = 22.0, status: str = "charging",
          cp: str = "CP001", driver: str = "driver1") -> None:
    Supply.create(id=sid, driver_id=driver, cp_id=cp, status=status, created_at=created,
                  authorized_at=created, started_at=created + 5, price_eur_kwh=0.5, max_kw=max_kw, kwh=kwh)


def test_timeline_lists_request_events_operator_actions_and_ticket_in_time_order(database):
    _open("s1", T0)
    EventLog.create(ts=T0 + 1, kind="authorized", session_id="s1", cp_id="CP001", detail="request=r1")
    EventLog.create(ts=T0 + 5, kind="supply_started", session_id="s1", cp_id="CP001")
    EventLog.create(ts=T0 + 60, kind="ticket", session_id="s1", cp_id="CP001", detail="kwh=1.000")
    audit.record("operator1", "close_supply", target="s1", detail="silent", peer="10.0.0.1", now=T0 + 50)
    TicketRow.create(session_id="s1", driver_id="driver1", cp_id="CP001", started_at=T0 + 5, ended_at=T0 + 60,
                     kwh=1.0, eur=0.5, price_eur_kwh=0.5, outcome="operator_closed", issued_at=T0 + 60)
    t = supply_queries.timeline("s1")
    assert [e["kind"] for e in t["events"]] == ["requested", "authorized", "supply_started",
                                               "operator_close_supply", "ticket"]
    assert t["ticket"]["eur"] == 0.5 and t["supply"]["cp_id"] == "CP001"
    assert supply_queries.timeline("nope") is None


def test_suspects_are_too_long_silent_or_over_the_energy_bound(database):
    # one open supply per CP and per driver: the database refuses more (db_constraints)
    _open("long", T0 - 5 * 3600, kwh=1.0, cp="CP001", driver="driver1")
    _open("silent", T0 - 60, kwh=0.1, cp="CP002", driver="driver2")
    _open("energy", T0 - 3600, kwh=50.0, max_kw=22.0, cp="CP003", driver="driver3")  # 22 kW × 1 h = 22 kWh < 50
    _open("fine", T0 - 3600, kwh=10.0, cp="CP004", driver="driver4")
    _open("done", T0 - 9 * 3600, status="finished")
    found = {s["session_id"]: s["reasons"] for s in supply_queries.suspects(
        T0, open_max_s=4 * 3600, silent_ids={"silent"})}
    assert found == {"long": ["too_long"], "silent": ["silent"], "energy": ["energy"]}
