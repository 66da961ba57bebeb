"""``ev-stack up|down|status`` — the whole system on local defaults, for a new user or a demo.

``up`` starts, in order: the local Kafka broker (unless ``--bootstrap-servers`` names an
existing cluster), Central with a seeded demo database, N CP engine+monitor pairs in auto mode
(``ev-cp-fleet``), and the desktop app — or, with ``--no-gui``, M headless drivers running the
demo services file. It prints what it started and where, then a short status line every few
seconds, and on Ctrl+C stops everything it started in reverse order. ``--detach`` leaves the
stack running and records it in ``<stack dir>/stack.json`` so ``ev-stack down`` can stop it.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker, kafka_version
from ev_common.logsetup import setup_logging
from ev_common.pki import ca_file
from ev_common.settings import default_data_dir, setting
from ev_common.topics import Topics

log = logging.getLogger("ev-stack")
DEMO_CP_KEY = "demo-cp-key"  # what `ev-db seed` gives the demo CPs this command creates
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Stack:
    dir: Path
    children: list[Child] = field(default_factory=list)
    broker: LocalBroker | None = None

    #: role → its Kafka credentials file (a path in the child's environment, never argv)
    credentials: dict[str, Path] = field(default_factory=dict)

    def spawn(self, name: str, module: str, args: list[str], role: str | None = None,
              env: dict[str, str] | None = None) -> Child:
        logs = self.dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{name}.log"
        out = open(log_path, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        if role in self.credentials:
            env["EV_KAFKA_CREDENTIALS"] = str(self.credentials[role])
        popen = subprocess.Popen([sys.executable, "-m", module, *args], stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                 cwd=REPO, start_new_session=True)
        child = Child(name, popen, log_path)
        self.children.append(child)
        print(f"  started {name:<14} pid {popen.pid:<7} log {log_path}")
        return child

    def stop_all(self) -> None:
        """Reverse start order: drivers/app, CPs, Central, then the broker we started."""
        for child in reversed(self.children):
            if child.alive():
                print(f"  stopping {child.name} ...", flush=True)
                _terminate(child.popen.pid, child.popen)
        self.children.clear()
        if self.broker is not None:
            print("  stopping Kafka ...", flush=True)
            self.broker.stop()
            self.broker = None


def _terminate(pid: int, popen: subprocess.Popen | None = None, timeout: float = 15.0) -> None:
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if popen is not None:
                if popen.poll() is not None:
                    return
            elif not _pid_alive(pid):
                return
            time.sleep(0.1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _wait_port(host: str, port: int, timeout: float, child: Child) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited; see {child.log_path}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{child.name} is not listening on {host}:{port}; see {child.log_path}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-stack", description="Run the whole EVCharging system")
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start everything (Ctrl+C stops it)")
    up.add_argument("--cps", type=int, default=5, help="charging points to simulate (default 5)")
    up.add_argument("--drivers", type=int, default=2, help="headless drivers with --no-gui (default 2)")
    up.add_argument("--no-gui", action="store_true", help="headless drivers instead of the desktop app")
    up.add_argument("--bootstrap-servers", default=None,
                    help="use this existing Kafka cluster instead of starting a local broker")
    up.add_argument("--kafka-port", type=int, default=int(setting("kafka_port", "9092")))
    up.add_argument("--central-port", type=int, default=7000)
    up.add_argument("--topic-prefix", default=setting("topic_prefix", "ev"))
    up.add_argument("--auto-duration", type=float, default=15.0, help="seconds each auto supply lasts")
    up.add_argument("--time-scale", type=float, default=60.0,
                    help="charging seconds metered per real second, so demo tickets show realistic "
                         "kWh (default %(default)s: a 15 s supply bills 15 minutes)")
    up.add_argument("--services", type=Path, default=REPO / "assets" / "services_demo.txt")
    up.add_argument("--detach", action="store_true", help="start and return; stop with `ev-stack down`")
    for sp in (up, sub.add_parser("down", help="stop a detached stack"),
               sub.add_parser("status", help="show what a detached stack runs")):
        sp.add_argument("--stack-dir", type=Path, default=default_data_dir() / "stack")
    return p


def up(args: argparse.Namespace) -> int:
    stack = Stack(dir=args.stack_dir)
    args.stack_dir.mkdir(parents=True, exist_ok=True)
    if (args.stack_dir / "stack.json").exists() and _recorded_alive(args.stack_dir):
        print("A detached stack is already running here; stop it with `ev-stack down`.")
        return 1
    prefix = args.topic_prefix
    central = f"127.0.0.1:{args.central_port}"
    print(f"EVCharging stack in {args.stack_dir}")
    try:
        bootstrap = args.bootstrap_servers
        if not bootstrap:
            print(f"  starting Apache Kafka {kafka_version()} on 127.0.0.1:{args.kafka_port} ...", flush=True)
            stack.broker = LocalBroker(BrokerConfig(data_dir=args.stack_dir / "kafka", port=args.kafka_port))
            already = stack.broker.pid() is not None
            bootstrap = stack.broker.start()
            if already:
                stack.broker = None  # not ours to stop
            print(f"  Kafka ready at {bootstrap} (SASL_SSL; credentials in "
                  f"{stack.broker.secrets.clients_dir if stack.broker else args.stack_dir / 'kafka' / 'clients'})")
            local = LocalBroker(BrokerConfig(data_dir=args.stack_dir / "kafka"))
            stack.credentials = {r: local.secrets.credentials_file(r)
                                 for r in ("central", "cp", "driver", "operator")}
            admin_creds = local.credentials("admin")
        else:
            admin_creds = None  # an existing cluster: this process's own identity (env)
        from ev_common.kafka.admin import ensure_topics
        ensure_topics(bootstrap, Topics(prefix), credentials=admin_creds)
        if admin_creds is not None:
            from ev_common.kafka.acl import grant
            grant(bootstrap, prefix, admin_creds)
        common = ["--bootstrap-servers", bootstrap, "--topic-prefix", prefix]
        db = f"sqlite:///{args.stack_dir / 'central.sqlite3'}"
        creds = args.stack_dir / "cp-credentials"  # the demo CPs' key files (0600), read by the fleet
        seed = subprocess.run([sys.executable, "-m", "central_service.db_cli", "--db", db, "seed",
                               "--cps", str(args.cps), "--drivers", str(max(args.drivers, 2)),
                               "--credentials-dir", str(creds)],
                              cwd=REPO, capture_output=True, text=True)
        if seed.returncode != 0:
            raise RuntimeError(f"seeding the demo database failed:\n{seed.stdout}{seed.stderr}")
        print(f"  demo database {db} (drivers driver1.. / pass123, operator operator1 / admin123)")
        c = stack.spawn("central", "central_service.cli",
                        [*common, "--port", str(args.central_port), "--db", db,
                         "--data-dir", str(args.stack_dir / "central"),
                         "--billing-time-scale", str(args.time_scale)], role="central")
        _wait_port("127.0.0.1", args.central_port, 60, c)
        print(f"  Central listening on {central} (TLS; clients trust {ca_file()})")
        stack.spawn("cp-fleet", "cp_simulator.fleet",
                    [*common, "--count", str(args.cps), "--central", central, "--auto",
                     "--auto-duration", str(args.auto_duration), "--time-scale", str(args.time_scale),
                     "--data-dir", str(args.stack_dir / "cps"), "--cp-credentials", str(creds)], role="cp")
        if not args.no_gui and not _has_display():
            print("  no display found (DISPLAY / WAYLAND_DISPLAY unset): starting headless drivers "
                  "instead of the desktop app (same as --no-gui)")
            args.no_gui = True
        if args.no_gui:
            for i in range(1, args.drivers + 1):
                stack.spawn(f"driver{i}", "ev_desktop.headless",
                            [*common, "--central", central, "--driver-id", f"driver{i}",
                             "--password", "pass123", "--services", str(args.services),
                             "--data-dir", str(args.stack_dir / f"driver{i}")], role="driver")
        else:
            stack.spawn("desktop", "ev_desktop.app",
                        [*common, "--central", central, "--data-dir", str(args.stack_dir / "desktop")],
                        role="operator")
        if args.detach:
            _record(args.stack_dir, stack)
            print("Stack running in the background; `ev-stack down` stops it.")
            return 0
        print("Running. Ctrl+C stops everything.\n")
        _follow(stack, bootstrap, prefix)
        return 0
    except KeyboardInterrupt:
        print("\nCtrl+C — stopping the stack")
        return 0
    except (RuntimeError, TimeoutError, OSError) as exc:
        print(f"\nCould not start the stack: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.detach:
            stack.stop_all()
            print("Everything stopped.")


def _has_display() -> bool:
    """Can a Qt window open here? (offscreen/minimal platforms count: tests, screenshots)."""
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _follow(stack: Stack, bootstrap: str, prefix: str) -> None:
    """Print one status line every few seconds until Ctrl+C (or every child is gone)."""
    from ev_common.kafka.status_view import StackStatus  # small consumer of state + heartbeat

    if stack.credentials:  # the status line reads as admin (any topic of the demo)
        os.environ["EV_KAFKA_CREDENTIALS"] = str(Path(stack.credentials["central"]).with_name("admin.toml"))
    status = StackStatus(bootstrap, Topics(prefix))
    status.start()
    stop = threading.Event()
    try:
        while not stop.wait(5.0):
            dead = [c.name for c in stack.children if not c.alive()]
            line = status.line()
            if dead:
                line += f" | exited: {', '.join(dead)}"
            print(time.strftime("%H:%M:%S ") + line, flush=True)
            if len(dead) == len(stack.children):
                return
    finally:
        status.stop()


def _record(dir_: Path, stack: Stack) -> None:
    data = {"children": [{"name": c.name, "pid": c.popen.pid} for c in stack.children],
            "broker_dir": str(stack.broker.dir) if stack.broker else None}
    (dir_ / "stack.json").write_text(json.dumps(data, indent=2))


def _recorded_alive(dir_: Path) -> bool:
    data = json.loads((dir_ / "stack.json").read_text())
    return any(_pid_alive(c["pid"]) for c in data["children"])


def down(args: argparse.Namespace) -> int:
    path = args.stack_dir / "stack.json"
    if not path.exists():
        print("No detached stack recorded here.")
        return 0
    data = json.loads(path.read_text())
    for c in reversed(data["children"]):
        if _pid_alive(c["pid"]):
            print(f"  stopping {c['name']} (pid {c['pid']}) ...", flush=True)
            _terminate(c["pid"])
    if data.get("broker_dir"):
        print("  stopping Kafka ...", flush=True)
        LocalBroker(BrokerConfig(data_dir=Path(data["broker_dir"]))).stop()
    path.unlink()
    print("Everything stopped.")
    return 0


def status(args: argparse.Namespace) -> int:
    path = args.stack_dir / "stack.json"
    if not path.exists():
        print("No detached stack recorded here.")
        return 1
    data = json.loads(path.read_text())
    for c in data["children"]:
        print(f"  {c['name']:<14} pid {c['pid']:<7} {'running' if _pid_alive(c['pid']) else 'exited'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging("ev-stack", "WARNING")
    return {"up": up, "down": down, "status": status}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
