"""One CP Engine + Monitor pair (real processes): CPU % and RSS at steady state, idle and
supplying (1 Hz telemetry). Central and a broker run beside them but are not counted."""
from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path

from ev_common import contract as c
from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.topics import Topics
from benchmarks.common import BenchResult, Broker, Proc, Row, proc_cpu_rss
from benchmarks.latency import start_central
from benchmarks.seed import cp_id, seed, write_credentials


def _measure(pids: list[int], seconds: float) -> tuple[float, int]:
    c0 = sum(proc_cpu_rss(p)[0] for p in pids)
    t0 = time.monotonic()
    time.sleep(seconds)
    c1 = sum(proc_cpu_rss(p)[0] for p in pids)
    rss = sum(proc_cpu_rss(p)[1] for p in pids)
    return (c1 - c0) / (time.monotonic() - t0) * 100.0, rss


async def _start_supply(bootstrap: str, prefix: str, port: int, work: Path):
    from ev_desktop.core.driver import DriverConfig, DriverCore
    q: asyncio.Queue = asyncio.Queue()
    core = DriverCore(DriverConfig(bootstrap_servers=bootstrap, central_host="127.0.0.1", central_port=port,
                                   data_dir=work / "driver", topic_prefix=prefix),
                      on_event=lambda ev: q.put_nowait(ev))
    for _ in range(60):
        try:
            await core.login("driver1", "pass123")
            break
        except Exception:  # noqa: BLE001
            await asyncio.sleep(0.5)
    core.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        rid = core.request_charge(cp_id(1))
        while True:
            ev = await asyncio.wait_for(q.get(), 60)
            if isinstance(ev, c.ChargeDenied) and ev.request_id == rid:
                await asyncio.sleep(0.5)
                break
            if isinstance(ev, c.SupplyStartedNotice):
                await core.close()
                return
    await core.close()
    raise TimeoutError("supply did not start")


def run_cp(broker: Broker | None, root: Path, quick: bool) -> BenchResult:
    seconds = 10.0 if quick else 30.0
    assert broker is not None
    prefix = f"bc{uuid.uuid4().hex[:6]}"
    ensure_topics(broker.bootstrap, Topics(prefix), 30)
    work = root / "cp"
    work.mkdir()
    db_path = work / "central.sqlite3"
    seed(db_path, 1, charging=False, drivers=2)
    port = free_port()
    central = start_central(broker.bootstrap, prefix, work, db_path, port)
    engine = monitor = None
    res = BenchResult("cp")
    try:
        # a long automatic supply once authorized, to measure the supplying state
        port_e = free_port()
        creds = write_credentials(work / "cp-credentials", [cp_id(1)])
        engine = Proc("engine-cp", ["-m", "cp_simulator.engine_cli", "--bootstrap-servers", broker.bootstrap,
                                    "--topic-prefix", prefix, "--data-dir", str(work / "engine"),
                                    "--listen", f"127.0.0.1:{port_e}", "--cp-id", cp_id(1), "--no-menu",
                                    "--log-level", "WARNING", "--auto", "--auto-plug-delay", "0",
                                    "--auto-duration", "3600", "--cp-credentials", str(creds)], work)
        monitor = Proc("monitor-cp", ["-m", "cp_simulator.monitor_cli", "--engine", f"127.0.0.1:{port_e}",
                                      "--central", f"127.0.0.1:{port}", "--cp-id", cp_id(1),
                                      "--cp-credentials", str(creds), "--log-level", "WARNING"], work)
        time.sleep(8.0)  # start-up (imports, Kafka clients, authentication) is not steady state
        idle_cpu, idle_rss = _measure([engine.pid, monitor.pid], seconds)
        asyncio.run(_start_supply(broker.bootstrap, prefix, port, work))
        time.sleep(2.0)
        sup_cpu, sup_rss = _measure([engine.pid, monitor.pid], seconds)
        e_cpu, e_rss = proc_cpu_rss(engine.pid)
        m_cpu, m_rss = proc_cpu_rss(monitor.pid)
    finally:
        for p in (monitor, engine, central):
            if p is not None:
                p.stop(signal.SIGINT, timeout=15.0)  # a graceful stop, like Ctrl+C
    res.rows += [Row("CP engine+monitor CPU, idle", idle_cpu, None, "%"),
                 Row("CP engine+monitor CPU, supplying", sup_cpu, None, "%"),
                 Row("CP engine+monitor RSS, idle", idle_rss / 2**20, None, "MiB"),
                 Row("CP engine+monitor RSS, supplying", sup_rss / 2**20, None, "MiB")]
    res.details = {"seconds": seconds, "engine_rss_mib": e_rss / 2**20, "monitor_rss_mib": m_rss / 2**20}
    return res
