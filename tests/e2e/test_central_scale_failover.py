"""Central failover, end to end with real processes: kill -9 the active Central mid-supply; the
standby (same database, ``--standby``) takes the lock, the consumer groups' partitions and the
clients (Monitors and drivers hold both addresses); no supply is lost or billed twice.

The pause is measured and printed (kill → standby serving its socket, kill → standby's
heartbeat listing every partition) for the report; it is not asserted (no timed assertions).
"""
from __future__ import annotations

import time

import pytest

from ev_common import contract as c
from tests.central.conftest import postgres_url  # noqa: F401 - the throwaway PostgreSQL fixture
from tests.e2e.harness import System
from tests.e2e.test_resilience import assert_ledger, assert_no_tracebacks
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(480)]

PARTITIONS = 18  # cp events (6) + driver requests (6) + operator commands (6)


def _heartbeat_serving_all(s: System, instance: str) -> bool:
    for hb in reversed(s.watcher.bodies(s.topics.central_heartbeat, c.CentralHeartbeat)):
        if hb.instance == instance:
            return sum(len(p) for p in hb.partitions.values()) == PARTITIONS
    return False


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_standby_takes_over_after_kill9_mid_supply_and_bills_each_supply_once(system: System, db: str, request):
    s = system
    if db == "postgresql":
        s.pg_url = request.getfixturevalue("postgres_url")
        s.watcher.close()
        s.watch()  # its notification keys now come from PostgreSQL
    w = s.watcher
    w.names.append(s.topics.central_heartbeat)  # the watcher reads the instances' heartbeats too
    s.seed(cps=3, drivers=3)
    # the broker's minimum session timeout: the dead instance's partitions move after 6 s
    s.start_central("--instance-id", "central-a", "--group-session-timeout", "6")
    s.start_standby("central-b", "--group-session-timeout", "6")
    for cp in ("CP001", "CP002"):
        s.start_cp(cp, duration=25)  # long enough that the kill lands mid-supply
        w.wait_state(cp, "available", 90)
    wait_until(lambda: _heartbeat_serving_all(s, "central-a"), 60, message="central-a serves every partition")
    assert "Central ready" not in s.standby.output(), "the standby must not serve while the active one does"
    d1 = s.start_driver("driver1", "--cp", "CP001")
    d2 = s.start_driver("driver2", "--cp", "CP002")
    sessions = {s.wait_supplying(cp)["session_id"] for cp in ("CP001", "CP002")}

    killed_at = time.monotonic()
    s.kill_central()
    assert not d1.results() and not d2.results(), "the kill must land while both supplies run"
    s.standby.wait_output("Central ready", 90)
    serving_s = time.monotonic() - killed_at
    wait_until(lambda: _heartbeat_serving_all(s, "central-b"), 90, interval=0.2,
               message="central-b serves every partition")
    assigned_s = time.monotonic() - killed_at
    print(f"\nFAILOVER ({db}) kill -9 -> standby serving its socket {serving_s:.1f} s, "
          f"-> all {PARTITIONS} partitions assigned {assigned_s:.1f} s")

    r1 = s.wait_results(d1, 1, 180)[0]
    r2 = s.wait_results(d2, 1, 180)[0]
    assert {r1.session, r2.session} == sessions
    assert (r1.outcome, r2.outcome) == ("completed", "completed"), (r1, r2)
    assert_ledger(s, sessions)
    for cp in ("CP001", "CP002"):   # Monitors moved to the standby's address
        w.wait_state(cp, "available", 90)
        wait_until(lambda cp=cp: f"127.0.0.1:{s.standby_port}: CP {cp} autenticado"
                   in s.cps[cp].monitor.output(), 60, message=f"{cp}'s Monitor on the standby")
    d3 = s.start_driver("driver3", "--cp", "CP001")   # a new supply, served by the standby
    r3 = s.wait_results(d3, 1, 180)[0]
    assert r3.outcome == "completed"
    assert_ledger(s, sessions | {r3.session})
    assert_no_tracebacks(s)
