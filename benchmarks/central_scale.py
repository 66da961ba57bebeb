"""Central scale-out: telemetry ingest with 1 vs 2 ``ev-central --scale-out`` instances on one
PostgreSQL, same run, same broker, same backlog; CPU of every process.

Each configuration gets fresh topics (no backlog from the other) and real Central processes in
one consumer group; the database is seeded with every CP *charging* so each Telemetry is
applied (live values, SupplyProgress + CpState out, flushed to PostgreSQL once a second). Once
the group is stable the instances are paused (SIGSTOP; their Kafka group session and leases are
set long enough to ride it out), the generator writes N CPs at H Hz for D s, and the figure is
the rate the resumed group drains that backlog at (backlog / time from SIGCONT until its
committed offsets reach the end), plus the decision lock's figures from the instances'
heartbeats. Why a backlog and not a live stream: on 2 cores a live generator competes with the
Centrals for the CPU, so the figure would measure the generator (it did: the first quick runs
processed 94 % of what it managed to offer). On a 2-core machine the broker, PostgreSQL and the
Centrals still share the cores: the CPU picture says what the ratio is bounded by.

``python -m benchmarks --only central_scale [--quick]``
"""
from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from ev_common import contract as c
from ev_common.kafka.admin import ensure_topics
from ev_common.kafka.security import kafka_kwargs
from ev_common.ports import free_port
from ev_common.topics import Topics
from benchmarks.common import BenchResult, Broker, Proc, Row, proc_cpu_rss, wait_until
from benchmarks.ingest import LagProbe
from benchmarks.seed import CP_KEY, cp_id


@contextlib.contextmanager
def _postgres(root: Path) -> Iterator[tuple[str, Path]]:
    """A throwaway PostgreSQL cluster (Debian's packages), as the tests start one: (url, data dir)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not installed (Debian: apt-get install postgresql)")
    bindir = os.path.dirname(found[-1])
    base = Path(tempfile.mkdtemp(prefix="ev-pg-bench-"))  # not under root: the postgres user must reach it
    os.chmod(base, 0o755)
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(base, "postgres")
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    port = free_port()
    data = base / "data"
    subprocess.run(prefix + [f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", user, "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", str(data), "-l", str(base / "pg.log"), "-w", "-t", "60",
                             "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}/postgres", data
    finally:
        subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _seed(url: str, cps: int) -> None:
    """*cps* CPs, each with a charging supply ``s-<cp>`` (what benchmarks.seed does for SQLite)."""
    from central_service import db
    from central_service.tokens import hash_secret
    db.connect(url)
    key_hash, now = hash_secret(CP_KEY), time.time()
    with db.database.atomic():
        db.Driver.insert_many([{"id": f"driver{i}", "password_hash": key_hash}
                               for i in range(1, cps + 1)]).on_conflict_ignore().execute()
        rows = [{"id": cp_id(i), "location": f"Bench {i}", "price_eur_kwh": 0.35, "max_kw": 22.0,
                 "key_hash": key_hash, "mac_key": CP_KEY} for i in range(1, cps + 1)]
        sup = [{"id": f"s-{cp_id(i)}", "driver_id": f"driver{i}", "cp_id": cp_id(i), "status": "charging",
                "created_at": now, "started_at": now, "price_eur_kwh": 0.35} for i in range(1, cps + 1)]
        for k in range(0, cps, 500):
            db.ChargePointRow.insert_many(rows[k:k + 500]).on_conflict_ignore().execute()
            db.Supply.insert_many(sup[k:k + 500]).on_conflict_ignore().execute()
    db.close()


def _postgres_pids(data: Path) -> list[int]:
    """The postmaster and its children (every backend) now."""
    master = int((data / "postmaster.pid").read_text().split()[0])
    pids = [master]
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(stat.split("/")[2]))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _cpu(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            out[pid] = proc_cpu_rss(pid)[0]
    return out


class Heartbeats:
    """The instances' latest CentralHeartbeat (partitions served, decision-lock counters)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                  consumer_timeout_ms=200, **kafka_kwargs())
        parts = wait_until(lambda: self.cons.partitions_for_topic(topic), 30, message="heartbeat topic")
        tps = [TopicPartition(topic, p) for p in parts]
        self.cons.assign(tps)
        self.cons.seek_to_beginning(*tps)
        self.latest: dict[str, c.CentralHeartbeat] = {}

    def poll(self) -> dict[str, c.CentralHeartbeat]:
        """Everything published so far (polls until the topic has nothing more)."""
        while True:
            got = self.cons.poll(timeout_ms=300)
            if not got:
                return self.latest
            for batch in got.values():
                for rec in batch:
                    body = c.decode(rec.value).body
                    if isinstance(body, c.CentralHeartbeat):
                        self.latest[body.instance] = body

    def fresh(self, names: list[str]) -> dict[str, c.CentralHeartbeat]:
        """The next heartbeat of every instance in *names* (counters as of now)."""
        old = {k: v.started_at and id(v) for k, v in self.poll().items()}
        return wait_until(lambda: (lambda b: b if all(n in b and id(b[n]) != old.get(n) for n in names) else None)(
            self.poll()), 30, interval=0.2, message="fresh heartbeats")

    def close(self) -> None:
        self.cons.close()


def _one_config(broker: Broker, work: Path, url: str, pg_data: Path, instances: int, n: int, hz: float,
                duration: float, seq0: int) -> tuple[dict, int]:
    prefix = f"bs{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    ensure_topics(broker.bootstrap, topics, 30)
    names = [f"scale{instances}-{k}" for k in range(1, instances + 1)]
    centrals = [Proc(name, ["-m", "central_service.cli", "--port", str(free_port()), "--host", "127.0.0.1",
                            "--db", url, "--bootstrap-servers", broker.bootstrap, "--topic-prefix", prefix,
                            "--data-dir", str(work / name), "--log-level", "INFO", "--monitor-timeout", "3600",
                            "--scale-out", "--instance-id", name, "--token-secret-file", str(work / "secret"),
                            # paused while the backlog is written: neither Kafka nor the other
                            # instance may take it for dead meanwhile
                            "--group-session-timeout", "120", "--lease-length", "120"],
                     work) for name in names]
    probe = hb = None
    try:
        for p in centrals:
            p.wait_output("Central ready", 120)
        probe = LagProbe(broker.bootstrap, f"{prefix}.central", topics.cp_events)
        hb = Heartbeats(broker.bootstrap, topics.central_heartbeat)
        # the group is stable when every instance's heartbeat lists CP-event partitions and
        # together they cover all of them
        wait_until(lambda: (lambda b: len(b) == instances and all(b[x].partitions.get(topics.cp_events) for x in b)
                            and sum(len(b[x].partitions.get(topics.cp_events, [])) for x in b) == 6)(hb.poll()),
                   120, interval=0.5, message="every instance assigned CP-event partitions")
        before = hb.fresh(names)
        lock0 = {k: dict(v.counters) for k, v in before.items()}
        for p in centrals:
            os.kill(p.pid, signal.SIGSTOP)
        gen = Proc(f"gen-{instances}", ["-m", "benchmarks.telemetry_gen", broker.bootstrap, topics.cp_events,
                                        "--count", str(n), "--hz", str(hz), "--duration", str(duration),
                                        "--seq0", str(seq0)], work)
        gen.popen.wait(duration + 180)
        m = re.search(r"sent=(\d+) seconds=([\d.]+) last_seq=(\d+)", gen.output())
        if not m:
            raise RuntimeError(f"generator failed: {gen.output()[-1500:]}")
        sent, gen_s, last_seq = int(m.group(1)), float(m.group(2)), int(m.group(3))
        end0 = probe.sample()[0]
        cpu0 = _cpu([p.pid for p in centrals] + _postgres_pids(pg_data))
        t0 = time.monotonic()
        for p in centrals:
            os.kill(p.pid, signal.SIGCONT)
        wait_until(lambda: probe.sample()[1] >= end0, 240, interval=0.25, message="drained")
        elapsed = time.monotonic() - t0
        cpu1 = _cpu([p.pid for p in centrals] + _postgres_pids(pg_data))
        after = hb.fresh(names)
        lock = {}
        for name in names:
            c1, c0 = dict(after[name].counters), lock0.get(name, {})
            d = {k: c1.get(k, 0) - c0.get(k, 0) for k in ("scale_decisions", "scale_lock_wait_us", "scale_lock_held_us",
                                                          "scale_cps_reloaded")}
            d["held_ms_per_decision"] = d["scale_lock_held_us"] / 1000 / max(1, d["scale_decisions"])
            d["wait_ms_per_decision"] = d["scale_lock_wait_us"] / 1000 / max(1, d["scale_decisions"])
            lock[name] = d
        cpu = {name: (cpu1.get(p.pid, 0.0) - cpu0.get(p.pid, 0.0)) / elapsed for name, p in zip(names, centrals)}
        cpu["postgresql (all backends)"] = sum(cpu1.get(pid, 0.0) - cpu0.get(pid, 0.0) for pid in cpu1
                                                if pid not in {p.pid for p in centrals}) / elapsed
        central_cpu_s = sum(cpu[name] for name in names) * elapsed
        out = {"instances": instances, "cps": n, "hz": hz, "sent": sent, "offered_ev_s": sent / gen_s,
               "processed_ev_s": sent / elapsed, "drain_s": elapsed, "cpu_cores": cpu,
               "central_cpu_ms_per_1000_ev": central_cpu_s * 1e6 / sent,
               "decision_lock": lock,
               "alive": all(p.alive() for p in centrals)}
        print(f"    {instances} instance(s): backlog written at {out['offered_ev_s']:,.0f} ev/s, drained at "
              f"{out['processed_ev_s']:,.0f} ev/s, Central CPU {out['central_cpu_ms_per_1000_ev']:.0f} ms per "
              f"1,000 ev; lock held/decision " + ", ".join(f"{k} {v['held_ms_per_decision']:.1f} ms"
                                                            for k, v in lock.items()) + "; CPU (cores) " +
              ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()), flush=True)
        return out, last_seq + 1
    finally:
        for obj in (probe, hb):
            if obj is not None:
                obj.close()
        for p in centrals:
            with contextlib.suppress(OSError):
                os.kill(p.pid, signal.SIGCONT)   # a failure while paused must not leave it stopped
            p.stop(signal.SIGINT, timeout=15.0)


def run_central_scale(broker: Broker, root: Path, quick: bool) -> BenchResult:
    n, hz = (2000, 4.0) if quick else (4000, 4.0)
    duration = 10.0 if quick else 30.0
    work = root / "central_scale"
    work.mkdir()
    (work / "secret").write_text(uuid.uuid4().hex * 2)
    os.chmod(work / "secret", 0o600)
    res = BenchResult("central_scale")
    with _postgres(root) as (url, pg_data):
        _seed(url, n)
        # A-B-A: the single instance runs before and after the pair, so a warm-up or drift of
        # the machine (page cache, PostgreSQL's buffers) cannot favour either side
        one, seq0 = _one_config(broker, work, url, pg_data, 1, n, hz, duration, seq0=10)
        two, seq0 = _one_config(broker, work, url, pg_data, 2, n, hz, duration, seq0=seq0)
        one_again, _ = _one_config(broker, work, url, pg_data, 1, n, hz, duration, seq0=seq0)
    one_rate = (one["processed_ev_s"] + one_again["processed_ev_s"]) / 2
    ratio = two["processed_ev_s"] / one_rate
    res.rows.append(Row("Central scale-out ingest, 2 instances vs 1 (PostgreSQL; 1 = mean of the runs before "
                        "and after)", two["processed_ev_s"], one_rate, "ev/s", higher_is_better=True))
    for cfg in (one, two):
        for name, v in cfg["decision_lock"].items():
            res.rows.append(Row(f"decision lock held per decision ({name})", v["held_ms_per_decision"], None, "ms"))
    res.details |= {"one": one, "two": two, "one_again": one_again, "ratio_2_vs_1": ratio, "duration_s": duration,
                    "cores": os.cpu_count(), "load_avg": os.getloadavg()}
    return res
