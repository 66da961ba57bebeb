"""Resilience suite: every failure the system must survive (Kafka, Central, Engine, Monitor,
a link), with real processes and kill -9.

Each test runs the system as separate processes (Kafka, Central with a seeded SQLite DB, CP
Engine+Monitor pairs in --auto mode, headless drivers), breaks one component, checks what the
others show, and ends with the ledger check: for every supply the Engine's journal/final
report, the ticket (message and driver RESULT line) and Central's DB hold the same energy,
each counted once (see tests/e2e/harness.py).
"""
from __future__ import annotations

import time

import pytest

from ev_common import contract as c
from ev_common.kafka.admin import ensure_topics
from tests.e2e.harness import System, port_open
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(420)]


def assert_ledger(s: System, sessions: set[str], timeout: float = 150.0) -> None:
    led = s.wait_ledger_settled(sessions, timeout)
    bad = led.mismatches()
    assert not bad, "ledger mismatches:\n" + "\n".join(bad)
    assert sessions <= set(led.engine_kwh), "a supply has no Engine final report"
    for sid in sessions:
        assert led.engine_kwh[sid] > 0, f"{sid}: no energy recorded"


def assert_no_tracebacks(s: System) -> None:
    tb = s.tracebacks()
    assert not tb, "tracebacks in logs:\n" + "\n\n".join(f"== {k}\n{v}" for k, v in tb.items())


# ---------------------------------------------------------------------------------- Kafka
def test_driver_started_while_kafka_down_gets_charging_and_ticket(private_system: System):
    """The field failure: Central, CP and driver all start while Kafka is down; Kafka comes
    later. The request queued in the driver's outbox goes through, the CP reaches *charging*
    (never stuck in reserved) and the supply is billed once."""
    s = private_system
    s.seed(cps=2, drivers=2)
    s.start_central(wait=False)
    wait_until(lambda: port_open("127.0.0.1", s.central_port), 90, message="Central socket up (Kafka down)")
    s.start_cp("CP001", duration=6)
    wait_until(lambda: "Monitor conectado" in s.cps["CP001"].engine.output(), 60, message="engine sees monitor")
    d = s.start_driver("driver1", "--cp", "CP001")
    d.wait_output("Solicitud en cola para CP001", 60)
    d.wait_output("Kafka no disponible", 60)   # the outage is shown, not hidden
    assert not s.broker.pid()
    assert not d.results(), "nothing can be decided while Kafka is down"

    t_kafka = time.monotonic()
    s.start_broker()
    ensure_topics(s.bootstrap, s.topics)   # the watcher needs them; Central creates them too
    w = s.watch()
    w.wait_state("CP001", "charging", 120)   # not stuck in reserved
    [r] = s.wait_results(d, 1, 150)
    assert r.outcome == "completed" and r.cp == "CP001", r
    d.wait_output("Kafka conectado", 10)
    assert time.monotonic() - t_kafka < 150
    assert_ledger(s, {r.session})
    w.wait_state("CP001", "available", 60)
    assert_no_tracebacks(s)


def test_kafka_sigkill_mid_supply_and_restart(private_system: System):
    """Kafka dies hard while two CPs supply; every component keeps running and queues; after
    the restart both supplies complete, each billed exactly once."""
    s = private_system
    s.start_broker()
    ensure_topics(s.bootstrap, s.topics)
    w = s.watch()
    s.seed(cps=3, drivers=3)
    s.start_central()
    for cp in ("CP001", "CP002"):
        s.start_cp(cp, duration=35)
        w.wait_state(cp, "available", 90)
    d1 = s.start_driver("driver1", "--cp", "CP001")
    d2 = s.start_driver("driver2", "--cp", "CP002")
    wait_until(lambda: all((s.journal(cp)["open"] or {}).get("seq", 0) >= 2 for cp in ("CP001", "CP002")),
               150, interval=0.2, message="both CPs supplying")

    s.kill_broker()
    seq_at_kill = {cp: s.journal(cp)["open"]["seq"] for cp in ("CP001", "CP002")}
    # the supplies go on without Kafka (the journal keeps counting) and nobody dies
    wait_until(lambda: all((s.journal(cp)["open"] or {}).get("seq", 99) >= seq_at_kill[cp] + 3
                           or s.cps[cp].engine.output().count("FINALIZADO") for cp in seq_at_kill),
               60, message="supplies continue during the Kafka outage")
    wait_until(lambda: "Kafka no disponible" in s.cps["CP001"].engine.output(), 60,
               message="engine shows the outage")
    assert all(p.alive() for p in s.procs()), [p.name for p in s.procs() if not p.alive()]

    s.start_broker()
    r1 = s.wait_results(d1, 1, 180)[0]
    r2 = s.wait_results(d2, 1, 180)[0]
    assert (r1.outcome, r2.outcome) == ("completed", "completed"), (r1, r2)
    assert_ledger(s, {r1.session, r2.session})
    for cp in ("CP001", "CP002"):
        w.wait_state(cp, "available", 60)
    assert_no_tracebacks(s)


# -------------------------------------------------------------------------------- Central
def test_central_kill9_mid_supply_supplies_finish_and_bill_once(system: System):
    s, w = system, system.watcher
    s.seed(cps=3, drivers=3)
    s.start_central()
    for cp in ("CP001", "CP002"):
        s.start_cp(cp, duration=25)  # long enough that the kill lands mid-supply on a busy box
        w.wait_state(cp, "available", 90)
    d1 = s.start_driver("driver1", "--cp", "CP001")
    d2 = s.start_driver("driver2", "--cp", "CP002")
    sessions = {s.wait_supplying(cp)["session_id"] for cp in ("CP001", "CP002")}

    s.kill_central()
    assert not d1.results() and not d2.results(), "the kill must land while both supplies run"
    # running supplies continue to their end without Central (the Engines close them)
    wait_until(lambda: all(sid in {x for cp in ("CP001", "CP002") for x in s.journal(cp)["recent"]}
                           for sid in sessions), 90, message="supplies finished at the Engines")
    for cp in ("CP001", "CP002"):   # CPs show "cannot reach Central"
        wait_until(lambda: "CENTRAL perdida" in s.cps[cp].monitor.output()
                   or "Imposible conectar con la CENTRAL" in s.cps[cp].monitor.output(), 30,
                   message=f"{cp} monitor reports Central unreachable")
    assert not d1.results() and not d2.results(), "nobody can bill while Central is down"

    s.start_central()
    r1 = s.wait_results(d1, 1, 150)[0]
    r2 = s.wait_results(d2, 1, 150)[0]
    assert {r1.session, r2.session} == sessions
    assert (r1.outcome, r2.outcome) == ("completed", "completed"), (r1, r2)
    assert_ledger(s, sessions)
    for cp in ("CP001", "CP002"):
        w.wait_state(cp, "available", 60)   # monitors re-authenticated with the new Central
    # a new supply after the restart works
    d3 = s.start_driver("driver3", "--cp", "CP001")
    r3 = s.wait_results(d3, 1, 150)[0]
    assert r3.outcome == "completed"
    assert_ledger(s, sessions | {r3.session})
    assert_no_tracebacks(s)


# -------------------------------------------------------------------------------- Monitor
def test_monitor_killed_cp_disconnected_supply_ends_then_available(system: System):
    s, w = system, system.watcher
    s.seed(cps=2, drivers=2)
    s.start_central()
    s.start_cp("CP001", duration=60)
    w.wait_state("CP001", "available", 90)
    d1 = s.start_driver("driver1", "--cp", "CP001")
    sid = s.wait_supplying("CP001")["session_id"]

    s.kill_monitor("CP001")
    st = w.wait_state("CP001", "disconnected", 60)
    assert st.last_seen is not None
    # the running supply ends (monitor lost) and is billed
    [r1] = s.wait_results(d1, 1, 90)
    assert r1.session == sid and r1.outcome == "monitor_lost", r1
    # The driver learns why from the ticket (outcome monitor_lost, asserted above). Whether a
    # SupplyInterrupted precedes it depends on who notices first: the Engine (no PING for 3 s →
    # it ends the supply itself) or Central (no heartbeat for 5 s). If there is one, it says why.
    assert all(n.reason == "monitor_lost" for n in w.notifications(c.SupplyInterrupted, sid))
    # no new supply while the Monitor is away
    d2 = s.start_driver("driver2", "--cp", "CP001")
    [r2] = s.wait_results(d2, 1, 90)
    assert r2.outcome == "denied", r2
    assert "desconect" in d2.output().lower() or "cp_disconnected" in d2.output(), d2.output()[-2000:]

    s.start_monitor("CP001")
    w.wait_state("CP001", "available", 60)
    assert_ledger(s, {sid})
    assert_no_tracebacks(s)


# --------------------------------------------------------------------------------- Engine
def test_engine_killed_mid_supply_faulted_then_final_report_billed_once(system: System):
    s, w = system, system.watcher
    s.seed(cps=2, drivers=2)
    s.start_central()
    s.start_cp("CP001", duration=60)
    w.wait_state("CP001", "available", 90)
    d1 = s.start_driver("driver1", "--cp", "CP001")
    sid = s.wait_supplying("CP001", min_seq=3)["session_id"]

    s.kill_engine("CP001")
    on_disk = s.journal("CP001")["open"]           # what the Engine had recorded when it died
    assert on_disk["session_id"] == sid and on_disk["ended_at"] is None
    st = w.wait_state("CP001", "faulted", 60)
    assert st.fault_reason, st
    wait_until(lambda: w.notifications(c.SupplyInterrupted, sid), 60, message="SupplyInterrupted")
    assert w.notifications(c.SupplyInterrupted, sid)[0].reason == "fault"
    d1.wait_output("Recarga interrumpida", 60)
    assert not d1.results(), "the ticket waits for the Engine's final report"

    s.start_engine("CP001", duration=60)
    [r1] = s.wait_results(d1, 1, 120)
    assert r1.session == sid, r1
    led = s.wait_ledger_settled({sid})
    assert abs(led.engine_kwh[sid] - on_disk["kwh"]) < 1e-9, "final report != journal on disk"
    assert abs(led.db_tickets[sid]["kwh"] - on_disk["kwh"]) < 1e-9
    assert_ledger(s, {sid})
    w.wait_state("CP001", "available", 60)
    assert_no_tracebacks(s)


# --------------------------------------------------------------------------------- Driver
def test_driver_killed_mid_supply_supply_continues_restarted_driver_sees_ticket(system: System):
    s, w = system, system.watcher
    s.seed(cps=2, drivers=2)
    s.start_central()
    s.start_cp("CP001", duration=8)
    w.wait_state("CP001", "available", 90)
    d1 = s.start_driver("driver1", "--cp", "CP001")
    sid = s.wait_supplying("CP001")["session_id"]
    d1.kill9()

    wait_until(lambda: sid in s.journal("CP001")["recent"], 60, message="supply continued to its end")
    assert_ledger(s, {sid})
    # the driver comes back (same data dir = same app install) and receives the missed ticket
    d1b = s.start_driver("driver1", "--cp", "CP001")
    wait_until(lambda: f"TICKET de un suministro anterior en CP001 (sesión {sid})" in d1b.output(), 90,
               message="restarted driver shows the ticket of the supply it missed")
    [r] = s.wait_results(d1b, 1, 120)    # and can charge again
    assert r.outcome == "completed" and r.session != sid
    assert_ledger(s, {sid, r.session})
    assert_no_tracebacks(s)


# ---------------------------------------------------------------------------- new members
def test_new_cps_and_drivers_join_while_supplies_run(system: System):
    s, w = system, system.watcher
    s.seed(cps=2, drivers=4)
    s.start_central()
    for cp in ("CP001", "CP002"):
        s.start_cp(cp, duration=8)
        w.wait_state(cp, "available", 90)
    d1 = s.start_driver("driver1", "--services", str(_services(s, ["CP001", "CP002", "CP001"])))
    s.wait_supplying("CP001")

    s.ev_db("add-cp", "CP010", "--location", "Nuevo", "--price", "0.40", "--max-kw", "11",
             "--credentials", str(s.credentials_dir))  # a random key, its file for the CP box
    s.ev_db("add-driver", "driver9", env={"EV_NEW_PASSWORD": "pass123"})
    s.start_cp("CP010", duration=6)
    w.wait_state("CP010", "available", 90)
    d9 = s.start_driver("driver9", "--cp", "CP010")
    d2 = s.start_driver("driver2", "--any")
    res = s.wait_results(d1, 3, 240) + s.wait_results(d9, 1, 150) + s.wait_results(d2, 1, 150)
    # drivers compete for the same CPs: a request for a busy CP is denied (cp_unavailable),
    # everything else completes
    assert all(r.outcome in ("completed", "denied") for r in res), res
    assert s.wait_results(d9, 1)[0].outcome == "completed" and s.wait_results(d9, 1)[0].cp == "CP010"
    assert sum(r.outcome == "completed" for r in res) >= 3, res
    for d in (d1, d2, d9):
        assert "Traceback" not in d.output()
    assert_ledger(s, {r.session for r in res if r.outcome == "completed"})
    assert_no_tracebacks(s)
    assert "ERROR" not in s.central.output(), s.central.output()[-3000:]


def _services(s: System, cps: list[str]):
    path = s.tmp / f"services-{len(cps)}-{time.monotonic_ns()}.txt"
    path.write_text("\n".join(cps) + "\n")
    return path
