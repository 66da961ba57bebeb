"""The scenes' data for scripts/screenshots.py: what Kafka and the diagnostics engine would
deliver in a local set-up (CPs as ``ev-db seed`` / ``ev-cp-fleet`` make them, a supply metered
by the CP simulator's power model, a replay of the diagnostics). Plain data, no windows."""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

BOOTSTRAP = "127.0.0.1:9092"    # the app's defaults: what a local set-up shows
CENTRAL = "127.0.0.1:7000"
ADVERTISED_HOST = "kafka-central.lan"   # the broker's advertised name this machine cannot resolve
PRINCIPAL = "operator"                  # the Kafka identity of the operator app the pictures show


# ------------------------------------------------------------------------------- the CPs

def seeded_cps():
    """(location, €/kWh, max kW) of CPn exactly as ``ev-db seed`` creates it."""
    from central_service.db_cli import LOCATIONS, MAX_KW, PRICES

    def cp(n: int) -> tuple[str, float, float]:
        j = (n - 1) % len(LOCATIONS)
        return LOCATIONS[j], PRICES[j], MAX_KW[j]
    return cp


def cp_state(n: int, state: str, now: float, rng: random.Random, *, driver: int | None = None,
             seconds: float | None = None, left_s: int | None = None):
    """CPn in *state*; *seconds* charging so far, *left_s* of reservation (random if not given)."""
    from ev_common import contract

    location, price, max_kw = seeded_cps()(n)
    charging = state == "charging"
    busy = state in ("reserved", "charging")
    seconds = rng.uniform(120, 3000) if seconds is None else seconds
    kw = round(max_kw * rng.uniform(0.94, 1.0), 1) if charging else 0.0
    # a car's battery takes 25-65 kWh at most, whatever the charger could give
    kwh = round(min(max_kw * 0.97 * seconds / 3600, rng.uniform(25, 65)), 3) if charging else 0.0
    faults = ("el Engine informa KO", f"Engine 127.0.0.1:{7000 + n} no responde (timed out)")
    return contract.CpState(
        cp_id=f"CP{n:03d}", location=location, price_eur_kwh=price, max_kw=max_kw, state=state,
        driver_id=f"driver{driver or rng.randint(1, 400)}" if busy else None,
        session_id=f"{rng.getrandbits(128):032x}" if busy else None,
        kw=kw, kwh=kwh, eur=round(kwh * price, 2),
        reserved_until=now + (left_s or rng.randint(15, 110)) if state == "reserved" else None,
        fault_reason=faults[n % 4 == 0] if state == "faulted" else None,
        last_seen=now - rng.randint(60, 5400) if state == "disconnected" else None)


def local_network(now: float) -> list:
    """The 10 CPs of ``ev-db seed`` while driver1 charges at CP003."""
    rng = random.Random(3)
    states = {1: "available", 2: "charging", 3: "charging", 4: "available", 5: "out_of_order",
              6: "available", 7: "available", 8: "reserved", 9: "available", 10: "disconnected"}
    drivers = {2: 2, 3: 1, 8: 4}
    return [cp_state(n, s, now, rng, driver=drivers.get(n)) for n, s in states.items()]


def big_network(count: int, now: float) -> list:
    """``ev-cp-fleet --count 2000`` on a busy afternoon. The first row shows every state, as the
    event log of the operator screenshot left them (CP002 reserved for driver7, CP003 charging
    for driver12 since 81 s, CP004 stopped, CP005 faulted, CP017 free again)."""
    weights = [("available", 52), ("charging", 24), ("reserved", 7), ("out_of_order", 5),
               ("faulted", 4), ("disconnected", 8)]
    pool = [s for s, w in weights for _ in range(w)]
    rng = random.Random(7)
    first_row = {1: ("available", {}), 2: ("reserved", {"driver": 7, "left_s": 57}),
                 3: ("charging", {"driver": 12, "seconds": 81}), 4: ("out_of_order", {}),
                 5: ("faulted", {}), 6: ("disconnected", {}), 17: ("available", {})}
    out = []
    for n in range(1, count + 1):
        state, extra = first_row.get(n, (rng.choice(pool), {}))
        out.append(cp_state(n, state, now, rng, **extra))
    return out


def producer_status(state, queued: int, error: str | None = None):
    from ev_common.kafka.status import ProducerStatus

    return ProducerStatus(state=state, last_error=error, queued=queued, bootstrap=BOOTSTRAP,
                          since=time.time())


KAFKA_DOWN = f"cannot open a connection to Kafka at {BOOTSTRAP} (Connection refused)"


def charging_tracker(now: float, seconds: int):
    """driver1 at CP003 (Campus UA, 11 kW), metered by the CP simulator's power model."""
    from cp_simulator.power import Meter, PowerModel
    from ev_common import contract
    from ev_common.kafka.status import LinkState
    from ev_desktop.core.events import RequestQueued
    from ev_desktop.core.tracker import SupplyTracker

    location, price, max_kw = seeded_cps()(3)
    sid = "3f9c2a715d0e4b8a9c610e7d2b4a8f15"
    start = now - seconds
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r-1", "CP003", LinkState.CONNECTED, start - 21), start - 21)
    t.apply(contract.ChargeAuthorized(driver_id="driver1", request_id="r-1", session_id=sid, cp_id="CP003",
                                      location=location, price_eur_kwh=price,
                                      reservation_expires_at=start + 100), start - 20)
    t.apply(contract.SupplyStartedNotice(driver_id="driver1", session_id=sid, cp_id="CP003",
                                         started_at=start), start)
    meter = Meter(PowerModel(max_kw, price), random.Random(11))
    for k in range(1, seconds + 1):
        r = meter.read_at(float(k))
        t.apply(contract.SupplyProgress(driver_id="driver1", session_id=sid, cp_id="CP003", kw=r.kw,
                                        kwh=r.kwh, eur=r.eur), start + k)
    return t, sid, meter.reading, price


# ------------------------------------------------------------------- child: the diagnostics

def diagnostics_replay(case: str):
    """A stand-in for ``run_diagnostics`` that reports what the engine reports for *case*:
    ``ok`` (local broker, Central running), ``refused`` (nothing on 127.0.0.1:9092) or
    ``advertised`` (broker reachable, but it advertises kafka-central.lan:9092). Like the
    engine it returns data only (codes, params, Detail); the dialog puts it into words."""
    from ev_common.kafka.acl import TABLE
    from ev_desktop.diagnostics.runner import (
        STEPS, Detail, Diagnosis, DiagnosticsReport, StepResult, StepStatus,
    )

    host, port = BOOTSTRAP.split(":")
    cluster = "q2KxVbT8S3ePz0m1Rf7uJw"
    advertised = f"{ADVERTISED_HOST}:{port}" if case == "advertised" else BOOTSTRAP
    # the app's own readers, caught up (what AppContext.reader_lags() gives a running app)
    readers = {"directory": 0, "central_watch": 0, "events": 0}
    # the operator app's own Kafka identity (its role): TLS, SCRAM and its topics' ACLs check out;
    # the test send is the administrator's, so it is skipped as the real engine skips it
    rights = TABLE[PRINCIPAL]
    access_count = len({*rights.write, *rights.read})
    cert_until = (datetime.now().astimezone() + timedelta(days=700)).strftime("%d/%m/%Y")

    def replay(bootstrap, topics, *, group_ids=None, timeout_s=3.0, on_step=None, cancel=None,
               reader_lags=None):
        central = [Detail("lag.central_ok", {"group": g, "lag": 0}) for g in group_ids or []]
        mine = Detail("lag.readers_ok", {"readers": [Detail("lag.reader", {"reader": r, "lag": n})
                                                     for r, n in readers.items()]})
        plan = [
            ("resolve", StepStatus.OK, "resolve.ok", {"summary": f"{BOOTSTRAP} → {host}"}, 0.4),
            ("tcp", StepStatus.OK, "tcp.ok", {"targets": BOOTSTRAP}, 0.3),
            ("tls", StepStatus.OK, "tls.ok", {"target": BOOTSTRAP, "subject": "kafka-broker",
                                              "not_after": cert_until}, 9.4),
            ("handshake", StepStatus.OK, "handshake.ok", {"target": BOOTSTRAP, "api_count": 75}, 6.8),
            ("sasl", StepStatus.OK, "sasl.ok", {"target": BOOTSTRAP, "user": PRINCIPAL,
                                                "mechanism": "SCRAM-SHA-512"}, 14.2),
            ("metadata", StepStatus.OK, "metadata.ok",
             {"target": BOOTSTRAP, "cluster_id": cluster, "controller_id": 1, "brokers": f"1={advertised}"}, 3.1),
            ("advertised", StepStatus.OK, "advertised.ok", {"brokers": advertised}, 1.2),
            ("topics", StepStatus.OK, "topics.ok", {"count": len(topics.all()), "prefix": topics.prefix}, 41.5),
            ("access", StepStatus.OK, "access.ok", {"principal": PRINCIPAL, "prefix": topics.prefix,
                                                    "count": access_count}, 8.7),
            ("roundtrip", StepStatus.SKIPPED, "roundtrip.not_allowed",
             {"topic": f"{topics.prefix}.diagnostics", "timeout_s": f"{timeout_s:g}", "principal": PRINCIPAL}, 0.0),
            ("lag", StepStatus.OK, "lag.ok", {"summary": [*central, mine], "advice": [],
                                              "groups": {g: 0 for g in group_ids or []},
                                              "readers": readers}, 23.6),
        ]
        at = {step[0]: i for i, step in enumerate(plan)}
        if case == "refused":
            plan[at["tcp"]] = ("tcp", StepStatus.FAILED, "tcp.refused",
                               {"target": BOOTSTRAP, "host": host, "port": int(port), "timeout_s": f"{timeout_s:g}",
                                "error": "Connection refused"}, 0.4)
        elif case == "advertised":
            # bootstrap on 127.0.0.1: the broker is this machine, so its network address is the fix
            plan[at["advertised"]] = ("advertised", StepStatus.FAILED, "advertised.unreachable",
                                      {"advertised": advertised, "host": ADVERTISED_HOST, "port": int(port),
                                       "reason": Detail("reason.unresolvable", {"host": ADVERTISED_HOST}),
                                       "advice": [Detail("fix.advertised_local", {"port": int(port), "protocol": "SASL_SSL"}),
                                                  Detail("fix.advertised_resolve", {"host": ADVERTISED_HOST})]},
                                      2.3)
        steps, blocker = [], None
        for step_id, status, code, params, ms in plan:
            if blocker is not None:
                status, code, params, ms = (StepStatus.SKIPPED, "skipped.after_failure",
                                            {"step": blocker}, 0.0)
            elif status is StepStatus.FAILED:
                blocker = step_id
            step = StepResult(id=step_id, status=status, code=code, params=params, duration_ms=ms)
            time.sleep(0.03)
            steps.append(step)
            if on_step is not None:
                on_step(step)
        failed = next((s for s in steps if s.status is StepStatus.FAILED), None)
        diagnosis = (Diagnosis(failed.code, failed.params, failed.id) if failed else
                     Diagnosis("ok.no_roundtrip", {}))  # a role may not create the test topic
        assert [s.id for s in steps] == [sid for sid, _ in STEPS]
        return DiagnosticsReport(bootstrap_servers=bootstrap, started_at=datetime.now().astimezone(),
                                 steps=steps, diagnosis=diagnosis,
                                 duration_ms=round(sum(s.duration_ms for s in steps), 1))
    return replay
