"""Central's telemetry ingest, secure vs plain text (part 2 of :mod:`benchmarks.security_cost`).

Why a paused backlog and not an offered rate: at a rate Central keeps up with, both modes
process exactly what is offered (ratio 1 by construction). What security can cost is the rate
Central *can* sustain. So per round: Central is paused (SIGSTOP, a few seconds — well inside its
10 s group session, so no rebalance), a backlog of signed Telemetry (the generator's messages,
:func:`benchmarks.telemetry_gen.signed_telemetry`, built before the pause) is written to its
events topic, Central resumes (SIGCONT) and the rate is backlog / time until its consumer group
has committed all of it (the ingest benchmark's lag probe). Central's CPU seconds over the
drain, from /proc, give the CPU per event. Rounds alternate secure/plain in ABBA order.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from kafka import KafkaProducer

from ev_common.ports import free_port
from ev_common.kafka.security import kafka_kwargs
from benchmarks.common import Broker, Proc, proc_cpu_rss, wait_until
from benchmarks.ingest import LagProbe
from benchmarks.latency import start_central
from benchmarks.seed import cp_id, seed
from benchmarks.telemetry_gen import signed_telemetry

LONG_PAUSE_S = 8.0  # above this the pause risks a group rebalance (session timeout 10 s)


class IngestStack:
    """One Central on a DB of *cps* charging CPs, its topics, a backlog writer and a lag probe."""

    def __init__(self, mode, broker: Broker, work: Path, cps: int) -> None:
        from benchmarks.security_cost import make_topics

        work.mkdir(parents=True)
        self.mode, self.cps, self.seq = mode, cps, 0
        self.topics = make_topics(mode, broker, "i")
        db_path = work / "central.sqlite3"
        seed(db_path, cps, charging=True)
        self.central: Proc = start_central(mode.bootstrap, self.topics.prefix, work, db_path, free_port(),
                                           (*mode.central, "--monitor-timeout", "3600"),
                                           name="central-ingest")
        self.writer = KafkaProducer(bootstrap_servers=mode.bootstrap, acks=1, linger_ms=5,
                                    batch_size=64 * 1024, **kafka_kwargs(mode.writer_creds))
        self.probe = LagProbe(mode.bootstrap, f"{self.topics.prefix}.central", self.topics.cp_events,
                              credentials=mode.creds)

    def backlog(self, n: int) -> list[tuple[bytes, bytes]]:
        """*n* signed Telemetry, round-robin over the CPs, each CP's seq increasing."""
        out = []
        for j in range(n):
            i = j % self.cps
            if i == 0:
                self.seq += 1
            cp = cp_id(i + 1)
            out.append((cp.encode(), signed_telemetry(cp, self.seq)))
        return out

    def write(self, msgs: list[tuple[bytes, bytes]]) -> None:
        for key, value in msgs:
            self.writer.send(self.topics.cp_events, key=key, value=value)
        self.writer.flush(60)

    def ready(self, timeout: float = 180.0) -> float:
        """Seconds until Central has joined its group and committed a first small batch."""
        t0 = time.monotonic()
        self.write(self.backlog(min(10, self.cps)))
        end = self.probe.sample()[0]
        wait_until(lambda: self.probe.sample()[1] >= end, timeout, message=f"{self.mode.name} Central committed")
        return time.monotonic() - t0

    def round(self, n: int, timeout: float = 180.0) -> dict:
        msgs = self.backlog(n)
        end0, com0 = self.probe.sample()
        if com0 < end0:
            wait_until(lambda: self.probe.sample()[1] >= end0, 60, message="caught up before the round")
            com0 = end0
        pid = self.central.pid
        cpu0 = proc_cpu_rss(pid)[0]
        t_pause = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        try:
            self.write(msgs)
            end1 = self.probe.sample()[0]
        finally:
            t0 = time.perf_counter()
            os.kill(pid, signal.SIGCONT)
        paused = time.monotonic() - t_pause
        wait_until(lambda: self.probe.sample()[1] >= end1, timeout, message=f"{self.mode.name} Central drained",
                   interval=0.05)
        dt = time.perf_counter() - t0
        cpu1 = proc_cpu_rss(pid)[0]
        events = end1 - com0
        return {"events": events, "drain_s": dt, "rate": events / dt, "paused_s": paused,
                "cpu_s": cpu1 - cpu0, "cpu_per_event": (cpu1 - cpu0) / events,
                "pause_risked_rebalance": paused > LONG_PAUSE_S}

    def close(self) -> None:
        for closer in (lambda: self.writer.close(5), self.probe.close):
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing after a failure
                pass
        self.central.stop(signal.SIGINT, timeout=15.0)  # a graceful stop, like Ctrl+C


def measure_ingest(pair, broker: Broker, work: Path, quick: bool) -> dict:
    from benchmarks.security_cost import abba

    cps = 2000 if quick else 5000
    backlog = 20_000 if quick else 50_000
    rounds = 2 if quick else 4
    stacks: list[IngestStack] = []
    out: dict = {m.name: {"rate": [], "cpu_per_event": [], "rounds": []} for m in pair}
    out["cps"], out["backlog_events"] = cps, backlog
    try:
        for m in pair:
            stacks.append(IngestStack(m, broker, work / m.name, cps))
        for st in stacks:
            out[st.mode.name]["central_ready_s"] = st.ready()
        for order in abba(rounds):
            for i in order:
                r = stacks[i].round(backlog)
                name = pair[i].name
                out[name]["rounds"].append(r)
                out[name]["rate"].append(r["rate"])
                out[name]["cpu_per_event"].append(r["cpu_per_event"])
                print(f"    ingest {name:>6}: {r['events']:,} events in {r['drain_s']:.2f}s = "
                      f"{r['rate']:,.0f} ev/s, CPU {r['cpu_per_event'] * 1e6:.0f} µs/ev "
                      f"(paused {r['paused_s']:.1f}s)", flush=True)
        for st in stacks:
            out[st.mode.name]["central_alive_at_end"] = st.central.alive()
    finally:
        for st in stacks:
            st.close()
    return out
