"""Dashboard update round: 2,000 CPs change at once; time on the Qt thread of
``CpGridModel.apply`` + ``flush`` + the view's repaint (offscreen), and the memory it takes.
Baseline: an empty event-loop tick (a 0 ms timer round trip) in the same process.

Runs in a child process (``python -m benchmarks.dashboard``, JSON on stdout) so the memory
figure is the dashboard's, not the benchmark runner's.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchmarks.common import REPO, BenchResult, Row, summary

STATES = ("available", "charging", "reserved", "faulted", "out_of_order", "disconnected")


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(n: int, rounds: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ev_common.contract import CpState
    from ev_desktop.models.cp_grid import CpGridModel
    from ev_desktop.models.event_log import EventLogModel
    from ev_desktop.views.operator_dashboard import OperatorDashboard

    app = QApplication.instance() or QApplication([])
    rss0 = _rss()
    grid = CpGridModel(flush_ms=150)
    dash = OperatorDashboard(grid, EventLogModel())
    dash.resize(1600, 1000)
    dash.show()
    app.processEvents()

    def states(r: int) -> list[CpState]:
        return [CpState(cp_id=f"CP{i:05d}", location=f"Loc {i % 50}", price_eur_kwh=0.35, max_kw=22.0,
                        state=STATES[(i + r) % len(STATES)], driver_id=f"driver{i % 40}",
                        session_id=f"s-{i}-{r}", kw=7.0 + r % 5, kwh=r * 0.1, eur=r * 0.035,
                        last_seen=time.time()) for i in range(1, n + 1)]

    grid.apply(states(0))  # initial fill (bulk insert / model reset)
    grid.flush()
    dash.view.viewport().repaint()
    app.processEvents()
    rss_filled = _rss()

    def tick() -> float:
        loop = QEventLoop()
        t0 = time.perf_counter()
        QTimer.singleShot(0, loop.quit)
        loop.exec()
        return time.perf_counter() - t0

    rounds_s, flush_s, paint_s = [], [], []
    base = [tick() for _ in range(20)]
    base.clear()
    for r in range(1, rounds + 1):
        batch = states(r)  # built off the clock: the consumer thread decodes these
        base.append(tick())
        t0 = time.perf_counter()
        grid.apply(batch)
        grid.flush()
        t1 = time.perf_counter()
        dash.view.viewport().repaint()  # synchronous paint of the visible tiles
        app.processEvents()             # layout + queued signals (counts bar)
        t2 = time.perf_counter()
        rounds_s.append(t2 - t0)
        flush_s.append(t1 - t0)
        paint_s.append(t2 - t1)
    return {"cps": n, "rounds": rounds, "round_s": rounds_s, "flush_s": flush_s, "paint_s": paint_s,
            "empty_tick_s": base, "rss_before_bytes": rss0, "rss_filled_bytes": rss_filled,
            "rss_end_bytes": _rss(), "visible_rows": grid.rowCount()}


def run_dashboard(quick: bool) -> BenchResult:
    n, rounds = 2000, (20 if quick else 60)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "benchmarks.dashboard", str(n), str(rounds)], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"dashboard child failed: {out.stderr[-2000:]}")
    d = json.loads(out.stdout.strip().splitlines()[-1])
    r, b = summary(d["round_s"]), summary(d["empty_tick_s"])
    res = BenchResult("dashboard")
    res.rows += [
        Row(f"dashboard update round, {n} CPs changing p50", r["p50"] * 1000, b["p50"] * 1000, "ms",
            target="< 16 ms", met=r["p50"] < 0.016),
        Row(f"dashboard update round, {n} CPs changing p99", r["p99"] * 1000, b["p99"] * 1000, "ms",
            target="< 16 ms", met=r["p99"] < 0.016),
        Row(f"dashboard memory for {n} CPs (RSS growth, model+view)",
            (d["rss_filled_bytes"] - d["rss_before_bytes"]) / 2**20, None, "MiB"),
    ]
    res.details = d | {"round": r, "empty_tick": b, "flush": summary(d["flush_s"]),
                       "paint": summary(d["paint_s"])}
    return res


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), int(sys.argv[2]))))
