"""The cost of security, measured in one run: secure (the default) vs plain text, same broker.

*Secure* is what the system runs by default: Kafka SASL_SSL (SCRAM-SHA-512 over TLS) with each
process authenticated as its own principal under the ACL table (Central as ``central``, the
Engine and the telemetry writer as ``cp``, the driver as ``driver``), Central's socket over TLS.
*Plain* is the explicit opt-out: the same broker's benchmark-only PLAINTEXT listener
(:attr:`BrokerConfig.bench_plaintext_port <ev_common.kafka.broker.BrokerConfig>`, loopback;
clients there are ``User:ANONYMOUS``, a super user, so no ACL is evaluated), ``--kafka-plaintext``
and ``--plaintext-socket``. Message MACs (per-CP HMAC on events and commands, session MAC on
driver requests) are part of the protocol, not of the transport: both sides carry them, so their
cost is measured apart, in-process (the third figure).

1. request → authorized seen by a driver: two complete stacks (Central, Engine + Monitor, a
   driver process — :mod:`benchmarks.security_driver`), one per mode, each on its own topic
   prefix; samples alternate secure/plain in ABBA order so load drifts hit both alike. Bare
   produce→consume round trips (secure vs plain client) are interleaved the same way: the
   transport's own share.
2. Central's telemetry ingest (events/s): one Central per mode on a DB seeded with every CP
   charging (as :mod:`benchmarks.ingest`); per round Central is paused (SIGSTOP), a backlog of
   signed Telemetry (the generator's messages) is written to its topic, Central resumes and the
   time until its group has committed the backlog gives the rate it can sustain; its CPU time per
   event is read from /proc. Rounds alternate ABBA too.
3. HMAC cost per message: encode+sign → decode+verify of a Telemetry vs encode → decode (timeit).

Target: secure ≤ 1.2× plain for (1) and (2).
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import timeit
import uuid
from dataclasses import dataclass
from pathlib import Path

from ev_common import contract as c
from ev_common import msgauth
from ev_common.kafka.acl import grant
from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.kafka.security import PLAINTEXT, KafkaCredentials, load_credentials
from ev_common.topics import Topics
from benchmarks.common import REPO, BareRoundTrip, BenchResult, Broker, Proc, Row, summary
from benchmarks.latency import start_central, start_cp
from benchmarks.seed import CP_KEY, cp_id, seed

TARGET = 1.2
BARE_PER_ROUND = 3


# ----------------------------------------------------------------------------- pure helpers
def abba(rounds: int) -> list[tuple[int, int]]:
    """The order of the two modes in each round: (0, 1), (1, 0), (1, 0), (0, 1), … — ABBA, so a
    load that rises or falls steadily over the run favours neither mode."""
    return [(0, 1) if (k % 4) in (0, 3) else (1, 0) for k in range(rounds)]


def cost_factor(secure: float, plain: float, higher_is_better: bool = False) -> float:
    """How many times more the secure path costs: secure/plain for a time, plain/secure for a
    rate. NaN when a value is missing or zero."""
    num, den = (plain, secure) if higher_is_better else (secure, plain)
    if num is None or den is None or num != num or den != den or den == 0:
        return float("nan")
    return num / den


def target_met(factor: float, target: float = TARGET) -> bool | None:
    return None if factor != factor else factor <= target


# ----------------------------------------------------------------------------- the two modes
@dataclass(frozen=True)
class Mode:
    name: str
    bootstrap: str
    creds: KafkaCredentials          # the benchmark's own clients (admin / none)
    writer_creds: KafkaCredentials   # the telemetry backlog writer (principal cp / none)
    central: tuple[str, ...]
    engine: tuple[str, ...]
    monitor: tuple[str, ...]
    driver: tuple[str, ...]


def modes(broker: Broker) -> tuple[Mode, Mode]:
    if broker.plain_bootstrap is None:
        raise RuntimeError("the security benchmark needs Broker(plain_listener=True)")
    files = broker.local.secrets.credentials_file
    ca = str(broker.local.dir / "pki" / "ca.pem")
    secure = Mode("secure", broker.bootstrap, load_credentials(files("admin")), load_credentials(files("cp")),
                  central=("--kafka-credentials", str(files("central"))),
                  engine=("--kafka-credentials", str(files("cp"))),
                  monitor=("--ca-file", ca),
                  driver=("--kafka-credentials", str(files("driver")), "--ca-file", ca))
    plain = Mode("plain", broker.plain_bootstrap, PLAINTEXT, PLAINTEXT,
                 central=("--kafka-plaintext", "--plaintext-socket"), engine=("--kafka-plaintext",),
                 monitor=("--plaintext-socket",), driver=("--plain",))
    return secure, plain


def make_topics(mode: Mode, broker: Broker, tag: str) -> Topics:
    topics = Topics(f"bs{tag}{mode.name[0]}{uuid.uuid4().hex[:5]}")
    ensure_topics(mode.bootstrap, topics, 30, credentials=mode.creds)
    if mode.name == "secure":
        grant(mode.bootstrap, topics.prefix, mode.creds, timeout_s=30)
    return topics


# ----------------------------------------------------------------------------- 1. latency
class DriverProc:
    """A :mod:`benchmarks.security_driver` process: ``sample()`` = one request → authorized."""

    def __init__(self, mode: Mode, topics: Topics, port: int, work: Path) -> None:
        self.log = open(work / "driver.log", "ab")
        args = [sys.executable, "-m", "benchmarks.security_driver", mode.bootstrap, topics.prefix,
                str(port), str(work / "driver"), cp_id(1), *mode.driver]
        self.popen = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                      cwd=REPO, text=True, start_new_session=True,
                                      env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.work = work
        self._answer()  # ready

    def _answer(self) -> dict:
        while True:
            line = self.popen.stdout.readline()
            if not line:
                self.log.flush()
                raise RuntimeError(f"driver process exited ({self.popen.poll()}):\n"
                                   + (self.work / "driver.log").read_text(errors="replace")[-2000:])
            if line.startswith("@@ "):
                return json.loads(line[3:])

    def sample(self, retries: int = 60) -> float:
        for _ in range(retries):
            self.popen.stdin.write("go\n")
            self.popen.stdin.flush()
            ans = self._answer()
            if "auth_s" in ans:
                return float(ans["auth_s"])
            if "error" in ans:
                raise RuntimeError(ans["error"])
            time.sleep(0.5)  # denied: the CP is not available yet (Monitor still authenticating)
        raise RuntimeError(f"every request denied ({ans})")

    def close(self) -> None:
        try:
            self.popen.stdin.write("quit\n")
            self.popen.stdin.flush()
            self.popen.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        self.log.close()


def _latency_stack(mode: Mode, broker: Broker, work: Path) -> tuple[list[Proc], DriverProc | None]:
    work.mkdir(parents=True)
    topics = make_topics(mode, broker, "l")
    db_path = work / "central.sqlite3"
    seed(db_path, 1, charging=False, drivers=5)
    port = free_port()
    procs = [start_central(mode.bootstrap, topics.prefix, work, db_path, port, mode.central)]
    procs += start_cp(1, mode.bootstrap, topics.prefix, port, work, engine_extra=mode.engine,
                      monitor_extra=mode.monitor)
    return procs, DriverProc(mode, topics, port, work)


def measure_latency(pair: tuple[Mode, Mode], broker: Broker, work: Path, samples: int) -> dict:
    warm = 2
    procs: list[Proc] = []
    drivers: list[DriverProc] = []
    bares: list[BareRoundTrip] = []
    out: dict[str, dict[str, list[float]]] = {m.name: {"auth": [], "bare": []} for m in pair}
    try:
        for m in pair:
            p, d = _latency_stack(m, broker, work / m.name)
            procs += p
            drivers.append(d)
            bares.append(BareRoundTrip(m.bootstrap, credentials=m.creds))
        for k, order in enumerate(abba(warm + samples)):
            for i in order:
                t = drivers[i].sample()
                if k >= warm:
                    out[pair[i].name]["auth"].append(t)
            if k >= warm:
                for _ in range(BARE_PER_ROUND):
                    for i in order:
                        out[pair[i].name]["bare"].append(bares[i].sample())
    finally:
        for b in bares:
            b.close()
        for d in drivers:
            d.close()
        for p in reversed(procs):
            p.stop(signal.SIGINT, timeout=15.0)  # a graceful stop, like Ctrl+C
    return out


# ----------------------------------------------------------------------------- 3. HMAC
def measure_hmac(number: int) -> dict[str, float]:
    """Seconds per message: sender encode(+sign) and receiver decode(+verify) of a Telemetry."""
    body = c.Telemetry(cp_id=cp_id(1), session_id="s-1", seq=42, kw=7.2, kwh=1.25, eur=0.44)
    env = c.envelope(body, source="bench")
    signed_bytes = c.encode(msgauth.sign(env, CP_KEY, msgauth.CP_EVENT, cp_id(1)))
    plain_bytes = c.encode(env)

    def with_mac() -> None:
        c.encode(msgauth.sign(env, CP_KEY, msgauth.CP_EVENT, cp_id(1)))
        msgauth.verify(c.decode(signed_bytes), CP_KEY, msgauth.CP_EVENT, cp_id(1))

    def without() -> None:
        c.encode(env)
        c.decode(plain_bytes)

    def sign_only() -> None:
        msgauth.sign(env, CP_KEY, msgauth.CP_EVENT, cp_id(1))

    decoded = c.decode(signed_bytes)

    def verify_only() -> None:
        msgauth.verify(decoded, CP_KEY, msgauth.CP_EVENT, cp_id(1))

    best = {name: min(timeit.repeat(fn, number=number, repeat=5)) / number
            for name, fn in (("with_mac", with_mac), ("without", without), ("sign", sign_only),
                             ("verify", verify_only))}
    best["bytes_with_mac"], best["bytes_without"] = len(signed_bytes), len(plain_bytes)
    return best


# ------------------------------------------------------------------ 4. notification AEAD
def measure_notify(number: int) -> dict[str, float]:
    """Seconds per notification: Central's encode+seal and the app's decode+open of a Ticket
    (AES-256-GCM, ev_common.notify_crypto), against encode and decode in clear."""
    from ev_common.notify_crypto import NotifyKey, open_sealed, seal

    key = NotifyKey.generate()
    body = c.Ticket(driver_id="driver1", session_id="s-1", cp_id=cp_id(1), started_at=1.0, ended_at=61.0,
                    kwh=7.5, eur=2.63, price_eur_kwh=0.35, outcome="completed")
    env = c.envelope(body, source="bench")
    sealed_bytes, plain_bytes = c.encode(seal(env, key)), c.encode(env)
    decoded = c.decode(sealed_bytes)

    def sealed() -> None:
        c.encode(seal(env, key))
        open_sealed(c.decode(sealed_bytes), key, "driver1")

    def clear() -> None:
        c.encode(env)
        c.decode(plain_bytes)

    best = {name: min(timeit.repeat(fn, number=number, repeat=5)) / number
            for name, fn in (("sealed", sealed), ("clear", clear), ("seal", lambda: seal(env, key)),
                             ("open", lambda: open_sealed(decoded, key, "driver1")))}
    best["bytes_sealed"], best["bytes_clear"] = len(sealed_bytes), len(plain_bytes)
    return best


# ----------------------------------------------------------------------------- run
def run_security(broker: Broker, root: Path, quick: bool) -> BenchResult:
    from benchmarks.security_ingest import measure_ingest

    pair = modes(broker)
    work = root / "security"
    work.mkdir()
    saved_pki = os.environ.get("EV_PKI_DIR")
    # the secure Central issues its socket certificate from the broker's CA (its clients trust it)
    os.environ["EV_PKI_DIR"] = str(broker.local.dir / "pki")
    try:
        hm = measure_hmac(2000 if quick else 10000)
        nt = measure_notify(2000 if quick else 10000)
        print(f"    notification AES-GCM: seal {nt['seal'] * 1e6:.1f} µs, open {nt['open'] * 1e6:.1f} µs", flush=True)
        print(f"    HMAC: {hm['with_mac'] * 1e6:.1f} µs/msg with MAC, {hm['without'] * 1e6:.1f} µs without",
              flush=True)
        lat = measure_latency(pair, broker, work / "latency", 10 if quick else 30)
        s_a, p_a = summary(lat["secure"]["auth"]), summary(lat["plain"]["auth"])
        s_b, p_b = summary(lat["secure"]["bare"]), summary(lat["plain"]["bare"])
        print(f"    request → authorized p50: secure {s_a['p50'] * 1000:.1f} ms, plain {p_a['p50'] * 1000:.1f} ms",
              flush=True)
        ing = measure_ingest(pair, broker, work / "ingest", quick)
    finally:
        if saved_pki is None:
            os.environ.pop("EV_PKI_DIR", None)
        else:
            os.environ["EV_PKI_DIR"] = saved_pki
    s_rate = statistics.median(ing["secure"]["rate"])
    p_rate = statistics.median(ing["plain"]["rate"])
    s_cpu = statistics.median(ing["secure"]["cpu_per_event"])
    p_cpu = statistics.median(ing["plain"]["cpu_per_event"])
    lat_cost = cost_factor(s_a["p50"], p_a["p50"])
    ing_cost = cost_factor(s_rate, p_rate, higher_is_better=True)
    res = BenchResult("security")
    res.rows += [
        Row("request → authorized p50, secure vs plain", s_a["p50"] * 1000, p_a["p50"] * 1000, "ms",
            target=f"≤ {TARGET:g}×", met=target_met(lat_cost)),
        Row("request → authorized p99, secure vs plain", s_a["p99"] * 1000, p_a["p99"] * 1000, "ms"),
        Row("bare produce→consume p50, SASL_SSL vs PLAINTEXT", s_b["p50"] * 1000, p_b["p50"] * 1000, "ms"),
        Row("Central ingest (backlog drain), secure vs plain", s_rate, p_rate, "ev/s",
            target=f"cost ≤ {TARGET:g}× (≥ {1 / TARGET:.2f}×)", met=target_met(ing_cost), higher_is_better=True),
        Row("Central CPU per telemetry event, secure vs plain", s_cpu * 1e6, p_cpu * 1e6, "µs"),
        Row("Telemetry encode+sign → decode+verify vs no MAC", hm["with_mac"] * 1e6, hm["without"] * 1e6, "µs"),
        Row("Ticket notification encode+seal → decode+open (AES-GCM) vs in clear", nt["sealed"] * 1e6,
            nt["clear"] * 1e6, "µs"),
    ]
    res.details = {
        "same_broker": True,
        "plain_listener": "benchmark-only PLAINTEXT listener of the same broker (User:ANONYMOUS, super user)",
        "latency_cost": lat_cost, "ingest_cost": ing_cost, "target": TARGET,
        "authorized": {"secure": s_a, "plain": p_a}, "bare_round_trip": {"secure": s_b, "plain": p_b},
        "authorized_s": {m: lat[m]["auth"] for m in lat}, "bare_round_trip_s": {m: lat[m]["bare"] for m in lat},
        "ingest": ing, "hmac_s_per_message": hm, "notify_aead_s_per_message": nt,
    }
    return res
