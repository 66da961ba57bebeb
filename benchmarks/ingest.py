"""Central ingest: telemetry events/s processed (and persisted) as the number of CPs at 1 Hz
grows, with Central's consumer-group lag sampled every second; baseline: a bare kafka-python
consumer's events/s on the same topic, same broker, same run.

Central runs as a real process (``python -m central_service.cli``) on a database seeded with
every CP *charging* (so each Telemetry is applied: SupplyProgress + CpState out, live values
flushed to the DB once a second). Lag in seconds = messages behind / offered rate.
"""
from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from ev_common.kafka.security import KafkaCredentials, kafka_kwargs
from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.topics import Topics
from benchmarks.common import BenchResult, Broker, Proc, Row, Sampler, wait_until
from benchmarks.seed import seed


class LagProbe:
    def __init__(self, bootstrap: str, group: str, topic: str,
                 credentials: KafkaCredentials | None = None) -> None:
        self.group, self.topic = group, topic
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-lag",
                                      **kafka_kwargs(credentials))
        self.cons = KafkaConsumer(bootstrap_servers=bootstrap, client_id="bench-lag-ends",
                                  **kafka_kwargs(credentials))
        parts = wait_until(lambda: self.cons.partitions_for_topic(topic), 30, message="topic metadata")
        self.tps = [TopicPartition(topic, p) for p in sorted(parts)]
        self.lock = threading.Lock()  # the clients are not thread-safe

    def sample(self) -> tuple[int, int]:
        """(end offset sum, committed offset sum) of Central's group on the topic."""
        with self.lock:
            return self._sample()

    def _sample(self) -> tuple[int, int]:
        ends = self.cons.end_offsets(self.tps)
        committed = self.admin.list_group_offsets(self.group)
        committed = committed.get(self.group, committed)  # kafka-python 3: {group: {tp: om}}
        com = sum(committed[tp].offset for tp in self.tps if tp in committed and committed[tp].offset >= 0)
        return sum(ends.values()), com

    def close(self) -> None:
        self.admin.close()
        self.cons.close()


def bare_consume(bootstrap: str, topic: str, total: int, timeout: float = 120) -> float:
    """events/s of a bare consumer reading *total* messages of *topic* from the beginning."""
    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                         auto_offset_reset="earliest", max_poll_records=500, **kafka_kwargs())
    parts = wait_until(lambda: cons.partitions_for_topic(topic), 30, message="topic metadata")
    tps = [TopicPartition(topic, p) for p in sorted(parts)]
    cons.assign(tps)
    cons.seek_to_beginning(*tps)
    got = 0
    t0 = None
    deadline = time.monotonic() + timeout
    while got < total and time.monotonic() < deadline:
        for recs in cons.poll(timeout_ms=500, max_records=500).values():
            if t0 is None:
                t0 = time.perf_counter()
            got += len(recs)
    dt = time.perf_counter() - (t0 or time.perf_counter())
    cons.close(autocommit=False)
    return got / dt if dt > 0 else float("nan")


def _persisted(db_path: Path, n: int, seq: int) -> int:
    """CPs among the first *n* whose DB row holds telemetry seq >= *seq*."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT COUNT(*) FROM supplies WHERE status='charging' AND telemetry_seq >= ? "
                           "AND cp_id <= ?", (seq, f"CP{n:05d}")).fetchone()[0]
    finally:
        con.close()


def run_ingest(broker: Broker, root: Path, quick: bool) -> BenchResult:
    levels = [100, 1000, 5000] if quick else [100, 1000, 5000, 10000]
    duration = 12.0 if quick else 30.0
    drain_max = 20.0 if quick else 45.0
    prefix = f"bi{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    ensure_topics(broker.bootstrap, topics, 30)
    work = root / "ingest"
    work.mkdir()
    db_path = work / "central.sqlite3"
    seed(db_path, max(levels), charging=True)
    central = Proc("central-ingest", ["-m", "central_service.cli", "--port", str(free_port()),
                                      "--host", "127.0.0.1", "--db", f"sqlite:///{db_path}",
                                      "--bootstrap-servers", broker.bootstrap, "--topic-prefix", prefix,
                                      "--data-dir", str(work / "data"), "--log-level", "INFO",
                                      "--monitor-timeout", "3600"], work)
    res = BenchResult("ingest")
    levels_out = []
    probe = None
    total_sent = 0
    try:
        probe = LagProbe(broker.bootstrap, f"{prefix}.central", topics.cp_events)
        # Central is ready when it has joined the group and committed something: send a probe
        # tick for CP00001 and wait for the commit.
        gen = Proc("gen-warmup", ["-m", "benchmarks.telemetry_gen", broker.bootstrap, topics.cp_events,
                                  "--count", "10", "--duration", "1", "--seq0", "0"], work)
        gen.popen.wait(60)
        total_sent += int(re.search(r"sent=(\d+)", gen.output()).group(1))
        t0 = time.monotonic()
        wait_until(lambda: probe.sample()[1] >= total_sent, 180, message="Central started and committed")
        res.details["central_ready_s"] = time.monotonic() - t0
        seq0 = 10
        for n in levels:
            sampler = Sampler(probe.sample, 1.0)
            sampler.start()
            t_start = time.monotonic()
            gen = Proc(f"gen-{n}", ["-m", "benchmarks.telemetry_gen", broker.bootstrap, topics.cp_events,
                                    "--count", str(n), "--duration", str(duration), "--seq0", str(seq0)], work)
            gen.popen.wait(duration + 120)
            t_gen_end = time.monotonic()
            m = re.search(r"sent=(\d+) seconds=([\d.]+) last_seq=(\d+)", gen.output())
            if not m:
                raise RuntimeError(f"generator failed: {gen.output()[-1500:]}")
            sent, gen_s, last_seq = int(m.group(1)), float(m.group(2)), int(m.group(3))
            total_sent += sent
            target_end = total_sent
            try:
                wait_until(lambda: probe.sample()[1] >= target_end, drain_max, message="drain", interval=0.25)
                drained = True
            except TimeoutError:
                drained = False
            t_drained = time.monotonic()
            sampler.stop()
            seq0 = last_seq + 1
            samples = [(t - t_start, e, c_) for t, v in sampler.samples if not isinstance(v, Exception)
                       for e, c_ in [v]]
            offered = sent / gen_s
            lag_msgs = [e - c_ for _, e, c_ in samples]
            lag_s = [lm / (n * 1.0) for lm in lag_msgs]  # N CPs at 1 Hz = N msgs/s
            in_window = [(t, c_) for t, _, c_ in samples if t <= (t_gen_end - t_start)]
            if len(in_window) >= 2:
                processed_rate = (in_window[-1][1] - in_window[0][1]) / max(1e-6, in_window[-1][0] - in_window[0][0])
            else:
                processed_rate = float("nan")
            # whole-level rate: everything sent, processed by t_drained
            overall_rate = sent / (t_drained - t_start) if drained else float("nan")
            time.sleep(1.5)  # live values are flushed once a second
            try:
                persisted = _persisted(db_path, n, last_seq)
            except sqlite3.Error as exc:
                persisted = f"error {exc}"
            lvl = {"cps": n, "sent": sent, "offered_ev_s": offered, "processed_ev_s_in_window": processed_rate,
                   "processed_ev_s_overall": overall_rate, "drained": drained,
                   "drain_after_gen_s": t_drained - t_gen_end, "max_lag_s": max(lag_s, default=float("nan")),
                   "final_lag_msgs": lag_msgs[-1] if lag_msgs else None, "persisted_cps": persisted,
                   "lag_series_s": [(round(t, 1), round(ls, 3)) for (t, _, _), ls in zip(samples, lag_s)]}
            levels_out.append(lvl)
            print(f"    {n:>6} CPs: offered {offered:,.0f}/s processed {processed_rate:,.0f}/s "
                  f"max lag {lvl['max_lag_s']:.2f}s drained={drained} persisted={persisted}", flush=True)
            if not drained:
                break  # Central cannot keep up: higher levels would only pile up more
        central_alive = central.alive()
        base_rate = bare_consume(broker.bootstrap, topics.cp_events, total_sent)
    finally:
        if probe is not None:
            probe.close()
        central.stop(signal.SIGINT, timeout=15.0)  # a graceful stop, like Ctrl+C
    ok_levels = [lv for lv in levels_out if lv["drained"] and lv["max_lag_s"] < 2.0]
    best = max(ok_levels, key=lambda lv: lv["cps"], default=None)
    peak = max((lv["processed_ev_s_overall"] for lv in levels_out if lv["processed_ev_s_overall"] == lv["processed_ev_s_overall"]),
               default=float("nan"))
    peak_window = max((lv["processed_ev_s_in_window"] for lv in levels_out), default=float("nan"))
    res.rows.append(Row("Central ingest, peak telemetry processed", max(peak, peak_window), base_rate,
                        "ev/s", higher_is_better=True))
    res.rows.append(Row("Central: most CPs @1 Hz kept with lag < 2 s", float(best["cps"]) if best else 0.0,
                        None, "CPs", target="≥ 5,000", met=bool(best and best["cps"] >= 5000),
                        higher_is_better=True))
    for lv in levels_out:
        res.rows.append(Row(f"Central max lag @ {lv['cps']:,} CPs", lv["max_lag_s"], None, "s",
                            target="< 2 s", met=lv["drained"] and lv["max_lag_s"] < 2.0))
    res.details |= {"levels": levels_out, "duration_s": duration, "bare_consumer_ev_s": base_rate,
                   "central_alive_at_end": central_alive, "central_log_tail": central.output()[-3000:]}
    return res
