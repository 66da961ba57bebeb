"""The database refuses double-booking by itself, on SQLite and on PostgreSQL (db_constraints)."""
from __future__ import annotations

import time

import peewee as pw
import pytest

from central_service import db, db_constraints
from central_service.db import ProcessedMessage, Supply, TicketRow
from tests.central.support import sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "central.db")
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def opened(db_url):
    database = db.connect(db_url)
    yield database
    db.close()


def _supply(sid: str, driver: str, cp: str, status: str = "reserved") -> None:
    Supply.create(id=sid, driver_id=driver, cp_id=cp, status=status, created_at=time.time(),
                  price_eur_kwh=0.3)


def _refused(fn) -> None:
    with pytest.raises(pw.IntegrityError):
        with db.database.atomic():
            fn()


def test_second_open_session_on_one_cp_is_refused(opened):
    _supply("s1", "d1", "CP1")
    _refused(lambda: _supply("s2", "d2", "CP1"))
    _refused(lambda: _supply("s3", "d3", "CP1", status="charging"))


def test_second_open_session_of_one_driver_is_refused(opened):
    _supply("s1", "d1", "CP1", status="charging")
    _refused(lambda: _supply("s2", "d1", "CP2"))


def test_closed_sessions_do_not_block_a_new_one(opened):
    for i, status in enumerate(("finished", "expired", "cancelled", "interrupted")):
        _supply(f"old{i}", "d1", "CP1", status=status)
    _supply("s1", "d1", "CP1")
    Supply.update(status="charging").where(Supply.id == "s1").execute()
    assert Supply.select().where(Supply.status == "charging").count() == 1


def test_reopening_a_closed_session_over_an_open_one_is_refused(opened):
    _supply("s1", "d1", "CP1", status="finished")
    _supply("s2", "d2", "CP1")
    _refused(lambda: Supply.update(status="charging").where(Supply.id == "s1").execute())


def test_second_ticket_for_one_supply_is_refused(opened):
    def ticket():
        TicketRow.create(session_id="s1", driver_id="d1", cp_id="CP1", started_at=1.0, ended_at=2.0,
                         kwh=1.0, eur=0.3, price_eur_kwh=0.3, outcome="completed", issued_at=2.0)
    ticket()
    _refused(ticket)


def test_a_message_id_is_processed_once(opened):
    ProcessedMessage.create(id="m1", type="charge_request", processed_at=1.0)
    _refused(lambda: ProcessedMessage.create(id="m1", type="charge_request", processed_at=2.0))


def test_an_older_database_gets_the_indexes_at_start_up(db_url):
    database = db.connect(db_url)
    for name in db_constraints.UNIQUE_OPEN:
        database.execute_sql(f'DROP INDEX "{name}"')
    _supply("s1", "d1", "CP1")
    db.close()
    db.connect(db_url)
    try:
        _refused(lambda: _supply("s2", "d2", "CP1"))
    finally:
        db.close()


def test_an_older_database_already_double_booked_stops_start_up_naming_the_rows(db_url):
    database = db.connect(db_url)
    for name in db_constraints.UNIQUE_OPEN:
        database.execute_sql(f'DROP INDEX "{name}"')
    _supply("s1", "d1", "CP1")
    _supply("s2", "d2", "CP1")
    db.close()
    with pytest.raises(db_constraints.ConstraintViolation, match="CP1 has open sessions .*s1.*s2"):
        db.connect(db_url)
    db.close()
