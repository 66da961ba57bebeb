"""Request → authorized while a broker of a 3-broker cluster is killed (issue 15).

A private, secure 3-node cluster (:class:`~ev_common.kafka.broker_cluster.LocalCluster`), real
Central and one CP (Engine ``--auto --auto-plug-delay 0`` + Monitor) given the whole bootstrap
list, and the driver (:class:`~ev_desktop.core.driver.DriverCore`, in this process) sending
sequential requests, each waited to its ticket. Three phases:

* **before** — every broker up;
* **during** — the broker leading driver1's request partition is ``kill -9``-ed right after
  the first request of this phase is sent (so that request rides the failover), then the
  phase goes on with the broker dead;
* **after** — the broker restarted and caught up (every broker live again).

Max pause = the longest request → authorized of the *during* phase (the one in flight at the
kill waits for the new leader). Baseline: bare produce→consume round trips (acks=all) on the
same cluster, interleaved with the *before* samples (same moment, same load).
"""
from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from pathlib import Path

from kafka.admin import NewTopic

from benchmarks.common import BareRoundTrip, BenchResult, Row, summary
from benchmarks.latency import start_central, start_cp
from benchmarks.seed import cp_id, seed
from ev_common import contract as c
from ev_common.kafka.admin import admin_client, ensure_topics
from ev_common.kafka.broker_cluster import LocalCluster, node_specs
from ev_common.kafka.partition_leader import leader_of
from ev_common.ports import free_port
from ev_common.topics import Topics

BASELINE_PER_SAMPLE = 3


async def _phase(core, queue: asyncio.Queue, n: int, cp: str, *, on_first_sent=None,
                 bare: BareRoundTrip | None = None, baseline: list[float] | None = None,
                 timeout_s: float = 120.0) -> list[float]:
    """*n* sequential requests; request → ChargeAuthorized (s) of each, waited to its ticket."""
    out: list[float] = []
    while len(out) < n:
        t0 = time.perf_counter()
        rid = core.request_charge(cp)
        if on_first_sent is not None and not out:
            on_first_sent()
            on_first_sent = None
        session = t_auth = None
        deadline = time.monotonic() + timeout_s
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"request {rid} not answered within {timeout_s:.0f} s")
            try:
                t, ev = await asyncio.wait_for(queue.get(), 1.0)
            except asyncio.TimeoutError:
                continue
            if isinstance(ev, c.ChargeDenied) and ev.request_id == rid:
                await asyncio.sleep(0.5)  # the CP is not free yet: ask again
                break
            if isinstance(ev, c.ChargeAuthorized) and ev.request_id == rid:
                session, t_auth = ev.session_id, t - t0
            elif isinstance(ev, c.Ticket) and session is not None and ev.session_id == session:
                out.append(t_auth)
                if bare is not None and baseline is not None:
                    baseline += [bare.sample() for _ in range(BASELINE_PER_SAMPLE)]
                break
    return out


async def _drive(cluster: LocalCluster, prefix: str, central_port: int, work: Path, n: int,
                 victim: int, bare: BareRoundTrip) -> dict:
    from ev_desktop.core.driver import DriverConfig, DriverCore

    queue: asyncio.Queue = asyncio.Queue()
    core = DriverCore(DriverConfig(bootstrap_servers=cluster.bootstrap, central_host="127.0.0.1",
                                   central_port=central_port, data_dir=work / "driver",
                                   topic_prefix=prefix),
                      on_event=lambda ev: queue.put_nowait((time.perf_counter(), ev)))
    for _ in range(60):
        try:
            await core.login("driver1", "pass123")
            break
        except Exception:  # noqa: BLE001 - Central still starting
            await asyncio.sleep(0.5)
    core.start()
    killed_at: list[float] = []

    def kill() -> None:
        killed_at.append(time.perf_counter())
        threading.Thread(target=cluster.kill_node, args=(victim,), daemon=True).start()

    baseline: list[float] = []
    try:
        await _phase(core, queue, 2, cp_id(1))  # warm-up
        before = await _phase(core, queue, n, cp_id(1), bare=bare, baseline=baseline)
        during = await _phase(core, queue, n, cp_id(1), on_first_sent=kill)
        t_restart = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, cluster.start_node, victim)
        restart_s = time.monotonic() - t_restart
        after = await _phase(core, queue, n, cp_id(1), bare=bare, baseline=baseline)
    finally:
        await core.close()
    return {"before": before, "during": during, "after": after, "baseline": baseline,
            "restart_s": restart_s}


def run_broker_kill(root: Path, quick: bool) -> BenchResult:
    n = 6 if quick else 20
    work = root / "broker_kill"
    work.mkdir()
    cluster = LocalCluster(work / "cluster",
                           node_specs(3, 0, [free_port() for _ in range(3)],
                                      [free_port() for _ in range(3)]), heap_mb=384)
    t0 = time.monotonic()
    cluster.start(timeout=180)
    startup_s = time.monotonic() - t0
    os.environ["EV_KAFKA_CREDENTIALS"] = str(cluster.secrets.credentials_file("admin"))
    prefix = f"bk{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    ensure_topics(cluster.bootstrap, topics, 30)
    victim = leader_of(cluster.bootstrap, topics.driver_requests, "driver1")
    db_path = work / "central.sqlite3"
    seed(db_path, 1, charging=False, drivers=2)
    port = free_port()
    central = start_central(cluster.bootstrap, prefix, work, db_path, port)
    engine, monitor = start_cp(1, cluster.bootstrap, prefix, port, work)
    rtt_topic = f"bench.rtt.{uuid.uuid4().hex[:8]}"  # the cluster never auto-creates topics
    admin = admin_client(cluster.bootstrap, 10)
    try:
        admin.create_topics([NewTopic(rtt_topic, 1, 3, topic_configs={"min.insync.replicas": "2"})])
    finally:
        admin.close()
    bare = BareRoundTrip(cluster.bootstrap, rtt_topic)
    try:
        out = asyncio.run(_drive(cluster, prefix, port, work, n, victim, bare))
    finally:
        bare.close()
        for p in (monitor, engine, central):
            p.stop(signal.SIGINT, timeout=15.0)
        cluster.stop(hard=True, timeout=15)
    b = summary(out["baseline"])
    res = BenchResult("broker_kill")
    for phase in ("before", "during", "after"):
        s = summary(out[phase])
        res.rows += [Row(f"broker kill: request → authorized {phase} p50", s["p50"] * 1000, b["p50"] * 1000, "ms"),
                     Row(f"broker kill: request → authorized {phase} p99", s["p99"] * 1000, b["p99"] * 1000, "ms")]
    res.rows.append(Row("broker kill: max pause (longest request → authorized, broker killed)",
                        max(out["during"]) * 1000, b["p99"] * 1000, "ms"))
    res.details = {"samples_per_phase": n, "victim": victim, "cluster_startup_s": startup_s,
                   "restart_s": out["restart_s"], "bare_round_trip": b,
                   **{f"{p}_s": out[p] for p in ("before", "during", "after")},
                   **{p: summary(out[p]) for p in ("before", "during", "after")},
                   "bare_round_trip_interleaved_s": out["baseline"]}
    return res
