"""End-to-end harness: the whole system as real processes, and the ledger check.

A :class:`System` owns everything one test starts — an optional private Kafka broker, Central
(seeded SQLite DB), CP Engine+Monitor pairs, headless drivers — plus a :class:`Watcher` that
reads the system's own topics from the beginning (tickets, final reports, CP states). Every
process is a real child (``python -m ...``) with its log file under ``<tmp>/logs``; killing is
``kill -9`` of its process group. ``System.close()`` (called from a fixture finalizer) kills
whatever is still running, even when the test failed.

The ledger check (:meth:`System.ledger_mismatches`) is the "nothing is lost" rule: for each
supply that delivered energy, the Engine's record (its journal — the session is closed there —
and its final report ``final-<session>`` built from that journal), the ticket the driver got
(Ticket message, and the driver's RESULT line when it saw it) and Central's DB (supplies and
tickets tables) hold the same kWh, and each is counted exactly once.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.helpers import REPO, Proc, WaitTimeout, wait_until
from ev_common.kafka.security import ROLES
from tests.helpers import grant_prefix, principal_env, seed_secure_dir
from tests.notify_support import DbNotifyKeys
from tests.e2e.watcher import Watcher  # re-exported: tests import it from here

KWH_TOL = 1e-6
RESULT_RE = re.compile(r"RESULT index=(\d+)/(\d+) requested=(\S+) session=(\S+) cp=(\S+) "
                       r"outcome=(\S+) kwh=([\d.]+) eur=([\d.]+)")


# ------------------------------------------------------------------------------ processes
class HostProc(Proc):
    """A :class:`tests.helpers.Proc` that may run "on another host": *prefix* (for example
    ``ip netns exec <ns>``) goes before ``python -m ...``. ``ip netns exec`` execs the command,
    so the pid (and its process group) is the Python process itself."""

    def __init__(self, name: str, args: list[str], log_dir: Path, prefix: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        super().__init__(name, args, log_dir, env=env, prefix=prefix)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def results(self) -> list["DriverResult"]:
        return [DriverResult.parse(m) for m in RESULT_RE.finditer(self.output())]


@dataclass(frozen=True)
class DriverResult:
    index: int
    total: int
    requested: str
    session: str
    cp: str
    outcome: str
    kwh: float
    eur: float

    @classmethod
    def parse(cls, m: re.Match) -> "DriverResult":
        return cls(int(m[1]), int(m[2]), m[3], m[4], m[5], m[6], float(m[7]), float(m[8]))


@dataclass
class CpPair:
    cp_id: str
    port: int
    engine: HostProc | None = None
    monitor: HostProc | None = None
    restarts: int = 0


# ------------------------------------------------------------------------------ the system
@dataclass
class System:
    tmp: Path
    bootstrap: str = ""
    topics: Topics = field(default_factory=lambda: Topics(f"e2e{os.urandom(4).hex()}"))
    prefix_for: dict[str, list[str]] = field(default_factory=dict)   # role → command prefix (netns)
    central_host: str = "127.0.0.1"
    engine_host: str = "127.0.0.1"
    auto_plug_delay: float = 1.0
    auto_duration: float = 10.0
    monitor_timeout: float = 4.0
    broker: LocalBroker | None = None
    central: HostProc | None = None
    central_port: int = 0
    standby_port: int = 0            # a standby Central's socket (start_standby): clients get both
    standby: HostProc | None = None
    pg_url: str = ""                 # Central's database on PostgreSQL instead of the SQLite file
    cps: dict[str, CpPair] = field(default_factory=dict)
    drivers: list[HostProc] = field(default_factory=list)
    watcher: Watcher | None = None
    _procs: list[HostProc] = field(default_factory=list)
    _n: int = 0

    def __post_init__(self) -> None:
        self.log_dir = self.tmp / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.tmp / "central.sqlite3"
        self.cp_dir = self.tmp / "cps"
        self.central_port = self.central_port or free_port()

    @property
    def db_url(self) -> str:
        return self.pg_url or f"sqlite:///{self.db_path}"

    @property
    def central_addr(self) -> str:
        addr = f"{self.central_host}:{self.central_port}"
        return f"{addr},{self.central_host}:{self.standby_port}" if self.standby_port else addr

    def common(self) -> list[str]:
        return ["--bootstrap-servers", self.bootstrap, "--topic-prefix", self.topics.prefix]

    def _spawn(self, name: str, args: list[str], role: str, extra_env: dict[str, str] | None = None) -> HostProc:
        self._n += 1
        # every process runs as its own Kafka principal (ACLs of self.topics granted by the
        # fixtures); a monitor, which does not speak Kafka, just ignores the variable
        env = principal_env(role) if role in ROLES else None
        if extra_env:
            env = {**(env or {}), **extra_env}
        p = HostProc(f"{self._n:03d}-{name}", args, self.log_dir, prefix=self.prefix_for.get(role),
                     env=env)
        self._procs.append(p)
        return p

    # -- Kafka
    def private_broker(self, port: int | None = None, listen_host: str = "127.0.0.1",
                       advertised_host: str | None = None) -> LocalBroker:
        """Configure (not start) a broker this test may kill and restart on the same port/data."""
        seed_secure_dir(self.tmp / "kafka")  # the session's CA and passwords
        cfg = BrokerConfig(data_dir=self.tmp / "kafka", port=port or free_port(),
                           controller_port=free_port(), listen_host=listen_host,
                           advertised_host=advertised_host, heap_mb=512)
        self.broker = LocalBroker(cfg)
        self.bootstrap = cfg.bootstrap
        return self.broker

    def start_broker(self, timeout: float = 150.0) -> str:
        assert self.broker is not None
        addr = self.broker.start(timeout=timeout)
        grant_prefix(addr, self.topics.prefix)
        return addr

    def kill_broker(self) -> None:
        """SIGKILL the broker JVM (no clean shutdown)."""
        assert self.broker is not None
        assert self.broker.stop(hard=True, timeout=15), "broker was not running"

    def watch(self) -> Watcher:
        self.watcher = Watcher(self.bootstrap, self.topics, DbNotifyKeys(self.db_url))
        return self.watcher

    # -- DB
    def ev_db(self, *args: str, env: dict[str, str] | None = None) -> str:
        out = subprocess.run([sys.executable, "-m", "central_service.db_cli", "--db", self.db_url, *args],
                             cwd=REPO, capture_output=True, text=True, timeout=120,
                             env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, f"ev-db {args} failed:\n{out.stdout}{out.stderr}"
        return out.stdout

    @property
    def credentials_dir(self) -> Path:
        """The CP boxes' credentials files (``ev-db seed --credentials-dir`` / ``add-cp --credentials``)."""
        return self.tmp / "cp-credentials"

    def seed(self, cps: int, drivers: int) -> None:
        self.ev_db("seed", "--cps", str(cps), "--drivers", str(drivers),
                   "--credentials-dir", str(self.credentials_dir))

    def db_rows(self, table: str) -> list[dict]:
        if self.pg_url:
            from playhouse.db_url import connect as url_connect

            database = url_connect(self.pg_url)
            try:
                cur = database.execute_sql(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
                cols = [d[0] for d in cur.description]
                return [dict(zip(cols, row)) for row in cur.fetchall()]
            finally:
                database.close()
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute(f"SELECT * FROM {table}")]  # noqa: S608 - fixed names
        finally:
            con.close()

    # -- Central
    def start_central(self, *extra: str, wait: bool = True) -> HostProc:
        self.central = self._spawn("central", [
            "-m", "central_service.cli", *self.common(), "--port", str(self.central_port),
            "--db", self.db_url, "--data-dir", str(self.tmp / "central"),
            "--monitor-timeout", str(self.monitor_timeout),
            "--tls-hosts", f"{self.central_host},localhost,127.0.0.1",
            # every simulated CP and driver dials from the same loopback address here
            "--max-connections-per-address", "1000", *extra],
            "central")
        if wait:
            self.central.wait_output("Central ready", 90)
        return self.central

    def start_standby(self, instance: str = "central-b", *extra: str) -> HostProc:
        """A second Central on the same database and data dir with ``--standby``: it waits for
        the active one's lock and serves on :attr:`standby_port` once it holds it."""
        self.standby_port = self.standby_port or free_port()
        self.standby = self._spawn("central-standby", [
            "-m", "central_service.cli", *self.common(), "--port", str(self.standby_port),
            "--db", self.db_url, "--data-dir", str(self.tmp / "central"),
            "--monitor-timeout", str(self.monitor_timeout),
            "--tls-hosts", f"{self.central_host},localhost,127.0.0.1",
            "--max-connections-per-address", "1000", "--standby", "--instance-id", instance, *extra],
            "central")
        self.standby.wait_output(f"standby: instance {instance} waits", 90)
        return self.standby

    def kill_central(self) -> None:
        assert self.central is not None
        self.central.kill9()

    # -- CPs
    def start_cp(self, cp_id: str, *, duration: float | None = None, engine_extra: tuple[str, ...] = ()) -> CpPair:
        pair = self.cps.get(cp_id) or CpPair(cp_id, free_port())
        self.cps[cp_id] = pair
        self.start_engine(cp_id, duration=duration, extra=engine_extra)
        self.start_monitor(cp_id)
        return pair

    def start_engine(self, cp_id: str, *, duration: float | None = None, extra: tuple[str, ...] = ()) -> HostProc:
        pair = self.cps[cp_id]
        pair.engine = self._spawn(f"{cp_id}-engine", [
            "-m", "cp_simulator.engine_cli", *self.common(), "--data-dir", str(self.cp_dir),
            "--listen", f"{self.engine_host}:{pair.port}", "--cp-id", cp_id, "--no-menu",
            "--cp-credentials", str(self.credentials_dir),
            "--auto", "--auto-plug-delay", str(self.auto_plug_delay),
            "--auto-duration", str(duration or self.auto_duration), *extra], "cp")
        return pair.engine

    def start_monitor(self, cp_id: str) -> HostProc:
        pair = self.cps[cp_id]
        pair.monitor = self._spawn(f"{cp_id}-monitor", [
            "-m", "cp_simulator.monitor_cli", "--engine", f"{self.engine_host}:{pair.port}",
            "--central", self.central_addr, "--cp-id", cp_id,
            "--cp-credentials", str(self.credentials_dir),
            "--auth-retry", "2"], "cp")
        return pair.monitor

    def kill_engine(self, cp_id: str) -> None:
        self.cps[cp_id].engine.kill9()

    def kill_monitor(self, cp_id: str) -> None:
        self.cps[cp_id].monitor.kill9()

    def journal(self, cp_id: str) -> dict:
        path = self.cp_dir / f"engine-{cp_id}" / "journal.json"
        return json.loads(path.read_text()) if path.exists() else {"open": None, "recent": []}

    def wait_supplying(self, cp_id: str, min_seq: int = 2, timeout: float = 120.0) -> dict:
        """The Engine's journal shows an open supply with at least *min_seq* telemetry readings."""
        def open_rec():
            rec = self.journal(cp_id).get("open")
            return rec if rec and rec.get("ended_at") is None and rec.get("seq", 0) >= min_seq else None
        return wait_until(open_rec, timeout, interval=0.2, message=f"{cp_id} supplying (journal)")

    # -- drivers
    def start_driver(self, driver_id: str, *what: str, data_name: str | None = None,
                     log_level: str = "WARNING") -> HostProc:
        p = self._spawn(f"driver-{driver_id}", [
            "-m", "ev_desktop.headless", *self.common(), "--central", self.central_addr,
            "--driver-id", driver_id, "--pause", "1",
            "--data-dir", str(self.tmp / "drivers" / (data_name or driver_id)),
            "--log-level", log_level, *what], "driver", {"EV_DRIVER_PASSWORD": "pass123"})
        self.drivers.append(p)
        return p

    @staticmethod
    def wait_results(driver: HostProc, count: int = 1, timeout: float = 180.0) -> list[DriverResult]:
        def done():
            res = driver.results()
            if len(res) >= count:
                return res
            if not driver.alive():
                raise AssertionError(f"{driver.name} exited ({driver.popen.returncode}) after "
                                     f"{len(res)} result(s):\n{driver.output()[-3000:]}")
            return None
        return wait_until(done, timeout, interval=0.3, message=f"{count} RESULT line(s) from {driver.name}")

    # -- checks
    def procs(self) -> list[HostProc]:
        return list(self._procs)

    def tracebacks(self) -> dict[str, str]:
        """Log files that contain a Python traceback (name → the text around it)."""
        out = {}
        for p in self._procs:
            text = p.output()
            i = text.find("Traceback")
            if i >= 0:
                out[p.name] = text[max(0, i - 300): i + 2500]
        return out

    def ledger(self, driver_results: list[DriverResult] | None = None) -> "Ledger":
        assert self.watcher is not None
        return Ledger.build(self, driver_results or [r for d in self.drivers for r in d.results()])

    def wait_ledger_settled(self, sessions: set[str] | None = None, timeout: float = 120.0) -> "Ledger":
        """Wait until every session the Engines reported (or *sessions*) is billed everywhere,
        and the watcher has read the Engine's final report of every supply billed with energy.

        Why the last part: the watcher reads the notification and CP-event topics on one
        consumer, partition by partition, so it can hold Central's Ticket before the Engine's
        SupplyFinished that caused it (seen in CI: "billed … in the DB but no Engine final
        report", the report read a moment later). A ledger built in that gap is not a mismatch
        of the system's, only of the watcher's reading."""
        def settled():
            led = self.ledger()
            want = sessions if sessions is not None else set(led.engine_kwh)
            billed_unread = [sid for sid, row in led.db_tickets.items()
                             if row["kwh"] > 0 and sid not in led.engine_kwh
                             and (sessions is None or sid in sessions)]
            if want and all(s in led.db_tickets and s in led.tickets for s in want) and not billed_unread:
                return led
            return None
        try:
            return wait_until(settled, timeout, interval=0.5,
                              message="every supply billed (DB + Ticket) and its Engine report read")
        except WaitTimeout as exc:   # say what is missing, not only that something is
            raise AssertionError(f"{exc}; ledger now:\n" + "\n".join(self.ledger().mismatches()[:30])) from None

    # -- teardown
    def close(self) -> None:
        for p in reversed(self._procs):
            try:
                p.kill9()
            except Exception:  # noqa: BLE001 - keep killing the others
                pass
            try:
                p._log.close()
            except Exception:  # noqa: BLE001
                pass
        if self.watcher is not None:
            self.watcher.close()
        if self.broker is not None:
            self.broker.stop(hard=True, timeout=15)


@dataclass
class Ledger:
    """One view of every supply from the Engines, the tickets, the drivers and the DB."""

    engine_kwh: dict[str, float]            # session → kWh of the Engine's final report
    final_copies: dict[str, list[float]]    # session → kWh of every copy of that report
    journal_closed: dict[str, bool]         # session → closed in its CP's journal
    journal_open: dict[str, dict | None]    # cp → open record left in the journal
    tickets: dict[str, list[float]]         # session → kWh of each distinct Ticket message
    db_tickets: dict[str, dict]             # session → tickets row
    db_supplies: dict[str, dict]            # session → supplies row
    results: dict[str, list[DriverResult]]  # session → driver RESULT lines

    @classmethod
    def build(cls, system: System, results: list[DriverResult]) -> "Ledger":
        w = system.watcher
        assert w is not None
        finals = w.finals()
        journals = {cp: system.journal(cp) for cp in system.cps}
        closed = {sid for j in journals.values() for sid in j.get("recent", [])}
        res: dict[str, list[DriverResult]] = defaultdict(list)
        for r in results:
            if r.session != "-":
                res[r.session].append(r)
        try:
            db_t = {r["session_id"]: r for r in system.db_rows("tickets")}
            db_s = {r["id"]: r for r in system.db_rows("supplies")}
        except sqlite3.Error:
            db_t, db_s = {}, {}
        return cls(
            engine_kwh={sid: copies[-1].kwh for sid, copies in finals.items()},
            final_copies={sid: [f.kwh for f in copies] for sid, copies in finals.items()},
            journal_closed={sid: sid in closed for sid in finals},
            journal_open={cp: j.get("open") for cp, j in journals.items()},
            tickets={sid: [e.body.kwh for e in envs] for sid, envs in w.tickets().items()},
            db_tickets=db_t, db_supplies=db_s, results=dict(res))

    def mismatches(self) -> list[str]:
        bad: list[str] = []
        for sid, kwh in sorted(self.engine_kwh.items()):
            copies = self.final_copies[sid]
            if any(abs(k - kwh) > KWH_TOL for k in copies):
                bad.append(f"{sid}: Engine final reports disagree {copies}")
            if not self.journal_closed[sid]:
                bad.append(f"{sid}: not closed in the Engine's journal")
            t = self.tickets.get(sid, [])
            if len(t) != 1:
                bad.append(f"{sid}: {len(t)} distinct Ticket message(s) (want exactly 1)")
            elif abs(t[0] - kwh) > KWH_TOL:
                bad.append(f"{sid}: Ticket {t[0]} kWh != Engine {kwh} kWh")
            row = self.db_tickets.get(sid)
            if row is None:
                bad.append(f"{sid}: no ticket row in Central's DB")
            elif abs(row["kwh"] - kwh) > KWH_TOL:
                bad.append(f"{sid}: DB ticket {row['kwh']} kWh != Engine {kwh} kWh")
            sup = self.db_supplies.get(sid)
            if sup is None or not sup["billed"] or sup["status"] != "finished":
                bad.append(f"{sid}: DB supply not finished+billed: {sup and (sup['status'], sup['billed'])}")
            elif abs(sup["kwh"] - kwh) > KWH_TOL:
                bad.append(f"{sid}: DB supply {sup['kwh']} kWh != Engine {kwh} kWh")
            for r in self.results.get(sid, []):
                if abs(r.kwh - kwh) > 0.0005 + 1e-9:
                    bad.append(f"{sid}: driver RESULT {r.kwh} kWh != Engine {kwh:.6f} kWh")
            if len(self.results.get(sid, [])) > 1:
                bad.append(f"{sid}: {len(self.results[sid])} driver RESULT lines (want at most 1)")
        # nothing billed that no Engine reported
        for sid, row in self.db_tickets.items():
            if sid not in self.engine_kwh and row["kwh"] > 0:
                bad.append(f"{sid}: billed {row['kwh']} kWh in the DB but no Engine final report")
        for sid in self.tickets:
            if sid not in self.engine_kwh and sid not in self.db_tickets:
                bad.append(f"{sid}: Ticket message without DB row or Engine report")
        for cp, rec in self.journal_open.items():
            if rec is not None and rec.get("ended_at") is not None:
                bad.append(f"{cp}: journal still holds a finishing supply {rec.get('session_id')}")
        return bad

    def total_kwh(self) -> float:
        return sum(self.engine_kwh.values())


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def kill_pid(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
