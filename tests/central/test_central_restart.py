"""kill -9 of a real Central process mid-supply, and the same flow on PostgreSQL."""
from __future__ import annotations

import sqlite3

import pytest

from ev_common import contract as c
from ev_common.ports import free_port
from central_service.db import TicketRow
from tests.central.support import Kafka, Monitor, login, seed_db, sqlite_url
from tests.central.test_central_kafka import request
from tests.helpers import Proc, wait_until

pytestmark = pytest.mark.kafka


def start_central(name, port, kafka_broker, topics, data_dir, url, tmp_path) -> Proc:
    proc = Proc(name, ["-m", "central_service.cli", "--port", str(port), "--host", "127.0.0.1",
                       "--bootstrap-servers", kafka_broker, "--db", url, "--data-dir", str(data_dir),
                       "--topic-prefix", topics.prefix, "--heartbeat-interval", "0.5",
                       "--monitor-timeout", "3", "--billing-time-scale", "3600"], tmp_path)
    proc.wait_output("Central ready", 60)
    proc.wait_output(f"assigned {topics.cp_events}", 90)  # group joined with every partition
    # once serving, its start-up heap is out of the collector's full passes (ev_common/heap.py):
    # the flows below run in a process that settled it
    proc.wait_output("start-up objects left out of garbage collection", 30)
    return proc


@pytest.mark.slow
def test_kill9_mid_supply_then_finish_billed_once(kafka_broker, topics, data_dir, tmp_path):
    db_path = data_dir / "central.db"
    seed_db(sqlite_url(db_path))
    port = free_port()
    k = Kafka(kafka_broker, topics)
    proc = start_central("central-1", port, kafka_broker, topics, data_dir, sqlite_url(db_path), tmp_path)
    mon = Monitor(port, "CP001").start()
    try:
        k.wait_state("CP001", "available")
        token = login(port)
        request(k, token, "CP001", "r1")
        sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
        k.send(topics.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=10.0))
        k.wait_state("CP001", "charging")
        k.send(topics.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=1, kw=7, kwh=0.4, eur=0.12))
        k.wait(c.SupplyProgress, session_id=sid)
        proc.kill9()
        # while Central is dead the Engine keeps going and finally reports the supply
        k.send(topics.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=2, kw=7, kwh=0.8, eur=0.24))
        finished = k.send(topics.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=10.0,
                                                             ended_at=70.0, kwh=1.5, eur=0.45, reason="unplugged"))
        n_states = len(k.bodies(c.CpState, cp_id="CP001"))
        proc2 = start_central("central-2", port, kafka_broker, topics, data_dir, sqlite_url(db_path), tmp_path)
        try:
            ticket = k.wait(c.Ticket, session_id=sid, timeout=60)
            assert (ticket.kwh, ticket.eur, ticket.outcome) == (1.5, 0.45, "completed")
            # after the restart the CP was shown disconnected until its monitor came back
            after = [s.state for s in k.bodies(c.CpState, cp_id="CP001")[n_states:]]
            assert "disconnected" in after
            k.wait_state("CP001", "available", timeout=30)
            k.send_env(topics.cp_events, finished)  # the very same report redelivered
            k.send(topics.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=10.0,
                                                      ended_at=71.0, kwh=1.6, eur=0.48, reason="unplugged"))
            proc2.wait_output("already billed", 30)
            assert len(k.bodies(c.Ticket, session_id=sid)) == 1
            with sqlite3.connect(db_path) as conn:
                rows = conn.execute("select kwh, eur from tickets where session_id = ?", (sid,)).fetchall()
            assert rows == [(1.5, 0.45)]
        finally:
            proc2.stop()
    finally:
        mon.stop()
        proc.stop()
        k.close()


def test_postgresql_full_flow(central, postgres_url):
    svc, k, t = central(db_url=postgres_url), central.kafka, central.topics
    central.monitor(svc, "CP002")
    k.wait_state("CP002", "available")
    request(k, login(svc.port), "CP002", "pg1")
    sid = k.wait(c.ChargeAuthorized, request_id="pg1").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP002", session_id=sid, started_at=1.0))
    k.send(t.cp_events, c.Telemetry(cp_id="CP002", session_id=sid, seq=1, kw=5, kwh=0.1, eur=0.035))
    k.wait(c.SupplyProgress, session_id=sid)
    fin = k.send(t.cp_events, c.SupplyFinished(cp_id="CP002", session_id=sid, started_at=1.0, ended_at=2.0,
                                               kwh=0.2, eur=0.07, reason="unplugged"))
    k.send_env(t.cp_events, fin)
    assert k.wait(c.Ticket, session_id=sid).eur == 0.07
    wait_until(lambda: svc.counters.get("duplicates") == 1, message="duplicate skipped on PostgreSQL")
    assert svc.call(lambda: TicketRow.select().count()) == 1
    k.wait_state("CP002", "available")
