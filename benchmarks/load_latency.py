"""Request → authorized seen by a driver while Central ingests thousands of CPs' telemetry.

The situation a real network is in all day: *N* CPs (5,000 full, 2,000 quick) send Telemetry at
1 Hz into a real Central (``python -m central_service.cli``, the existing generator
:mod:`benchmarks.telemetry_gen`, signed like an Engine signs it, each CP with a charging supply
so every tick is applied). Meanwhile one real CP (Engine ``--auto`` + Monitor, not part of the
telemetry load) is requested again and again by :class:`ev_desktop.core.driver.DriverCore`
(the code the app runs): request → ChargeAuthorized at the driver, sequential samples.

Baseline: bare produce→consume round trips (:class:`BareRoundTrip`) interleaved with the
driver's samples (five after each) — same broker, same load, same moments.

Also recorded: Central's consumer-group lag on the CP events topic during the samples (is
Central keeping up at all?), and a py-spy profile of Central for :data:`PROFILE_S` seconds
right after the samples, under the same load (where its busy time goes), summarised in the JSON.
"""
from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from pathlib import Path

from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.topics import Topics
from benchmarks import pyspy
from benchmarks.common import BareRoundTrip, BenchResult, Broker, Proc, Row, Sampler, summary, wait_until
from benchmarks.ingest import LagProbe
from benchmarks.latency import _drive, start_central, start_cp
from benchmarks.seed import cp_id, seed

P99_TARGET_S = 0.100
P50_TARGET_RATIO = 5.0
# py-spy samples Central for this long *after* the driver's samples, under the same load. While
# it sampled during them (200 Hz, every thread) it took 37% of a core of the 2 the machine has
# (/proc schedstat, 2026-12-02): the profiler itself was part of the tail it was meant to explain.
PROFILE_S = 20.0


def _port_open(port: int) -> bool:
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def _outbox_depth(path: Path) -> int | None:
    """Rows waiting in Central's producer outbox (what it produced and Kafka has not acked)."""
    import sqlite3
    if not path.exists():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    try:
        return con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    finally:
        con.close()


def run_load_latency(broker: Broker, root: Path, quick: bool, rtt: dict | None) -> BenchResult:
    n_cps = int(os.environ.get("EV_BENCH_LOAD_CPS") or (2000 if quick else 5000))
    # 100 in a full run: a nearest-rank p99 of 40 samples is their maximum (one disk stall of the
    # shared machine decided the target); of 100 it is the second highest. The max is a row too.
    samples = int(os.environ.get("EV_BENCH_LOAD_SAMPLES") or (12 if quick else 100))
    prefix = f"ll{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    ensure_topics(broker.bootstrap, topics, 30)
    work = root / "load_latency"
    work.mkdir()
    db_path = work / "central.sqlite3"
    requested = n_cps + 1  # the real CP the driver requests: seeded, not charging, no telemetry load
    # driver6 is free (the N supplies belong to drivers 1-5): a busy driver is denied
    seed(db_path, requested, charging=True, charging_upto=n_cps, drivers=6, supply_drivers=5)
    port = free_port()
    # monitor timeout: the N loaded CPs have no monitor (only their telemetry is simulated)
    central = start_central(broker.bootstrap, prefix, work, db_path, port,
                            extra=("--monitor-timeout", "3600"))
    engine, monitor = start_cp(requested, broker.bootstrap, prefix, port, work)
    # no SupplyStarted watcher here (latency.py has one, in its own process): it would decode
    # the whole telemetry stream, competing with Central and the driver for the 2 cores
    res = BenchResult("load_latency")
    probe = gen = rec = sampler = depth = None
    bare = None
    try:
        wait_until(lambda: _port_open(port) or not central.alive(), 120, message="Central serving")
        probe = LagProbe(broker.bootstrap, f"{prefix}.central", topics.cp_events)
        gen = Proc("gen-load", ["-m", "benchmarks.telemetry_gen", broker.bootstrap, topics.cp_events,
                                "--count", str(n_cps), "--duration", "3600", "--seq0", "0"], work)
        t_gen = time.monotonic()
        # steady state: Central has committed at least one second's worth of the load
        wait_until(lambda: probe.sample()[1] >= n_cps, 120, message="Central consuming the telemetry load")
        res.details["load_steady_after_s"] = time.monotonic() - t_gen
        time.sleep(2.0)
        sampler = Sampler(probe.sample, 1.0)
        sampler.start()
        depth = Sampler(lambda: _outbox_depth(work / "central-data" / "outbox-central.sqlite3"), 1.0)
        depth.start()
        bare = BareRoundTrip(broker.bootstrap)
        t0 = time.monotonic()
        out = asyncio.run(_drive(broker.bootstrap, prefix, port, work, samples, bare,
                                 cp=cp_id(requested), answer_timeout_s=30.0,
                                 budget_s=150.0 if quick else 420.0, driver="driver6"))
        window = time.monotonic() - t0
        sampler.stop()
        depth.stop()
        lag = [(round(t - t0, 1), e - c_) for t, v in sampler.samples if not isinstance(v, Exception)
               for e, c_ in [v]]
        # Central's profile: after the samples, same load (see PROFILE_S)
        rec = pyspy.Recording(central.pid, work / "central-profile.txt")
        time.sleep(5.0 if quick else PROFILE_S)
        profile = rec.stop()
        rec = None
        gen_alive = gen.alive()
    finally:
        if rec is not None:
            rec.stop()
        for s_ in (sampler, depth):
            if s_ is not None:
                s_.stop()
        if bare is not None:
            bare.close()
        if gen is not None:
            gen.stop()
        if probe is not None:
            probe.close()
        for p in (monitor, engine, central):
            p.stop()
    sent = re.search(r"sent=(\d+)", gen.output()) if gen is not None else None
    a, b = summary(out["auth"]), summary(out["baseline"])
    lag_msgs = [m for _, m in lag]
    max_lag_s = max(lag_msgs, default=float("nan")) / n_cps  # N CPs at 1 Hz = N msgs/s
    res.rows += [
        Row(f"under load ({n_cps:,} CPs @1 Hz): request → authorized p50", a["p50"] * 1000, b["p50"] * 1000,
            "ms", target=f"≤ {P50_TARGET_RATIO:.0f}× bare RTT", met=a["p50"] <= P50_TARGET_RATIO * b["p50"]),
        Row(f"under load ({n_cps:,} CPs @1 Hz): request → authorized p99", a["p99"] * 1000, b["p99"] * 1000,
            "ms", target=f"≤ {P99_TARGET_S * 1000:.0f} ms", met=a["p99"] <= P99_TARGET_S),
        Row(f"under load ({n_cps:,} CPs @1 Hz): request → authorized max of {a['n']}", a["max"] * 1000,
            b["max"] * 1000, "ms"),
        Row("under load: Central telemetry lag (max over the samples)", max_lag_s, None, "s"),
        Row("under load: rows waiting in Central's producer outbox (max)",
            float(max((v for _, v in depth.samples if isinstance(v, int)), default=float("nan"))), None, "rows"),
        Row("under load: requests not authorized within 30 s", float(out["unanswered"]), None, "requests",
            target="0", met=out["unanswered"] == 0),
    ]
    res.details |= {"cps": n_cps, "samples": samples, "window_s": window,
                    "central_live_admit_rows": os.environ.get("EV_LIVE_ADMIT_ROWS", "default"),
                    "authorized_s": out["auth"], "authorized": a, "denied_warmup": out["denied"], "unanswered": out["unanswered"],
                    "authorized_but_no_ticket_within_30s": out["no_ticket"],
                    "bare_round_trip_interleaved_s": out["baseline"], "bare_round_trip_interleaved": b,
                    "bare_round_trip_idle": rtt, "lag_msgs_series": lag,
                    "central_outbox_rows_series": [(round(t - t0, 1), v) for t, v in depth.samples
                                                   if not isinstance(v, Exception)], "generator_alive_at_end": gen_alive,
                    "generator_output": sent.group(0) if sent else None,
                    "central_profile": profile, "central_profile_window": f"{5.0 if quick else PROFILE_S:.0f} s after the samples, same load"}
    print("    Central profile (inclusive % of busy samples):", flush=True)
    for line in pyspy.top_lines(profile):
        print("      " + line, flush=True)
    return res
