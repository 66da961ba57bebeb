"""Producer benchmarks: outbox throughput and heal time after a broker restart.

* ``outbox``: events/s through :class:`ReliableProducer` (durable SQLite outbox: every event
  on disk before the sending call returns) from the first send to the last acknowledgement,
  against the same events sent by a bare ``KafkaProducer`` (acks=all, idempotent) and
  flushed. Three ways of sending: :data:`LOOP_SENDERS` coroutines on one asyncio loop, each
  awaiting :meth:`LoopSender.send` of its next event (the events of one loop turn share one
  outbox transaction: how the product's loops send — the OCPP gateway's chargers); one thread
  calling ``send()`` in a loop (each call pays a whole fsync); and :data:`WRITERS` threads
  calling ``send()`` concurrently (the outbox's own group commit shares an fsync among the
  calls that arrive while one runs) — with the time each send took (the latency the outbox
  adds before the caller may go on) and the CPU per event by thread.
* ``heal``: the broker is killed, events are queued while it is down, the broker restarts;
  heal time = broker ready (``LocalBroker.start`` returned) → outbox empty (every queued event
  acknowledged). Baseline: the broker's own start-up time in the same run.
"""
from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaProducer

from ev_common.kafka.security import kafka_kwargs
from ev_common import contract as c
from ev_common.kafka.loop_sender import LoopSender
from ev_common.kafka.producer import ReliableProducer
from benchmarks.common import BenchResult, Broker, Row, summary, wait_until


def _events(n: int) -> list[c.Envelope]:
    return [c.envelope(c.Telemetry(cp_id=f"CP{i % 1000:04d}", session_id="s-bench", seq=i,
                                   kw=7.2, kwh=i / 1000, eur=i / 3000), source="bench")
            for i in range(n)]


def _bare(bootstrap: str, topic: str, envs: list[c.Envelope]) -> float:
    kp = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                       linger_ms=2, **kafka_kwargs())
    kp.send(topic, b"warm-up").get(30)
    t0 = time.perf_counter()
    for env in envs:
        kp.send(topic, key=env.key.encode(), value=c.encode(env))
    kp.flush(60)
    dt = time.perf_counter() - t0
    kp.close(5)
    return dt


WRITERS = 32


def _thread_cpu(native_id: int | None) -> float:
    """CPU seconds (user + system) of one thread of this process, from /proc (0 if unknown)."""
    try:
        with open(f"/proc/self/task/{native_id}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _reliable_concurrent(bootstrap: str, topic: str, envs: list[c.Envelope], outbox: Path,
                         writers: int = WRITERS) -> tuple[float, list[float], dict[str, float]]:
    """(seconds until every event is acknowledged, each send() call's duration, CPU µs per
    event by thread: the writers inside send(), the delivery worker, the Kafka client's
    network thread, the rest of the process): *writers* threads send their share of *envs*
    concurrently. The CPU split is where issue 14's outbox profile notes come from."""
    p = ReliableProducer(bootstrap, outbox, client_id=f"bench-{uuid.uuid4().hex[:6]}")
    p.send_raw(topic, b"w", b"warm-up")
    assert p.flush(30), "warm-up not delivered"
    shares = [envs[i::writers] for i in range(writers)]
    calls: list[list[float]] = [[] for _ in range(writers)]
    send_cpu = [0.0] * writers
    go = threading.Event()

    def writer(k: int) -> None:
        go.wait()
        out = calls[k]
        c0 = time.thread_time()
        for env in shares[k]:
            t = time.perf_counter()
            p.send(topic, env)
            out.append(time.perf_counter() - t)
        send_cpu[k] = time.thread_time() - c0
    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    others = [t for t in threading.enumerate() if t not in threads]

    def run() -> None:
        go.set()
        for t in threads:
            t.join()
    dt, cpu = _until_delivered(p, others, run)
    return dt, [x for xs in calls for x in xs], _cpu_per_event(
        {"writers_in_send": sum(send_cpu)}, cpu, len(envs), rest="rest_of_process")


def _until_delivered(p: ReliableProducer, others: list[threading.Thread],
                     run: Callable[[], None]) -> tuple[float, dict[str, float]]:
    """Run *run* (the sends), then wait until *p* delivered everything and close it. Returns
    (seconds from the start to the last acknowledgement, CPU seconds of the process and of the
    delivery worker and Kafka network threads among *others*)."""
    before = {t.native_id: _thread_cpu(t.native_id) for t in others}
    proc0 = time.process_time()
    t0 = time.perf_counter()
    run()
    ok = p.flush(300)
    dt = time.perf_counter() - t0
    cpu = {"process_total": time.process_time() - proc0, "delivery_worker": 0.0, "kafka_network_thread": 0.0}
    for t in others:
        key = "delivery_worker" if t.name.endswith("-producer") else \
            "kafka_network_thread" if "network" in t.name else None
        if key is not None:
            cpu[key] += _thread_cpu(t.native_id) - before[t.native_id]
    p.close()
    if not ok:
        raise RuntimeError("ReliableProducer did not drain its outbox within 300 s")
    return dt, cpu


def _cpu_per_event(callers: dict[str, float], cpu: dict[str, float], n: int, rest: str) -> dict[str, float]:
    """CPU µs per event: *callers*' own, then *cpu*'s (:func:`_until_delivered`), the rest of
    the process as *rest*."""
    out = {**callers, "delivery_worker": cpu["delivery_worker"], "kafka_network_thread": cpu["kafka_network_thread"]}
    out[rest] = max(0.0, cpu["process_total"] - sum(out.values()))
    out["process_total"] = cpu["process_total"]
    return {k: round(v / n * 1e6, 1) for k, v in out.items()}


# Coroutines awaiting a durable send each, on one loop: the target row (issue 14) and one with
# as many senders as the threads row, for comparison
LOOP_SENDERS = (128, WRITERS)


def _reliable_loop(bootstrap: str, topic: str, envs: list[c.Envelope], outbox: Path,
                   senders: int) -> tuple[float, list[float], dict[str, float]]:
    """(seconds until every event is acknowledged, each ``await send()``'s duration, CPU µs per
    event by thread): *senders* coroutines on one asyncio loop send their share of *envs*, each
    awaiting :meth:`LoopSender.send` — its event durable — before sending the next."""
    p = ReliableProducer(bootstrap, outbox, client_id=f"bench-{uuid.uuid4().hex[:6]}")
    p.send_raw(topic, b"w", b"warm-up")
    assert p.flush(30), "warm-up not delivered"
    sender = LoopSender(p)
    shares = [envs[i::senders] for i in range(senders)]
    calls: list[float] = []

    async def one(share: list[c.Envelope]) -> None:
        for env in share:
            t = time.perf_counter()
            await sender.send(topic, env)
            calls.append(time.perf_counter() - t)

    async def all_senders() -> None:
        await asyncio.gather(*(one(share) for share in shares))
        await sender.close()
    loop_cpu = [0.0]

    def run() -> None:
        c0 = time.thread_time()
        asyncio.run(all_senders())
        loop_cpu[0] = time.thread_time() - c0
    dt, cpu = _until_delivered(p, list(threading.enumerate()), run)
    # the rest is mostly the worker thread writing each group (send_many: encode, INSERT, COMMIT)
    return dt, calls, _cpu_per_event({"loop": loop_cpu[0]}, cpu, len(envs), rest="outbox_writes_and_rest")


def _bare_cpu(bootstrap: str, topic: str, envs: list[c.Envelope]) -> tuple[float, float]:
    """(seconds, process CPU µs per event) of :func:`_bare`."""
    c0 = time.process_time()
    dt = _bare(bootstrap, topic, envs)
    return dt, (time.process_time() - c0) / len(envs) * 1e6


def _reliable(bootstrap: str, topic: str, envs: list[c.Envelope], outbox: Path) -> tuple[float, float]:
    """(seconds until every event is acknowledged, seconds spent inside send() calls)."""
    p = ReliableProducer(bootstrap, outbox, client_id=f"bench-{uuid.uuid4().hex[:6]}")
    p.send_raw(topic, b"w", b"warm-up")
    assert p.flush(30), "warm-up not delivered"
    t0 = time.perf_counter()
    for env in envs:
        p.send(topic, env)
    t_sent = time.perf_counter() - t0
    ok = p.flush(300)
    dt = time.perf_counter() - t0
    p.close()
    if not ok:
        raise RuntimeError("ReliableProducer did not drain its outbox within 300 s")
    return dt, t_sent


def run_outbox(broker: Broker, root: Path, quick: bool) -> BenchResult:
    n = 3000 if quick else 10000
    envs = _events(n)
    topic = f"bench.outbox.{uuid.uuid4().hex[:6]}"
    res = BenchResult("outbox")
    # interleave, best of 2 each, so a noisy neighbour hits both alike
    bare, ours, send_only, conc, calls, cpu, bare_cpu = [], [], [], [], [], [], []
    loop_s: dict[int, list[float]] = {k: [] for k in LOOP_SENDERS}
    loop_calls: dict[int, list[float]] = {k: [] for k in LOOP_SENDERS}
    loop_cpu: dict[int, list[dict[str, float]]] = {k: [] for k in LOOP_SENDERS}
    for i in range(1 if quick else 2):
        dt, bare_us = _bare_cpu(broker.bootstrap, topic, envs)
        bare.append(dt)
        bare_cpu.append(round(bare_us, 1))
        for k in LOOP_SENDERS:
            dt, call_s, cpu_us = _reliable_loop(broker.bootstrap, topic, envs, root / f"outbox-l{k}-{i}.sqlite3", k)
            loop_s[k].append(dt)
            loop_calls[k] += call_s
            loop_cpu[k].append(cpu_us)
        dt, call_s, cpu_us = _reliable_concurrent(broker.bootstrap, topic, envs, root / f"outbox-c{i}.sqlite3")
        conc.append(dt)
        calls += call_s
        cpu.append(cpu_us)
        dt, ts = _reliable(broker.bootstrap, topic, envs, root / f"outbox-{i}.sqlite3")
        ours.append(dt)
        send_only.append(ts)
    bare_rate, our_rate, conc_rate = n / min(bare), n / min(ours), n / min(conc)
    cs = summary(calls)
    target_k = LOOP_SENDERS[0]
    for k in LOOP_SENDERS:
        rate = n / min(loop_s[k])
        target = k == target_k
        res.rows.append(Row(f"outbox throughput, {k} coroutines awaiting a durable send each (LoopSender)",
                            rate, bare_rate, "ev/s", target="≥ 0.5× bare" if target else "",
                            met=rate >= 0.5 * bare_rate if target else None, higher_is_better=True))
    ls = summary(loop_calls[target_k])
    for p in ("p50", "p99"):
        res.rows.append(Row(f"outbox await send() added latency {p} ({target_k} coroutines)", ls[p] * 1000,
                            None, "ms"))
    res.rows.append(Row(f"outbox throughput, {WRITERS} threads blocking in send() (durable, group commit)", conc_rate,
                        bare_rate, "ev/s", higher_is_better=True))
    res.rows.append(Row("outbox throughput, one writer (durable: one fsync per send())", our_rate, bare_rate,
                        "ev/s", higher_is_better=True))
    res.rows.append(Row(f"outbox send() added latency p50 ({WRITERS} threads)", cs["p50"] * 1000, None, "ms"))
    res.rows.append(Row(f"outbox send() added latency p99 ({WRITERS} threads)", cs["p99"] * 1000, None, "ms"))
    cost = outbox_append_cost(root, 1000 if quick else 3000)
    res.rows.append(Row("outbox append µs/row: send() (1 txn/row) vs send_many() (500-row txn)",
                        cost["single_txn_us_per_row"], cost["batched_500_us_per_row"], "µs"))
    res.details = {"append_cost": cost, "events": n, "bare_s": bare, "reliable_s": ours, "reliable_send_calls_s": send_only,
                   "loop_senders": list(LOOP_SENDERS), "loop_s": {str(k): v for k, v in loop_s.items()},
                   "loop_send_call": {str(k): summary(v) for k, v in loop_calls.items()},
                   "loop_cpu_us_per_event": {str(k): v for k, v in loop_cpu.items()},
                   "writers": WRITERS, "concurrent_s": conc, "concurrent_send_call": cs,
                   "concurrent_cpu_us_per_event": cpu, "bare_cpu_us_per_event": bare_cpu,
                   "send_call_us": [s / n * 1e6 for s in send_only]}
    return res


def outbox_append_cost(root: Path, n: int) -> dict[str, float]:
    """Why Central writes a Kafka batch's effects with ``send_many``, measured on the real Outbox
    file format: µs per row for one transaction (one fsync) per append — what ``send()`` does —
    vs one transaction per 500-row batch (``Outbox.append_many`` behind ``send_many``)."""
    import sqlite3
    from ev_common.kafka.outbox import Outbox

    value = c.encode(_events(1)[0])
    ob = Outbox(root / "append-single.sqlite3")
    t0 = time.perf_counter()
    for _ in range(n):
        ob.append("t", b"k", value)
    single = (time.perf_counter() - t0) / n
    ob.close()
    ob = Outbox(root / "append-batch.sqlite3")
    db: sqlite3.Connection = ob._db  # noqa: SLF001 - same file/pragmas; batching is the proposal
    t0 = time.perf_counter()
    for k in range(0, n, 500):
        with ob._lock:  # noqa: SLF001
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO outbox(topic, key, value, created_at) VALUES (?, ?, ?, ?)",
                           [("t", b"k", value, time.time())] * min(500, n - k))
            db.execute("COMMIT")
    batch = (time.perf_counter() - t0) / n
    ob.close()
    return {"single_txn_us_per_row": single * 1e6, "batched_500_us_per_row": batch * 1e6}


def run_heal(root: Path, quick: bool) -> BenchResult:
    """Own broker (it is killed and restarted)."""
    restarts = 5 if quick else 7
    per_outage = 50
    broker = Broker(root, "kafka-heal")
    first_start = broker.start()
    topic = f"bench.heal.{uuid.uuid4().hex[:6]}"
    p = ReliableProducer(broker.bootstrap, root / "heal-outbox.sqlite3", client_id="bench-heal")
    heal, startup = [], []
    res = BenchResult("heal")
    try:
        p.send_raw(topic, b"w", b"warm-up")
        assert p.flush(60), "warm-up not delivered"
        for i in range(restarts):
            broker.stop(hard=True)
            wait_until(lambda: p.status().state.value != "connected", 20, message="producer notices outage")
            for j in range(per_outage):
                p.send(topic, c.envelope(c.EngineOnline(cp_id=f"CP{j:03d}"), source="bench"))
            drained_at: list[float] = []

            def watch() -> None:
                while p.queued > 0:
                    time.sleep(0.002)
                drained_at.append(time.monotonic())
            w = threading.Thread(target=watch, daemon=True)
            w.start()
            t0 = time.monotonic()
            broker.start()
            t_ready = time.monotonic()
            startup.append(t_ready - t0)
            w.join(60)
            if not drained_at:
                raise RuntimeError(f"outbox not drained 60 s after restart {i}")
            heal.append(max(0.0, drained_at[0] - t_ready))
    finally:
        p.close()
        broker.stop(hard=True)
    hs, ss = summary(heal), summary(startup)
    res.rows.append(Row("producer heal time p50 (broker ready → queue delivered)", hs["p50"], ss["p50"],
                        "s", target="< 1 s", met=hs["p50"] < 1.0))
    res.rows.append(Row("producer heal time max", hs["max"], ss["max"], "s", target="< 1 s",
                        met=hs["max"] < 1.0))
    res.details = {"restarts": restarts, "events_per_outage": per_outage, "heal_s": heal,
                   "broker_startup_s": startup, "first_start_s": first_start}
    return res
