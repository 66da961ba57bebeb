"""``ev-cp-fleet``: start N Engine+Monitor pairs as child processes, stop them all cleanly.

Each pair gets an id (``CP001``…), a free port (or ``--base-port + i``), a log file per
process in ``<data-dir>/fleet/`` and is started in its own session so a terminal Ctrl+C
reaches only the fleet, which then interrupts every child (SIGINT → their own clean shutdown),
waits, and kills whatever is left. Nothing keeps running after the fleet exits.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ev_common.ports import free_port
from ev_common.settings import DEFAULT_CENTRAL, add_common_args, common_settings, setting
from ev_common.tls_links import add_client_tls_args

LOCATIONS = ["Alicante Centro", "Elche Parque", "Benidorm Playa", "San Vicente UA", "Alcoy Norte",
             "Villena Sur", "Denia Puerto", "Orihuela Este"]


@dataclass
class Pair:
    cp_id: str
    port: int
    engine: subprocess.Popen
    monitor: subprocess.Popen

    def procs(self) -> list[subprocess.Popen]:
        return [self.monitor, self.engine]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-cp-fleet", description="Arranca N puntos de recarga (Engine + Monitor)")
    add_common_args(p)
    p.add_argument("--count", type=int, required=True, help="número de CPs")
    p.add_argument("--start-id", type=int, default=1, help="primer número de CP (%(default)s → CP001)")
    p.add_argument("--central", default=setting("central", DEFAULT_CENTRAL), help="HOST:PORT de la CENTRAL")
    p.add_argument("--base-port", type=int, default=None, help="puerto del primer Engine (si no, libres)")
    p.add_argument("--engine-host", default="127.0.0.1", help="dirección donde escuchan los Engines")
    p.add_argument("--auto", action="store_true", help="Engines en modo demo automático")
    p.add_argument("--auto-plug-delay", type=float, default=3.0)
    p.add_argument("--auto-duration", type=float, default=10.0)
    p.add_argument("--auto-kwh", type=float, default=None)
    p.add_argument("--time-scale", type=float, default=1.0,
                   help="segundos de carga medidos por segundo real (ver ev-cp-engine --time-scale)")
    p.add_argument("--cp-credentials", default=os.environ.get("EV_CP_CREDENTIALS"), metavar="DIR",
                   help="directorio con <cp_id>.json de cada CP (ev-db add-cp / seed --credentials-dir); "
                        "env EV_CP_CREDENTIALS")
    add_client_tls_args(p)
    return p


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, *args], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _link_args(a: argparse.Namespace) -> list[str]:
    """What each Monitor needs to reach Central besides its credentials: the TLS choice."""
    out: list[str] = []
    if a.ca_file:
        out += ["--ca-file", str(a.ca_file)]
    if a.plaintext_socket:
        out.append("--plaintext-socket")
    return out


def start_pair(a: argparse.Namespace, data_dir: Path, log_dir: Path, n: int, index: int) -> Pair:
    cp_id = f"CP{n:03d}"
    port = a.base_port + index if a.base_port else free_port(a.engine_host)
    engine_args = ["-m", "cp_simulator.engine_cli", "--bootstrap-servers", a.bootstrap_servers,
                   "--topic-prefix", a.topic_prefix, "--data-dir", str(data_dir),
                   "--listen", f"{a.engine_host}:{port}", "--no-menu", "--log-level", a.log_level,
                   "--time-scale", str(a.time_scale), "--cp-credentials", str(a.cp_credentials)]
    if a.kafka_plaintext:
        engine_args.append("--kafka-plaintext")
    elif a.kafka_credentials:
        engine_args += ["--kafka-credentials", str(a.kafka_credentials)]
    if a.auto:
        engine_args += ["--auto", "--auto-plug-delay", str(a.auto_plug_delay),
                        "--auto-duration", str(a.auto_duration)]
        if a.auto_kwh is not None:
            engine_args += ["--auto-kwh", str(a.auto_kwh)]
    engine = _spawn(engine_args, log_dir / f"{cp_id}-engine.log")
    monitor = _spawn(["-m", "cp_simulator.monitor_cli", "--engine", f"{a.engine_host}:{port}",
                      "--central", a.central, "--cp-id", cp_id, "--cp-credentials", str(a.cp_credentials),
                      *_link_args(a),
                      "--location", LOCATIONS[index % len(LOCATIONS)],
                      "--price", f"{0.30 + 0.05 * (index % 4):.2f}",
                      "--max-kw", str((7.4, 11.0, 22.0, 50.0)[index % 4]),
                      "--log-level", a.log_level],
                     log_dir / f"{cp_id}-monitor.log")
    return Pair(cp_id, port, engine, monitor)


def stop_all(pairs: list[Pair], timeout: float = 10.0) -> int:
    """SIGINT every child, wait up to *timeout*, SIGKILL the rest. Returns how many were killed."""
    procs = [p for pair in pairs for p in pair.procs()]
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    killed = 0
    for proc in procs:
        if proc.poll() is None:
            killed += 1
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)
    return killed


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    if a.count < 1:
        print("--count debe ser al menos 1", file=sys.stderr)
        return 2
    if not a.cp_credentials or not Path(a.cp_credentials).is_dir():
        print("Falta --cp-credentials DIR (o EV_CP_CREDENTIALS): el directorio con las credenciales "
              "<cp_id>.json de los CPs (ev-db seed --credentials-dir DIR)", file=sys.stderr)
        return 2
    settings = common_settings(a, role="cp")
    log_dir = settings.data_dir / "fleet"
    log_dir.mkdir(parents=True, exist_ok=True)
    stop = {"now": False}

    def on_signal(signum, _frame) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    pairs: list[Pair] = []
    try:
        for i in range(a.count):
            if stop["now"]:
                break
            pairs.append(start_pair(a, settings.data_dir, log_dir, a.start_id + i, i))
        print(f"{'CP':<8}{'Engine':<22}{'PID engine':>11}{'PID monitor':>12}  CENTRAL {a.central}  "
              f"Kafka {a.bootstrap_servers}")
        for p in pairs:
            print(f"{p.cp_id:<8}{a.engine_host + ':' + str(p.port):<22}{p.engine.pid:>11}{p.monitor.pid:>12}")
        print(f"{len(pairs)} CP(s) en marcha; registros en {log_dir}. Ctrl+C para detenerlos todos.",
              flush=True)
        reported: set[int] = set()
        while not stop["now"]:
            time.sleep(0.5)
            for p in pairs:
                for proc, what in ((p.engine, "Engine"), (p.monitor, "Monitor")):
                    if proc.poll() is not None and proc.pid not in reported:
                        reported.add(proc.pid)
                        print(f"{p.cp_id}: el {what} terminó (código {proc.returncode}); "
                              f"ver {log_dir}/{p.cp_id}-{what.lower()}.log", flush=True)
    finally:
        print(f"Deteniendo {len(pairs)} CP(s)…", flush=True)
        killed = stop_all(pairs)
        print("Todos los CPs detenidos" + (f" ({killed} forzados)" if killed else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
