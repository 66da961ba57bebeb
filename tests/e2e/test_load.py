"""Load run with chaos: many CPs, 20 headless drivers running services files, random kill -9 of
Engines and Monitors (seeded RNG), then the ledger check for every supply.

Size: ``EV_E2E_LOAD_CPS`` CP pairs (default 50: 100 CP processes beside the broker, Central and
20 drivers — about what this 2-core machine carries; ~110 s here),
``EV_E2E_LOAD_DRIVERS`` drivers (default 20), ``EV_E2E_LOAD_SECONDS`` of chaos (default 150),
``EV_E2E_LOAD_SEED`` for the RNG (default 20261129).
"""
from __future__ import annotations

import os
import random
import re
import time

import pytest

from ev_common import contract as c
from tests.e2e.harness import System
from tests.helpers import WaitTimeout, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(720)]

N_CPS = int(os.environ.get("EV_E2E_LOAD_CPS", "50"))
N_DRIVERS = int(os.environ.get("EV_E2E_LOAD_DRIVERS", "20"))
CHAOS_S = float(os.environ.get("EV_E2E_LOAD_SECONDS", "150"))
SEED = int(os.environ.get("EV_E2E_LOAD_SEED", "20261129"))
SERVICES_PER_DRIVER = 6


TICKET_OUTCOMES = {"completed", "fault", "operator_stop", "monitor_lost", "interrupted"}


def _stuck_drivers_report(s: System, drivers: list) -> str:
    """What a driver still running was waiting for: the tail of its output and what the
    watcher saw of the CP it last asked for — enough to tell a lost message from a slow run."""
    w = s.watcher
    parts = []
    for d in drivers:
        if not d.alive():
            continue
        out = d.output()
        asked = re.findall(r"Servicio \d+/\d+: (\S+)", out)
        cp = asked[-1] if asked else None
        parts.append(f"== {d.name} still running after {len(d.results())} RESULT line(s); "
                     f"last asked {cp} (watcher: state={w.state(cp) if cp else '-'})\n{out[-4000:]}")
    return f"{len(parts)} driver(s) never finished their services file:\n" + "\n\n".join(parts)


def _unaccounted(s: System, drivers: list) -> list[str]:
    """Every request must end in something its driver was told on Kafka: a ticket, a denial,
    an expiry, or (a reservation dropped before charging) an interruption notice. None may
    vanish — not even those that never became a supply."""
    w = s.watcher
    notes = s.topics.driver_notifications
    denials: dict[str, int] = {}
    for body in w.bodies(notes, c.ChargeDenied):
        denials[body.driver_id] = denials.get(body.driver_id, 0) + 1
    bad: list[str] = []
    for i, d in enumerate(drivers, start=1):
        driver_id = f"driver{i}"
        denied = 0
        for r in d.results():
            told = False
            if r.outcome in TICKET_OUTCOMES and r.session != "-":
                told = any(t.driver_id == driver_id for t in w.notifications(c.Ticket, r.session)) or (
                    r.outcome == "interrupted" and bool(w.notifications(c.SupplyInterrupted, r.session)))
            elif r.outcome == "denied":
                denied += 1
                told = denials.get(driver_id, 0) >= denied
            elif r.outcome == "expired":
                told = bool(w.notifications(c.ReservationExpired, r.session))
            if not told:
                bad.append(f"{driver_id} service {r.index}: outcome={r.outcome} session={r.session}")
    return bad


def test_load_with_random_kills(system: System):
    s, w = system, system.watcher
    rng = random.Random(SEED)
    s.auto_plug_delay = 1.0
    s.auto_duration = 8.0
    s.seed(cps=N_CPS, drivers=N_DRIVERS)
    s.start_central()
    cp_ids = [f"CP{i:03d}" for i in range(1, N_CPS + 1)]
    t0 = time.monotonic()
    for cp in cp_ids:
        s.start_cp(cp)
    wait_until(lambda: all(w.state(cp) == "available" for cp in cp_ids), 240, interval=1.0,
               message=f"all {N_CPS} CPs available (not yet: "
                       f"{[cp for cp in cp_ids if w.state(cp) != 'available'][:10]})")
    startup_s = time.monotonic() - t0

    drivers = []
    for i in range(1, N_DRIVERS + 1):
        plan = [rng.choice(cp_ids) for _ in range(SERVICES_PER_DRIVER)]
        path = s.tmp / f"services-driver{i}.txt"
        path.write_text("\n".join(plan) + "\n")
        drivers.append(s.start_driver(f"driver{i}", "--services", str(path), "--supply-timeout", "150"))

    # chaos: every few seconds kill -9 a random Engine or Monitor, restart it a little later
    kills = {"engine": 0, "monitor": 0}
    down: list[tuple[float, str, str]] = []   # (restart at, cp, what)
    t_chaos = time.monotonic()
    next_kill = t_chaos + 5
    while time.monotonic() - t_chaos < CHAOS_S and any(d.alive() for d in drivers):
        now = time.monotonic()
        for item in [x for x in down if x[0] <= now]:
            down.remove(item)
            _, cp, what = item
            (s.start_engine if what == "engine" else s.start_monitor)(cp)
        if now >= next_kill:
            busy = {cp for _, cp, _ in down}
            cp = rng.choice([c for c in cp_ids if c not in busy])
            what = rng.choice(["engine", "monitor"])
            (s.kill_engine if what == "engine" else s.kill_monitor)(cp)
            kills[what] += 1
            down.append((now + rng.uniform(2.0, 8.0), cp, what))
            next_kill = now + rng.uniform(3.0, 7.0)
        time.sleep(0.2)   # pacing of the chaos loop, not a wait for a condition
    for _, cp, what in down:
        (s.start_engine if what == "engine" else s.start_monitor)(cp)

    # every driver ends its services file (each service reaches an end: ticket, denial, expiry)
    try:
        wait_until(lambda: not any(d.alive() for d in drivers), 360, interval=1.0,
                   message="every driver done")
    except WaitTimeout:
        raise AssertionError(_stuck_drivers_report(s, drivers)) from None
    results = [r for d in drivers for r in d.results()]
    assert len(results) == N_DRIVERS * SERVICES_PER_DRIVER, \
        f"{len(results)} RESULT lines for {N_DRIVERS * SERVICES_PER_DRIVER} services"
    assert not [r for r in results if r.outcome == "timeout"], [r for r in results if r.outcome == "timeout"]

    # all CPs back (every Engine and Monitor running again) and idle: available
    wait_until(lambda: all(w.state(cp) == "available" for cp in cp_ids), 180, interval=1.0,
               message=f"every CP available at the end (not: "
                       f"{[(cp, w.state(cp)) for cp in cp_ids if w.state(cp) != 'available'][:10]})")
    led = s.wait_ledger_settled(None, 180)
    bad = led.mismatches()
    billed = [r for r in results if r.session in led.engine_kwh]
    duration = time.monotonic() - t0
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    print(f"\nLOAD RUN: cps={N_CPS} drivers={N_DRIVERS} services={len(results)} seed={SEED}\n"
          f"  supplies completed (Engine final report, billed): {len(led.engine_kwh)} "
          f"({led.total_kwh():.3f} kWh); driver outcomes {outcomes}\n"
          f"  kills injected: {kills['engine']} engines + {kills['monitor']} monitors = {sum(kills.values())}\n"
          f"  ledger mismatches: {len(bad)}\n"
          f"  start-up {startup_s:.0f}s, total duration {duration:.0f}s")
    assert not bad, "ledger mismatches:\n" + "\n".join(bad[:30])
    unaccounted = _unaccounted(s, drivers)
    assert not unaccounted, "requests whose end the driver was not told about:\n" + "\n".join(unaccounted[:30])
    assert billed, "no driver saw a billed supply"
    assert sum(kills.values()) >= 10
    tb = s.tracebacks()
    assert not tb, "tracebacks:\n" + "\n\n".join(f"== {k}\n{v}" for k, v in list(tb.items())[:5])
