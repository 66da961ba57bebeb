"""Request latencies seen by a driver, against a bare produce→consume round trip (same broker).

Real processes: Central (``python -m central_service.cli``), one CP Engine
(``--auto --auto-plug-delay 0``: the plug-in delay is not part of the figure) and its Monitor.
The driver is :class:`ev_desktop.core.driver.DriverCore` in this process (the code the app and
``ev-driver`` run). Samples are sequential: request → ChargeAuthorized at the driver;
request → the Engine started supplying (``SupplyStarted.started_at``, same machine clock);
then wait for the ticket and go again.

Two apps in one run, taking turns request by request: the app as it ships (Central's answers
come over its WATCH link, ``ev_desktop.core.notify_link``) and another driver's app with the
link off (Kafka only) — what the link saves, against baselines of the same minutes.

Baseline: bare produce→consume round trips taken *between* the driver's samples (five after
each), through the same broker while the same Central and CP run — so both figures see the same
machine load at the same moments. The idle-broker round trip measured at the start of the run
is kept in the JSON too (``bare_round_trip_idle_s``).
"""
from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

from ev_common import contract as c
from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.topics import Topics
from benchmarks.common import BareRoundTrip, BenchResult, Broker, Proc, Row, WaitTimeout, summary, wait_until
from benchmarks.seed import cp_id, seed, write_credentials
from benchmarks.stamp_watcher import Stamps


def start_cp(n: int, bootstrap: str, prefix: str, central_port: int, work: Path,
             auto: bool = True, engine_extra: tuple[str, ...] = (),
             monitor_extra: tuple[str, ...] = ()) -> tuple[Proc, Proc]:
    """CP *n*'s Engine and Monitor (*engine_extra*/*monitor_extra*: more options, e.g. the
    security benchmark's Kafka identity and socket TLS)."""
    port = free_port()
    creds = write_credentials(work / "cp-credentials", [cp_id(n)])
    engine_args = ["-m", "cp_simulator.engine_cli", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                   "--data-dir", str(work / f"engine-{n}"), "--listen", f"127.0.0.1:{port}",
                   "--cp-id", cp_id(n), "--no-menu", "--log-level", "WARNING", "--cp-credentials", str(creds)]
    if auto:
        engine_args += ["--auto", "--auto-plug-delay", "0", "--auto-duration", "0.5"]
    engine = Proc(f"engine-{n}", [*engine_args, *engine_extra], work)
    monitor = Proc(f"monitor-{n}", ["-m", "cp_simulator.monitor_cli", "--engine", f"127.0.0.1:{port}",
                                    "--central", f"127.0.0.1:{central_port}", "--cp-id", cp_id(n),
                                    "--cp-credentials", str(creds), "--log-level", "WARNING",
                                    *monitor_extra], work)
    return engine, monitor


def start_central(bootstrap: str, prefix: str, work: Path, db_path: Path, port: int,
                  extra: tuple[str, ...] = (), name: str = "central") -> Proc:
    return Proc(name, ["-m", "central_service.cli", "--port", str(port), "--host", "127.0.0.1",
                       "--db", f"sqlite:///{db_path}", "--bootstrap-servers", bootstrap,
                       "--topic-prefix", prefix, "--data-dir", str(work / f"{name}-data"),
                       "--log-level", "WARNING", *extra], work)


BASELINE_PER_SAMPLE = 5


async def _drive(bootstrap: str, prefix: str, central_port: int, work: Path, samples: int,
                 bare: BareRoundTrip, cp: str | None = None,
                 answer_timeout_s: float = 60.0, budget_s: float | None = None,
                 driver: str = "driver1", push_link: bool = True) -> dict:
    """*samples* sequential requests for CP *cp* (default CP00001) by *driver*, each followed
    by :data:`BASELINE_PER_SAMPLE` bare round trips on *bare* (see :func:`_drive_apps`)."""
    [out] = await _drive_apps(bootstrap, prefix, central_port, work, samples, bare, [(driver, push_link)],
                              cp=cp, answer_timeout_s=answer_timeout_s, budget_s=budget_s)
    return out


class _App:
    """One driver app of the benchmark and what its samples saw."""

    def __init__(self, core, driver: str, queue: asyncio.Queue) -> None:
        self.core, self.driver, self.queue = core, driver, queue
        self.auth: list[float] = []
        self.notice: list[float] = []
        self.denied: list[str] = []
        self.baseline: list[float] = []
        self.starts: list[tuple[str, float]] = []  # (session, asked at): wall clock, after the warm-up
        self.walls: list[tuple[str, float, float]] = []  # (request id, asked at, authorized seen at)
        self.unanswered = self.no_ticket = 0


async def _drive_apps(bootstrap: str, prefix: str, central_port: int, work: Path, samples: int,
                      bare: BareRoundTrip, apps: list[tuple[str, bool]], cp: str | None = None,
                      answer_timeout_s: float = 60.0, budget_s: float | None = None) -> list[dict]:
    """*samples* sequential requests for CP *cp* (default CP00001) by each of *apps* (driver
    id, WATCH link on?), taking turns — one request of each per round, so every app's samples
    see the same minutes of the run (the broker's JIT still compiling early on made whatever
    ran first ~5 ms slower on the CP's side) — each followed by :data:`BASELINE_PER_SAMPLE`
    bare round trips on *bare*. An app with its link on starts once the link is open.

    With *budget_s* (the load benchmark): a request not answered within *answer_timeout_s* is
    counted in ``unanswered`` instead of failing the run, and no new request starts once
    *budget_s* has passed."""
    from ev_common.heap import settle_heap
    from ev_desktop.core.driver import DriverConfig, DriverCore

    settle_heap("benchmark driver apps")  # as ev_desktop.app does once its window is up, before sign-in
    running: list[_App] = []
    for driver, push_link in apps:
        queue: asyncio.Queue = asyncio.Queue()
        core = DriverCore(DriverConfig(bootstrap_servers=bootstrap, central_host="127.0.0.1",
                                       central_port=central_port, data_dir=work / "driver", topic_prefix=prefix,
                                       push_link=push_link),
                          on_event=lambda ev, q=queue: q.put_nowait((time.perf_counter(), time.time(), ev)))
        for _ in range(60):
            try:
                await core.login(driver, "pass123")
                break
            except Exception:  # noqa: BLE001 - Central still starting
                await asyncio.sleep(0.5)
        core.start()
        if push_link:
            wait_s = time.monotonic() + 30
            while not core.push_link_up and time.monotonic() < wait_s:
                await asyncio.sleep(0.05)
        running.append(_App(core, driver, queue))
    warm = 2
    t_start = time.monotonic()
    try:
        while any(len(a.auth) < samples + warm for a in running):
            if budget_s is not None and time.monotonic() - t_start > budget_s:
                break
            for app in running:
                if len(app.auth) < samples + warm:
                    await _one_sample(app, cp, answer_timeout_s, budget_s, warm, bare)
    finally:
        outs = []
        for app in running:
            producer = app.core._producer  # noqa: SLF001 - how many requests went out while their fsync ran
            sent_while_syncing = producer.sent_while_syncing if producer is not None else None
            by_link = app.core.answers_by_link
            await app.core.close()
            outs.append({"answers_by_link": by_link, "auth": app.auth[warm:], "notice": app.notice[warm:],
                         "starts": app.starts, "denied": app.denied, "baseline": app.baseline,
                         "unanswered": app.unanswered, "no_ticket": app.no_ticket,
                         "driver_sent_while_syncing": sent_while_syncing, "walls": app.walls[warm:]})
    return outs


async def _one_sample(app: _App, cp: str | None, answer_timeout_s: float, budget_s: float | None,
                      warm: int, bare: BareRoundTrip) -> None:
    """One request by *app*, followed until its ticket (or denied / timed out)."""
    t0, w0 = time.perf_counter(), time.time()
    rid = app.core.request_charge(cp or cp_id(1))
    session = None
    deadline = time.monotonic() + answer_timeout_s
    t_auth = t_notice = None
    while time.monotonic() < deadline:
        try:
            t, w, ev = await asyncio.wait_for(app.queue.get(), 1.0)
        except asyncio.TimeoutError:
            continue
        if isinstance(ev, c.ChargeDenied) and ev.request_id == rid:
            app.denied.append(ev.reason)
            await asyncio.sleep(0.5)  # CP not available yet (monitor authenticating)
            return
        if isinstance(ev, c.ChargeAuthorized) and ev.request_id == rid:
            session, t_auth = ev.session_id, t - t0
            app.walls.append((rid, w0, w))
        elif isinstance(ev, c.SupplyStartedNotice) and ev.session_id == session:
            t_notice = t - t0
        elif isinstance(ev, c.Ticket) and ev.session_id == session:
            app.auth.append(t_auth)  # the first `warm` samples are dropped by the caller
            if t_notice is not None:
                app.notice.append(t_notice)
            if len(app.auth) > warm:
                app.starts.append((session, w0))
                app.baseline += [bare.sample() for _ in range(BASELINE_PER_SAMPLE)]
            return
    if budget_s is None:
        raise TimeoutError(f"no answer to request {rid} within {answer_timeout_s:.0f} s")
    if t_auth is None:
        app.unanswered += 1
    else:  # authorized; the ticket (CP events path) is what did not come in time
        app.no_ticket += 1
        app.auth.append(t_auth)


def breakdown(walls: list[tuple[str, float, float]], stamps: dict) -> dict:
    """p50 (ms) of each leg of request → authorized: *driver_to_wire* (request_charge() until
    the driver's producer handed the record to Kafka: its outbox append, the hand-over to the
    delivery worker), *central* (that until Central's first notification after it was handed
    to Kafka: hop 1, Central's consumer, its transaction, its outbox; at idle the first
    notification after a request is its answer), *back* (that until the driver's core posted
    ChargeAuthorized: hop 2, the driver's consumer, unsealing, its loop). Record timestamps
    have millisecond resolution."""
    answers = sorted(stamps.get("answers", []))
    legs: dict[str, list[float]] = {"driver_to_wire": [], "central": [], "back": []}
    for rid, asked, seen in walls:
        sent = stamps.get(rid)
        if sent is None:
            continue
        answer = next((a for a in answers if a >= sent), None)
        if answer is None or answer > seen:
            continue
        legs["driver_to_wire"].append(sent - asked)
        legs["central"].append(answer - sent)
        legs["back"].append(seen - answer)
    per_sample = [[round(x * 1000, 2) for x in leg] for leg in zip(*legs.values())]
    return {k: (round(sorted(v)[len(v) // 2] * 1000, 2) if v else None) for k, v in legs.items()} \
        | {"n": len(legs["central"]), "per_sample_ms": per_sample}


def _read_stamps_after(bootstrap: str, prefix: str, work: Path, stamps: Stamps, out: dict) -> Proc:
    """Start the stamp watcher once the samples are over and wait until it read them all.

    Why after: everything it reads is stored in the records themselves (Kafka record
    timestamps, ``SupplyStarted.started_at``), so reading them from the earliest offset later
    gives the same figures — while the samples ran, the watcher was one more consumer of
    the request and notification topics, woken by every request and every answer on a
    2-core machine, exactly at the moments measured: with it running alongside, request →
    authorized p50 was 20.8-23.7 ms, with it started only afterwards 17.6-18.1 ms (three
    alternating pairs of quick runs, 2026-12-01, load 3-4)."""
    watcher = Proc("stamp-watcher", ["-m", "benchmarks.stamp_watcher", bootstrap, prefix,
                                     str(stamps.path)], work)
    _wait_stamps(stamps, out)
    return watcher


def _wait_stamps(stamps: Stamps, out: dict, timeout_s: float = 30.0) -> None:
    """Until the watcher's file holds every sample's SupplyStarted and request timestamp and
    as many answers as samples (a sample still missing then is left out of the charging
    figure / the legs, not waited on)."""
    want = {s for s, _ in out["starts"]} | {rid for rid, _, _ in out["walls"]}

    def seen() -> bool:
        stamps.refresh()
        return (want <= (set(stamps.started_at) | set(stamps.stamps))
                and len(stamps.stamps.get("answers", ())) >= len(out["walls"]))
    try:
        wait_until(seen, timeout_s, message="stamp watcher caught up")
    except WaitTimeout:
        pass


def run_latency(broker: Broker, root: Path, quick: bool, rtt: dict) -> BenchResult:
    samples = int(os.environ.get("EV_BENCH_LATENCY_SAMPLES") or (10 if quick else 30))
    prefix = f"bl{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    ensure_topics(broker.bootstrap, topics, 30)
    work = root / "latency"
    work.mkdir()
    db_path = work / "central.sqlite3"
    seed(db_path, 1, charging=False, drivers=5)
    port = free_port()
    central = start_central(broker.bootstrap, prefix, work, db_path, port)
    engine, monitor = start_cp(1, broker.bootstrap, prefix, port, work)
    # SupplyStarted times and record timestamps: read by a process of its own (stamp_watcher)
    # only once the samples are over — see _read_stamps_after
    stamps = Stamps(work / "stamps.jsonl")
    watcher: Proc | None = None
    bare = BareRoundTrip(broker.bootstrap)
    try:
        # the product as it ships (answers over the WATCH link) and the same exchange with
        # Kafka only (another driver, link off), taking turns: what the link saves, same minutes
        out, kafka_only = asyncio.run(_drive_apps(broker.bootstrap, prefix, port, work, samples, bare,
                                                  [("driver1", True), ("driver2", False)]))
        watcher = _read_stamps_after(broker.bootstrap, prefix, work, stamps,
                                     {"starts": out["starts"] + kafka_only["starts"],
                                      "walls": kafka_only["walls"]})
    finally:
        bare.close()
        if watcher is not None:
            watcher.stop()
        for p in (monitor, engine, central):
            p.stop(signal.SIGINT, timeout=15.0)  # a graceful stop, like Ctrl+C
    charging = [stamps.started_at[s] - w0 for s, w0 in out["starts"] if s in stamps.started_at]
    k_charging = [stamps.started_at[s] - w0 for s, w0 in kafka_only["starts"] if s in stamps.started_at]
    a, n, ch = summary(out["auth"]), summary(out["notice"]), summary(charging)
    b = summary(out["baseline"])
    ka, kb = summary(kafka_only["auth"]), summary(kafka_only["baseline"])
    res = BenchResult("latency")
    res.rows += [
        Row("request → authorized (driver) p50", a["p50"] * 1000, b["p50"] * 1000, "ms",
            target="≤ 3× bare RTT", met=a["p50"] <= 3 * b["p50"]),
        Row("request → authorized (driver) p99", a["p99"] * 1000, b["p99"] * 1000, "ms"),
        Row("request → authorized, Kafka only (no WATCH link) p50", ka["p50"] * 1000, kb["p50"] * 1000, "ms"),
        Row("request → authorized, Kafka only (no WATCH link) p99", ka["p99"] * 1000, kb["p99"] * 1000, "ms"),
        Row("request → CP charging p50", ch["p50"] * 1000, b["p50"] * 1000, "ms"),
        Row("request → CP charging p99", ch["p99"] * 1000, b["p99"] * 1000, "ms"),
    ]
    if k_charging:
        kch = summary(k_charging)
        res.rows.append(Row("request → CP charging, Kafka only (no WATCH link) p50", kch["p50"] * 1000,
                            kb["p50"] * 1000, "ms"))
    res.details = {"samples": samples, "authorized_s": out["auth"], "charging_s": charging,
                   "supply_started_notice_s": out["notice"], "denied_warmup": out["denied"],
                   "authorized": a, "charging": ch, "notice": n,
                   "bare_round_trip_interleaved_s": out["baseline"], "bare_round_trip_interleaved": b,
                   "bare_round_trip_idle": rtt,
                   "driver_sent_while_syncing": out["driver_sent_while_syncing"],
                   "answers_by_link": out["answers_by_link"],
                   "kafka_only": {"authorized_s": kafka_only["auth"], "authorized": ka, "charging_s": k_charging,
                                  "bare_round_trip_interleaved": kb,
                                  "answers_by_link": kafka_only["answers_by_link"]},
                   # the legs are the Kafka-only exchange's: record timestamps of the answer on
                   # Kafka, which the app with a link no longer waits for
                   "legs_p50_ms": breakdown(kafka_only["walls"], stamps.stamps)}
    return res
