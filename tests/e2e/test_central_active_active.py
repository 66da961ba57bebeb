"""Two ACTIVE Centrals (``ev-central --scale-out``) on one PostgreSQL, many drivers racing for
few CPs, then one Central killed with -9 mid-run: real processes, the real broker.

Both instances serve at once — one consumer group each for events and requests, each instance
its assigned partitions, Monitors and driver apps given both addresses — so the races are
decided by two processes whose decisions are serialised by the database (scale_out.py). What
must hold whatever the timing (the checks of tests/e2e/test_central_contention.py):

* never two reservations or supplies on one CP (published states, DB rows, unique indexes);
* never two supplies for one driver (each authorization after the driver's previous supply
  ended; one driver logged in from two apps races itself);
* every request answered exactly once, every driver process gets one result, every supply billed
  once (Engine final report = ticket message = DB ticket);
* after ``kill -9`` of one instance the other serves everything (its partitions, its Monitors,
  its pending effects); the pause (kill → the survivor serves every partition) is printed.
"""
from __future__ import annotations

import time

import pytest

from ev_common import contract as c
from tests.central.conftest import postgres_url  # noqa: F401 - the throwaway PostgreSQL fixture
from tests.e2e.harness import HostProc, System
from tests.e2e.test_central_contention import (
    _any_supplying, assert_races_decided_once, on_postgres_with_eight_drivers,
)
from tests.e2e.test_central_scale_failover import PARTITIONS
from ev_common.ports import free_port
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]

SCALE_OUT = ("--scale-out", "--group-session-timeout", "6", "--lease-interval", "1", "--lease-length", "6")


def _start_second_active(s: System, instance: str) -> HostProc:
    """A second ACTIVE Central (scale-out) on the same database and data dir; clients get both
    addresses (``System.central_addr`` lists :attr:`System.standby_port` too)."""
    s.standby_port = s.standby_port or free_port()
    s.standby = s._spawn(f"{instance}", [
        "-m", "central_service.cli", *s.common(), "--port", str(s.standby_port),
        "--db", s.db_url, "--data-dir", str(s.tmp / "central"),
        "--monitor-timeout", str(s.monitor_timeout),
        "--tls-hosts", f"{s.central_host},localhost,127.0.0.1",
        "--max-connections-per-address", "1000", "--instance-id", instance, *SCALE_OUT], "central")
    s.standby.wait_output("Central ready", 90)
    return s.standby


def _partitions(s: System) -> dict[str, int]:
    """instance → partitions its latest heartbeat says it serves."""
    out: dict[str, int] = {}
    for hb in s.watcher.bodies(s.topics.central_heartbeat, c.CentralHeartbeat):
        out[hb.instance] = sum(len(p) for p in hb.partitions.values())
    return out


def test_two_active_centrals_decide_races_for_few_cps_once_and_one_serves_all_after_the_other_is_killed(
        system: System, request):
    s = system
    w = on_postgres_with_eight_drivers(s, request)
    s.start_central("--instance-id", "central-a", *SCALE_OUT)
    # B joins a formed group: two members joining a fresh group on fresh topics at once hit the
    # kafka-python empty-assignment race (ev_common/kafka/group_member.py); after B's rejoin
    # nudge both reported all 12 request partitions for 90 s in one run (docs/design.md)
    wait_until(lambda: _partitions(s).get("central-a") == PARTITIONS, 90, interval=0.5,
               message="central-a serves every partition before central-b joins")
    _start_second_active(s, "central-b")
    for cp in ("CP001", "CP002"):
        s.start_cp(cp, duration=20)
        w.wait_state(cp, "available", 90)
    wait_until(lambda: (lambda p: p.get("central-a", 0) > 0 and p.get("central-b", 0) > 0
                        and p["central-a"] + p["central-b"] == PARTITIONS)(_partitions(s)),
               90, interval=0.5, message="both instances serve, the partitions split between them")

    procs: list[HostProc] = []

    def race(*drivers: tuple[str, str, str]) -> None:
        for driver_id, name, *what in drivers:
            procs.append(s.start_driver(driver_id, *what, data_name=name))

    # wave 1: five processes for two CPs, on two deciding instances; driver1 twice, two want CP001
    race(("driver1", "d1a", "--any"), ("driver1", "d1b", "--any"), ("driver2", "d2a", "--any"),
         ("driver3", "d3a", "--cp", "CP001"), ("driver4", "d4a", "--cp", "CP001"))
    wait_until(lambda: _any_supplying(s), 150, interval=0.2, message="a supply running")
    killed_at = time.time()
    s.kill_central()  # central-a, mid-run: supplies charging, requests maybe in flight
    race(("driver5", "d5a", "--any"), ("driver6", "d6a", "--cp", "CP002"), ("driver2", "d2b", "--any"))
    wait_until(lambda: _partitions(s).get("central-b") == PARTITIONS
               and any(hb.instance == "central-b" and hb.cps_connected == 2
                       for hb in w.bodies(s.topics.central_heartbeat, c.CentralHeartbeat)[-4:]),
               120, interval=0.2, message="central-b serves every partition and both Monitors")
    pause = time.time() - killed_at
    print(f"\nactive-active failover: kill -9 of central-a → central-b serves all {PARTITIONS} partitions "
          f"and both Monitors after {pause:.1f} s")
    for p in list(procs):
        s.wait_results(p, 1, 300)
    for cp in ("CP001", "CP002"):
        w.wait_state(cp, "available", 120)
    race(("driver7", "d7a", "--any"), ("driver8", "d8a", "--any"), ("driver5", "d5b", "--any"),
         ("driver3", "d3b", "--cp", "CP002"))
    for p in procs:
        s.wait_results(p, 1, 300)
    assert_races_decided_once(s, procs)
    # both instances decided (before the kill each had partitions of the requests topic)
    sources = {e.source for e in w.envelopes(s.topics.driver_notifications)
               if isinstance(e.body, (c.ChargeAuthorized, c.ChargeDenied))}
    print(f"answers published by: {sorted(sources)}")
