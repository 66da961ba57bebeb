"""``ev-stack up|down|status`` — the whole system on local defaults, for a new user or a demo.

``up`` starts, in order: the local Kafka broker (unless ``--bootstrap-servers`` names an
existing cluster), Central with a seeded demo database, N CP engine+monitor pairs in auto mode
(``ev-cp-fleet``), and the desktop app — or, with ``--no-gui``, M headless drivers running the
demo services file. It prints what it started and where, then a short status line every few
seconds, and on Ctrl+C — or SIGTERM, SIGHUP (closed terminal), or when its output pipe closes —
stops everything it started in reverse order. Every start is recorded at once in
``<stack dir>/stack.json`` (pid + start time, :mod:`ev_common.proc`): ``ev-stack down`` stops a
``--detach``ed stack, or what is left after ``ev-stack`` itself was killed with ``kill -9``
(children not detached die with it anyway: PR_SET_PDEATHSIG).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ev_common.kafka.broker import LocalBroker
from ev_common.kafka.status_view import StackStatus
from ev_common.logsetup import setup_logging
from ev_common.pki import ca_file
from ev_common.netcheck import connect_tcp, ephemeral_warning
from ev_common.proc import ProcessRecord, read_records, spawn, terminate, write_records
from ev_common.stack_kafka import local_kafka, node_pids, recorded_kafka
from ev_common import stack_centrals
from ev_common.settings import default_data_dir, setting
from ev_common.topics import Topics

log = logging.getLogger("ev-stack")
DEMO_CP_KEY = "demo-cp-key"  # what `ev-db seed` gives the demo CPs this command creates
REPO = Path(__file__).resolve().parent.parent
RECORD = "stack.json"


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    log_path: Path
    record: ProcessRecord

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Stack:
    """What one ``ev-stack up`` started. Every start is recorded at once in ``stack.json``
    (pids with start times, see :mod:`ev_common.proc`), so ``ev-stack down`` finds it even
    after this process was killed with ``kill -9``."""

    dir: Path
    detached: bool = False
    children: list[Child] = field(default_factory=list)
    broker: LocalBroker | None = None
    broker_record: ProcessRecord | None = None

    @property
    def record_path(self) -> Path:
        return self.dir / RECORD

    #: role → its Kafka credentials file (a path in the child's environment, never argv)
    credentials: dict[str, Path] = field(default_factory=dict)

    def spawn(self, name: str, module: str, args: list[str], role: str | None = None,
              env: dict[str, str] | None = None) -> Child:
        log_path = self.dir / "logs" / f"{name}.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        if role in self.credentials:
            env["EV_KAFKA_CREDENTIALS"] = str(self.credentials[role])
        popen = spawn([sys.executable, "-m", module, *args], log_path=log_path, env=env, cwd=REPO,
                      detached=self.detached)
        child = Child(name, popen, log_path, ProcessRecord.of(name, popen.pid))
        self.children.append(child)
        self.save()
        say(f"  started {name:<14} pid {popen.pid:<7} log {log_path}")
        return child

    def adopt_broker(self, broker: LocalBroker) -> None:
        """Record the broker we started (it runs detached from us: Kafka must shut down
        cleanly, so it is stopped by ``stop_all`` / ``ev-stack down``, never by PDEATHSIG)."""
        self.broker = broker
        pid = broker.pid()
        self.broker_record = ProcessRecord.of("kafka", pid) if pid else None
        self.save()

    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        write_records(self.record_path, [c.record for c in self.children], detached=self.detached,
                      broker_dir=str(self.broker.dir) if self.broker else None,
                      broker=self.broker_record.to_json() if self.broker_record else None)

    def stop_all(self) -> None:
        """Reverse start order: drivers/app, CPs, Central, then the broker we started."""
        for child in reversed(self.children):
            if child.alive():
                say(f"  stopping {child.name} ...")
                terminate(child.record, child.popen)
        self.children.clear()
        if self.broker is not None:
            say("  stopping Kafka ...")
            self.broker.stop()
            self.broker = None
        self.record_path.unlink(missing_ok=True)


class StopRequested(BaseException):
    """SIGTERM / SIGHUP (or a dead output pipe) asked the foreground stack to stop: handled
    like Ctrl+C (a BaseException so no ``except Exception`` on the way swallows it)."""


_output_broken = False


def say(text: str) -> None:
    """Print to the console; a closed pipe (``ev-stack up | tee`` after Ctrl+C) or a closed
    terminal (EIO) must not abort the shutdown: from then on output goes nowhere and
    :func:`output_broken` says so (the status loop then stops the stack)."""
    global _output_broken
    if _output_broken:
        return
    try:
        print(text, flush=True)
    except (BrokenPipeError, OSError):
        _output_broken = True
        try:
            devnull = open(os.devnull, "w")
            sys.stdout = devnull
            sys.stderr = devnull
        except OSError:
            pass


def output_broken() -> bool:
    return _output_broken


def _on_stop_signal(signum: int, _frame: object) -> None:
    # ignore repeats while we are stopping: a second SIGTERM must not cut the shutdown short
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise StopRequested(signal.Signals(signum).name)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _wait_port(host: str, port: int, timeout: float, child: Child) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited; see {child.log_path}")
        try:
            with connect_tcp(host, port, 0.5):  # never mistake a self-connection for Central
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{child.name} is not listening on {host}:{port}; see {child.log_path}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-stack", description="Run the whole EVCharging system")
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start everything (Ctrl+C stops it)")
    up.add_argument("--cps", type=int, default=5, help="charging points to simulate (default 5)")
    up.add_argument("--ocpp-cps", type=int, default=0, help="more CPs as simulated OCPP chargers behind "
                    "an ev-ocpp-gateway (docs/ocpp.md; default 0)")
    up.add_argument("--ocpp-port", type=int, default=9000, help="the gateway's wss port (default 9000)")
    up.add_argument("--drivers", type=int, default=2, help="headless drivers with --no-gui (default 2)")
    up.add_argument("--no-gui", action="store_true", help="headless drivers instead of the desktop app")
    up.add_argument("--bootstrap-servers", default=None,
                    help="use this existing Kafka cluster instead of starting a local broker")
    up.add_argument("--kafka-port", type=int, default=int(setting("kafka_port", "9092")))
    up.add_argument("--brokers", type=int, default=int(setting("stack_brokers", "1")),
                    help="Kafka brokers to start: 3 = a local cluster on --kafka-port, +1, +2 "
                    "(controllers +10), replication factor 3, min.insync.replicas 2 (default 1)")
    up.add_argument("--central-port", type=int, default=7000)
    stack_centrals.add_args(up)
    up.add_argument("--topic-prefix", default=setting("topic_prefix", "ev"))
    up.add_argument("--auto-duration", type=float, default=15.0, help="seconds each auto supply lasts")
    up.add_argument("--time-scale", type=float, default=60.0,
                    help="charging seconds metered per real second, so demo tickets show realistic "
                         "kWh (default %(default)s: a 15 s supply bills 15 minutes)")
    up.add_argument("--services", type=Path, default=REPO / "assets" / "services_demo.txt")
    up.add_argument("--ready-timeout", type=float, default=90.0,
                    help="seconds to wait for every CP to be available before starting the drivers "
                         "or the desktop app (default %(default)s)")
    up.add_argument("--detach", action="store_true", help="start and return; stop with `ev-stack down`")
    for sp in (up, sub.add_parser("down", help="stop the stack recorded here (detached, or after ev-stack was killed)"),
               sub.add_parser("status", help="show what the stack recorded here runs")):
        sp.add_argument("--stack-dir", type=Path, default=default_data_dir() / "stack")
    return p


def up(args: argparse.Namespace) -> int:
    stack = Stack(dir=args.stack_dir, detached=args.detach)
    args.stack_dir.mkdir(parents=True, exist_ok=True)
    running = _recorded_running(args.stack_dir)
    if running:
        say(f"A stack is already running here ({', '.join(running)}); stop it with `ev-stack down`.")
        return 1
    if not args.detach:
        # SIGTERM (kill, a service manager) and SIGHUP (a closed terminal) stop the stack like
        # Ctrl+C does; without this they ended ev-stack alone and orphaned every child.
        for sig in _STOP_SIGNALS:
            signal.signal(sig, _on_stop_signal)
    prefix = args.topic_prefix
    central = f"127.0.0.1:{args.central_port}"
    say(f"EVCharging stack in {args.stack_dir}")
    ports = [("Central", args.central_port)] + ([] if args.bootstrap_servers else [("Kafka", args.kafka_port)])
    for what, port in ports:
        warning = ephemeral_warning(what, port)
        if warning:
            say(f"  warning: {warning}")
    started = time.time()  # CP states published before this belong to an earlier run
    status: StackStatus | None = None
    try:
        bootstrap = args.bootstrap_servers
        if not bootstrap:
            broker = local_kafka(args, say)
            already = broker.pid() is not None
            bootstrap = broker.start()
            if not already:  # a broker that was already running is not ours to stop
                stack.adopt_broker(broker)
            say(f"  Kafka ready at {bootstrap} (SASL_SSL; credentials in {broker.secrets.clients_dir})")
            stack.credentials = {r: broker.secrets.credentials_file(r)
                                 for r in ("central", "cp", "driver", "operator")}
            admin_creds = broker.credentials("admin")
        else:
            admin_creds = None  # an existing cluster: this process's own identity (env)
        from ev_common.kafka.admin import ensure_topics
        ensure_topics(bootstrap, Topics(prefix), credentials=admin_creds)
        if admin_creds is not None:
            from ev_common.kafka.acl import grant
            grant(bootstrap, prefix, admin_creds)
        common = ["--bootstrap-servers", bootstrap, "--topic-prefix", prefix]
        db = stack_centrals.database(stack, args, say)
        creds = args.stack_dir / "cp-credentials"  # the demo CPs' key files (0600), read by the fleet
        seed = subprocess.run([sys.executable, "-m", "central_service.db_cli", "--db", db, "seed",
                               "--cps", str(args.cps + args.ocpp_cps), "--drivers", str(max(args.drivers, 2)),
                               "--credentials-dir", str(creds)],
                              cwd=REPO, capture_output=True, text=True)
        if seed.returncode != 0:
            raise RuntimeError(f"seeding the demo database failed:\n{seed.stdout}{seed.stderr}")
        say(f"  demo database {db} (drivers driver1.. / pass123, operator operator1 / admin123)")
        central = stack_centrals.start_centrals(stack, args, common, db, _wait_port, say)
        say(f"  Central: {central} (TLS; clients trust {ca_file()})")
        stack.spawn("cp-fleet", "cp_simulator.fleet",
                    [*common, "--count", str(args.cps), "--central", central, "--auto",
                     "--auto-duration", str(args.auto_duration), "--time-scale", str(args.time_scale),
                     "--data-dir", str(args.stack_dir / "cps"), "--cp-credentials", str(creds)], role="cp")
        if args.ocpp_cps > 0:
            from ocpp_gateway.stack_part import start_ocpp  # noqa: PLC0415 - only when asked for
            start_ocpp(stack, args, common, central, creds, _wait_port, db)
        status = _status_reader(stack, bootstrap, prefix)
        _wait_cps_ready(status, args.cps + args.ocpp_cps, started, args.ready_timeout)
        if not args.no_gui and not _has_display():
            say("  no display found (DISPLAY / WAYLAND_DISPLAY unset): starting headless drivers "
                "instead of the desktop app (same as --no-gui)")
            args.no_gui = True
        if args.no_gui:
            for i in range(1, args.drivers + 1):
                stack.spawn(f"driver{i}", "ev_desktop.headless",
                            [*common, "--central", central, "--driver-id", f"driver{i}",
                             "--services", str(args.services),
                             "--data-dir", str(args.stack_dir / f"driver{i}")], role="driver",
                            env={"EV_DRIVER_PASSWORD": "pass123"})  # demo password, never in argv
        else:
            stack.spawn("desktop", "ev_desktop.app",
                        [*common, "--central", central, "--data-dir", str(args.stack_dir / "desktop")],
                        role="operator")
        if args.detach:
            say("Stack running in the background; `ev-stack down` stops it.")
            return 0
        say("Running. Ctrl+C stops everything.\n")
        _follow(stack, status)
        return 0
    except KeyboardInterrupt:
        say("\nCtrl+C — stopping the stack")
        return 0
    except StopRequested as why:
        say(f"\n{why} — stopping the stack")
        return 0
    except (RuntimeError, TimeoutError, OSError) as exc:
        say(f"\nCould not start the stack: {exc}")
        return 1
    finally:
        if status is not None:
            status.stop()
        if not args.detach:
            for sig in _STOP_SIGNALS:  # nothing may interrupt the shutdown half-way
                signal.signal(sig, signal.SIG_IGN)
            stack.stop_all()
            say("Everything stopped.")


def _has_display() -> bool:
    """Can a Qt window open here? (offscreen/minimal platforms count: tests, screenshots)."""
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _status_reader(stack: Stack, bootstrap: str, prefix: str) -> StackStatus:
    """A started group-less reader of CP states, Central's heartbeat and activity (as admin, who
    may read every topic of the demo)."""
    if stack.credentials:
        os.environ["EV_KAFKA_CREDENTIALS"] = str(Path(stack.credentials["central"]).with_name("admin.toml"))
    status = StackStatus(bootstrap, Topics(prefix))
    status.start()
    return status


def _wait_cps_ready(status: StackStatus, want: int, since: float, timeout: float) -> None:
    """Start drivers only once every CP is *available* at Central: a Monitor that has not heard
    its Engine yet reports it faulted, and a driver started at once was denied its first request
    (seen in CI on a loaded machine). Past *timeout* the stack goes on and says so."""
    if want <= 0:
        return
    say(f"  waiting for {want} CP(s) to be available at Central (up to {timeout:g} s)…")
    deadline = time.monotonic() + timeout
    while (ready := status.available_since(since)) < want:
        if time.monotonic() >= deadline:
            say(f"  warning: only {ready} of {want} CP(s) available after {timeout:g} s; starting "
                "anyway — see logs/cp-fleet.log and the status lines below")
            return
        time.sleep(0.2)
    say(f"  {ready} CP(s) available")


def _follow(stack: Stack, status: StackStatus) -> None:
    """Print one status line every few seconds until Ctrl+C / SIGTERM / SIGHUP, every child is
    gone, or nobody can read our output any more (the pipe or terminal closed)."""
    stop = threading.Event()
    while not stop.wait(5.0):
        dead = [c.name for c in stack.children if not c.alive()]
        line = status.line()
        if dead:
            line += f" | exited: {', '.join(dead)}"
        say(time.strftime("%H:%M:%S ") + line)
        if output_broken():
            raise StopRequested("output closed")
        if len(dead) == len(stack.children):
            return


def _recorded_running(dir_: Path) -> list[str]:
    """Names of recorded processes that are still the processes we started."""
    try:
        children, data = read_records(dir_ / RECORD)
    except (OSError, ValueError):
        return []
    names = [c.name for c in children if c.alive()]
    broker = data.get("broker")
    if broker and ProcessRecord.from_json(broker).alive():
        names.append("kafka")
    sup = data.get("supervisor")
    if sup and not data.get("detached") and ProcessRecord.from_json(sup).alive():
        names.append(f"ev-stack pid {sup['pid']}")
    return names


def down(args: argparse.Namespace) -> int:
    """Stop what an ``up`` started here: a detached stack, or one whose ``ev-stack`` was
    killed (``kill -9``) or is still running in another terminal. Only processes whose pid
    *and* start time match the record are touched."""
    path = args.stack_dir / RECORD
    try:
        children, data = read_records(path)
    except (OSError, ValueError):
        say("No stack recorded here.")
        return 0
    sup = data.get("supervisor")
    if sup and not data.get("detached"):
        supervisor = ProcessRecord.from_json(sup)
        if supervisor.alive():  # a foreground ev-stack: let it stop its own children
            say(f"  asking ev-stack (pid {supervisor.pid}) to stop ...")
            os.kill(supervisor.pid, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while supervisor.alive() and time.monotonic() < deadline:
                time.sleep(0.2)
    for child in reversed(children):
        if child.alive():
            say(f"  stopping {child.name} (pid {child.pid}) ...")
            terminate(child)
    broker = data.get("broker")
    if broker and data.get("broker_dir"):
        record = ProcessRecord.from_json(broker)
        local = recorded_kafka(Path(data["broker_dir"]))
        # a cluster's nodes live in the stack's own dir: any of them still running is ours
        if (record.alive() and local.pid() == record.pid) or node_pids(local):
            say("  stopping Kafka ...")
            local.stop()
    path.unlink(missing_ok=True)
    say("Everything stopped.")
    return 0


def status(args: argparse.Namespace) -> int:
    try:
        children, data = read_records(args.stack_dir / RECORD)
    except (OSError, ValueError):
        say("No stack recorded here.")
        return 1
    for c in children:
        say(f"  {c.name:<14} pid {c.pid:<7} {'running' if c.alive() else 'exited'}")
    if data.get("broker"):
        b = ProcessRecord.from_json(data["broker"])
        say(f"  {'kafka':<14} pid {b.pid:<7} {'running' if b.alive() else 'exited'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging("ev-stack", "WARNING")
    return {"up": up, "down": down, "status": status}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
