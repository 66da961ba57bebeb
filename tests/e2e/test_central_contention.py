"""Contention across a Central take-over: many drivers race for few CPs while the active Central
is killed (-9) and its standby takes over, with real processes, the real broker and PostgreSQL.

This version runs one active Central per database (docs/design.md, "Several Centrals"), so the
two ``ev-central`` processes are an active one and a ``--standby`` killed-and-replaced mid-run:
the races are decided by one instance at a time, but the requests in flight at the kill are
re-read by the other from the database and Kafka. What must hold whatever the timing:

* never two reservations or supplies on one CP — each CP's published states never go back to a
  session after another session appeared on it, and the database holds at most one open row;
* never two supplies for one driver — two processes log in as the same driver and race; each
  driver's next authorization comes after its previous supply ended;
* every request answered exactly once (one distinct answer envelope per request id), every
  driver process gets one result, and every supply is billed once (the Engine = ticket = DB
  ledger of tests/e2e/test_resilience.py).
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from ev_common import contract as c
from tests.central.conftest import postgres_url  # noqa: F401 - the throwaway PostgreSQL fixture
from tests.e2e.harness import HostProc, Ledger, System, Watcher
from tests.e2e.test_central_scale_failover import _heartbeat_serving_all
from tests.e2e.test_resilience import assert_no_tracebacks
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]


def _any_supplying(s: System) -> bool:
    return any((s.journal(cp).get("open") or {}).get("seq", 0) >= 2 for cp in s.cps)


def _answers(s: System) -> dict[str, set[str]]:
    """request id → the distinct answer envelopes (authorized or denied) published for it."""
    out: dict[str, set[str]] = defaultdict(set)
    for e in s.watcher.envelopes(s.topics.driver_notifications):
        if isinstance(e.body, (c.ChargeAuthorized, c.ChargeDenied)):
            out[e.body.request_id].add(e.id)
    return out


def _sessions_interleaved(states: list[c.CpState]) -> list[str]:
    """Sessions that show up on a CP again after another session appeared on it: two sessions
    held the CP at the same time (states of one CP are one partition, in order)."""
    done: set[str] = set()
    current: str | None = None
    bad: list[str] = []
    for st in states:
        sid = st.session_id
        if sid is None or sid == current:
            continue
        if sid in done:
            bad.append(sid)
        if current is not None:
            done.add(current)
        current = sid
    return bad


def on_postgres_with_eight_drivers(s: System, request) -> Watcher:
    """The contention runs' system: Central's database on the throwaway PostgreSQL, two CPs and
    eight drivers seeded, a watcher (its notification keys from PostgreSQL) that also reads the
    heartbeats and the requests."""
    s.pg_url = request.getfixturevalue("postgres_url")
    s.watcher.close()
    w = s.watch()  # its notification keys now come from PostgreSQL
    w.names += [s.topics.central_heartbeat, s.topics.driver_requests]
    s.seed(cps=2, drivers=8)
    return w


def assert_races_decided_once(s: System, procs: list[HostProc]) -> set[str]:
    """The checks every contention run ends with (see the module docstring): one result per
    driver process, every request answered once, billing once, never two sessions on one CP or
    two supplies for one driver, no traceback anywhere. Returns the completed sessions."""
    w = s.watcher
    # a driver app also reports, as index 0, a supply of its driver that another app of the same
    # driver (or an earlier run) requested: each process's own answer is its index-1 line
    results = [r for p in procs for r in p.results() if r.index == 1]

    # every driver process got exactly one result, each is a served or a refused request
    assert len(results) == len(procs) == 12
    outcomes = [r.outcome for r in results]
    assert set(outcomes) <= {"completed", "denied"}, results
    assert outcomes.count("denied") >= 1, "driver3 and driver4 both asked for CP001 at once"
    completed = {r.session for r in results if r.outcome == "completed"}
    assert len(completed) == outcomes.count("completed") >= 2, results

    # every request answered exactly once (one distinct answer envelope per request id)
    requests = {b.request_id for b in w.bodies(s.topics.driver_requests, c.ChargeRequested)}
    assert len(requests) == 12
    wait_until(lambda: requests <= set(_answers(s)), 60, message="an answer for every request")
    answers = _answers(s)
    assert {rid: len(answers[rid]) for rid in requests if len(answers[rid]) != 1} == {}

    # billing once: Engine final report = one ticket message = the DB ticket, for every supply
    s.wait_ledger_settled(completed, 150)
    ledger = Ledger.build(s, results)
    assert ledger.mismatches() == []
    assert all(ledger.engine_kwh[sid] > 0 for sid in completed)

    # never two sessions on one CP: states never return to a session after another appeared
    for cp in ("CP001", "CP002"):
        assert _sessions_interleaved(w.states(cp)) == [], f"{cp} held two sessions at once"
    rows = s.db_rows("supplies")
    for column in ("cp_id", "driver_id"):
        open_rows = [r[column] for r in rows if r["status"] in ("reserved", "charging")]
        assert len(open_rows) == len(set(open_rows)), f"two open supplies for one {column}: {open_rows}"
    indexes = {r["indexname"] for r in s.db_rows("pg_indexes") if r["tablename"] == "supplies"}
    assert {"supplies_one_open_per_cp", "supplies_one_open_per_driver"} <= indexes

    # never two supplies for one driver: each authorization comes after the driver's previous
    # supply ended (the Engine's end of supply, same machine clock as Central's envelopes)
    ended = {sid: f[-1].ended_at for sid, f in w.finals().items()}
    by_driver: dict[str, set[tuple[float, str]]] = defaultdict(set)   # (a re-relayed copy: same ts)
    for e in w.envelopes(s.topics.driver_notifications):
        if isinstance(e.body, c.ChargeAuthorized):
            by_driver[e.body.driver_id].add((e.ts, e.body.session_id))
    assert {sid for g in by_driver.values() for _, sid in g} == completed
    for driver, granted in by_driver.items():
        grants = sorted(granted)
        for (_, before), (granted_at, after) in zip(grants, grants[1:]):
            assert before in ended and ended[before] <= granted_at, \
                f"{driver}: {after} authorized at {granted_at} while {before} still ran"
    assert_no_tracebacks(s)
    return completed


def test_drivers_racing_for_few_cps_across_a_central_takeover_never_double_book_and_are_each_answered_once(
        system: System, request):
    s = system
    w = on_postgres_with_eight_drivers(s, request)
    s.start_central("--instance-id", "central-a", "--group-session-timeout", "6")
    s.start_standby("central-b", "--group-session-timeout", "6")
    for cp in ("CP001", "CP002"):
        s.start_cp(cp, duration=20)  # long enough that wave 1 races for busy CPs even under load
        w.wait_state(cp, "available", 90)
    wait_until(lambda: _heartbeat_serving_all(s, "central-a"), 60, message="central-a serves every partition")

    procs: list[HostProc] = []

    def race(*drivers: tuple[str, str, str]) -> None:
        for driver_id, name, *what in drivers:
            procs.append(s.start_driver(driver_id, *what, data_name=name))

    # wave 1: five processes for two CPs; driver1 twice (same driver, two apps), two want CP001
    race(("driver1", "d1a", "--any"), ("driver1", "d1b", "--any"), ("driver2", "d2a", "--any"),
         ("driver3", "d3a", "--cp", "CP001"), ("driver4", "d4a", "--cp", "CP001"))
    wait_until(lambda: _any_supplying(s), 150, interval=0.2, message="a supply running")
    s.kill_central()  # mid-run: supplies charging, maybe requests unread
    # wave 2: while the standby takes over (requests wait in Kafka, logins move to its address)
    race(("driver5", "d5a", "--any"), ("driver6", "d6a", "--cp", "CP002"), ("driver2", "d2b", "--any"))
    s.standby.wait_output("Central ready", 90)
    for p in list(procs):
        s.wait_results(p, 1, 300)
    # wave 3: both CPs free again, four more racers on the instance that took over
    for cp in ("CP001", "CP002"):
        w.wait_state(cp, "available", 120)
    race(("driver7", "d7a", "--any"), ("driver8", "d8a", "--any"), ("driver5", "d5b", "--any"),
         ("driver3", "d3b", "--cp", "CP002"))
    for p in procs:
        s.wait_results(p, 1, 300)
    assert_races_decided_once(s, procs)
