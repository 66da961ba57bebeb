"""``ev-stack up --centrals N --db sqlite|postgresql``: Central's part of the local stack.

Kept out of ``ev_common.stack`` (one job per module): the database (the demo SQLite file, or a
private PostgreSQL started from Debian's packages by :mod:`ev_common.pg_local`) and the Central
instances — the first active, the others ``--standby`` on the next ports, taking over if it
dies, or with ``--scale-out`` (PostgreSQL only) all of them serving at once (docs/design.md,
"Several Centrals"). Returns what the clients dial: every instance's address, comma-separated
(the Monitors and drivers fail over along it)."""
from __future__ import annotations

import argparse
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ev_common.pg_local import database_url, pg_bindir, socket_path


def add_args(up: argparse.ArgumentParser) -> None:
    up.add_argument("--centrals", type=int, default=1,
                    help="Central instances: the first active, the others standbys that take over "
                         "if it dies (ports --central-port, +1, …; default 1)")
    up.add_argument("--scale-out", action="store_true",
                    help="with --centrals N and --db postgresql: every instance serves at once "
                         "(ev-central --scale-out) instead of one active and standbys")
    up.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                    help="Central's database: the demo SQLite file, or a private PostgreSQL from "
                         "Debian's packages in <stack dir>/postgresql (default sqlite)")
    up.add_argument("--pg-port", type=int, default=5433,
                    help="the private PostgreSQL's port: names its Unix socket, no TCP (default 5433)")


def database(stack: Any, args: argparse.Namespace, say: Callable[[str], None]) -> str:
    """The database URL for Central and ``ev-db`` (starting PostgreSQL when asked for)."""
    if args.db == "sqlite":
        return f"sqlite:///{args.stack_dir / 'central.sqlite3'}"
    if pg_bindir() is None:
        raise RuntimeError("--db postgresql needs Debian's postgresql package (apt-get install postgresql)")
    data = args.stack_dir / "postgresql"
    child = stack.spawn("postgresql", "ev_common.pg_local", ["--data", str(data), "--port", str(args.pg_port)])
    _wait_accepting(socket_path(data, args.pg_port), 60, child)
    url = database_url(data, args.pg_port)
    say(f"  PostgreSQL ready (Unix socket only, in {data}, port {args.pg_port})")
    return url


def start_centrals(stack: Any, args: argparse.Namespace, common: list[str], db: str,
                   wait_port: Callable[..., None], say: Callable[[str], None]) -> str:
    """Start ``--centrals`` instances; the comma-separated addresses clients should dial."""
    if args.centrals < 1:
        raise RuntimeError("--centrals must be at least 1")
    scale_out = getattr(args, "scale_out", False)
    if scale_out and args.db != "postgresql":
        raise RuntimeError("--scale-out needs --db postgresql: instances serving at once share their "
                           "decisions through PostgreSQL (SQLite is one machine's file)")
    addresses = []
    for i in range(args.centrals):
        port = args.central_port + i
        if scale_out:   # each joins once the one before listens: not all into a fresh group at once
            name, extra = ("central" if i == 0 else f"central-{i + 1}"), ["--scale-out"]
        else:
            name, extra = ("central" if i == 0 else f"central-standby{i}"), (["--standby"] if i else [])
        child = stack.spawn(name, "central_service.cli",
                            [*common, "--port", str(port), "--db", db, "--instance-id", name,
                             "--data-dir", str(args.stack_dir / "central"),
                             "--billing-time-scale", str(args.time_scale), *extra], role="central")
        if i == 0 or scale_out:
            wait_port("127.0.0.1", port, 60, child)
            say(f"  Central {name} listening on 127.0.0.1:{port}" if scale_out
                else f"  Central listening on 127.0.0.1:{port}")
        else:
            say(f"  Central standby {name} ready to serve on 127.0.0.1:{port} if the active one stops")
        addresses.append(f"127.0.0.1:{port}")
    return ",".join(addresses)


def _wait_accepting(path: Path, timeout: float, child: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"PostgreSQL exited; see {child.log_path}")
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(0.5)
                sock.connect(str(path))
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"PostgreSQL did not accept connections at {path} within {timeout:.0f} s")
