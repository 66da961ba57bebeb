"""Shared plumbing: a private broker on free ports, child processes, statistics, results."""
from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ev_common.kafka.broker import BrokerConfig, LocalBroker
from ev_common.ports import free_port
from ev_common.kafka.security import KafkaCredentials, kafka_kwargs
from ev_common.procs import Proc, WaitTimeout, wait_until  # noqa: F401 - shared with the tests

REPO = Path(__file__).resolve().parent.parent
# where results JSON goes: the committed results by default; a probed run (benchmarks.segments)
# writes elsewhere, since the probe's own writes are in its figures
RESULTS_DIR = Path(os.environ.get("EV_BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")


# ----------------------------------------------------------------------------- statistics
def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": pct(values, 50), "p99": pct(values, 99),
            "max": max(values) if values else float("nan"),
            "mean": statistics.fmean(values) if values else float("nan")}


def ratio(ours: float, base: float) -> float:
    if base is None or ours is None or base != base or ours != ours or base == 0:
        return float("nan")
    return ours / base


# ----------------------------------------------------------------------------- results
@dataclass
class Row:
    """One line of the headline table."""

    figure: str
    ours: float
    baseline: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return ratio(self.ours, self.baseline) if self.baseline is not None else float("nan")


@dataclass
class BenchResult:
    name: str
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for r, row in zip(d["rows"], self.rows):
            r["ratio"] = row.ratio
        return d


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "loadavg": os.getloadavg()}


def write_result(res: BenchResult, quick: bool) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{res.name}{'-quick' if quick else ''}.json"
    payload = {"benchmark": res.name, "quick": quick, "when": time.time(), "machine": machine(),
               **res.to_json()}
    path.write_text(json.dumps(payload, indent=2, default=str, allow_nan=True) + "\n")
    return path


def fmt(v: float | None, unit: str = "") -> str:
    if v is None or v != v:
        return "—"
    if unit in ("ms",) or abs(v) < 10:
        s = f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"
    else:
        s = f"{v:,.0f}"
    return f"{s} {unit}".strip()


def table(rows: list[tuple[str, Row]]) -> str:
    head = ["benchmark", "figure", "ours", "baseline", "ratio", "target", "met"]
    lines = [[b, r.figure, fmt(r.ours, r.unit), fmt(r.baseline, r.unit),
              "—" if r.ratio != r.ratio else f"{r.ratio:.2f}×", r.target,
              {True: "yes", False: "NO", None: ""}[r.met]] for b, r in rows]
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(head)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(l, widths)) + " |" for l in lines]
    return "\n".join(out)


# ----------------------------------------------------------------------------- broker
class Broker:
    """A private broker in a temp dir on free ports (restartable on the same port)."""

    def __init__(self, root: Path, name: str = "kafka", plain_listener: bool = False) -> None:
        # secure like production; the bare round-trip topics are made by their first send.
        # *plain_listener*: a second, plain-text listener on the same broker (the security
        # benchmark's baseline; see BrokerConfig.bench_plaintext_port)
        cfg = BrokerConfig(data_dir=root / name, port=free_port(), controller_port=free_port(),
                           heap_mb=512, auto_create_topics=True,
                           bench_plaintext_port=free_port() if plain_listener else None)
        self.local = LocalBroker(cfg)
        self.bootstrap = cfg.bootstrap
        self.plain_bootstrap = cfg.bench_plaintext_bootstrap
        self.startup_s: float | None = None

    def start(self) -> float:
        t0 = time.monotonic()
        self.local.start(timeout=120)
        self.startup_s = time.monotonic() - t0
        # every client of the benchmark (and the processes it starts) authenticates as admin
        os.environ["EV_KAFKA_CREDENTIALS"] = str(self.local.secrets.credentials_file("admin"))
        return self.startup_s

    def stop(self, hard: bool = False) -> None:
        self.local.stop(timeout=30, hard=hard)


def make_root(prefix: str = "evbench-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


# ----------------------------------------------------------------------------- processes
def proc_cpu_rss(pid: int) -> tuple[float, int]:
    """(user+system CPU seconds, RSS bytes) of one process from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        parts = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(parts[11]) + int(parts[12])) / ticks
    rss = int(parts[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


# ----------------------------------------------------------------------------- baselines
class BareRoundTrip:
    """Bare kafka-python producer + consumer on one topic: ``sample()`` is one produce→consume
    round trip (acks=all, default settings) — the baseline of every latency figure. Kept open
    so a benchmark can interleave baseline samples with its own (same moment, same load)."""

    def __init__(self, bootstrap: str, topic: str | None = None,
                 credentials: KafkaCredentials | None = None) -> None:
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        self.topic = topic or f"bench.rtt.{uuid.uuid4().hex[:8]}"
        self.prod = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0,
                                  **kafka_kwargs(credentials))
        self.prod.send(self.topic, b"warm-up").get(30)  # auto-creates the topic
        self.cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=500,
                                  **kafka_kwargs(credentials))
        parts = wait_until(lambda: self.cons.partitions_for_topic(self.topic), 30, message="rtt topic metadata")
        tps = [TopicPartition(self.topic, p) for p in sorted(parts)]
        self.cons.assign(tps)
        self.cons.seek_to_end(*tps)
        for tp in tps:
            self.cons.position(tp)
        self._n = 0
        for _ in range(3):  # the first ones include connection set-up
            self.sample()

    def sample(self) -> float:
        self._n += 1
        marker = f"rtt-{self._n}".encode()
        t0 = time.perf_counter()
        self.prod.send(self.topic, key=b"k", value=marker)
        while True:
            for recs in self.cons.poll(timeout_ms=1000).values():
                if any(r.value == marker for r in recs):
                    return time.perf_counter() - t0

    def close(self) -> None:
        self.cons.close(autocommit=False)
        self.prod.close(timeout=5)


def bare_round_trip(bootstrap: str, samples: int, topic: str | None = None) -> list[float]:
    """*samples* sequential bare produce→consume round trips (seconds); see :class:`BareRoundTrip`."""
    rt = BareRoundTrip(bootstrap, topic)
    try:
        return [rt.sample() for _ in range(samples)]
    finally:
        rt.close()


class Sampler(threading.Thread):
    """Calls *fn* every *interval* seconds on a thread and keeps ``(t, value)`` pairs."""

    def __init__(self, fn: Callable[[], Any], interval: float) -> None:
        super().__init__(daemon=True)
        self.fn, self.interval = fn, interval
        self.samples: list[tuple[float, Any]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.samples.append((time.monotonic(), self.fn()))
            except Exception as exc:  # noqa: BLE001
                self.samples.append((time.monotonic(), exc))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(5)
