"""``python -m ev_common.pg_local --data DIR --port P``: a private PostgreSQL for ``ev-stack``.

Why: ``ev-stack up --db postgresql`` must run Central over PostgreSQL on one machine without an
administrator setting up a server. This uses Debian's ``postgresql`` package binaries
(``/usr/lib/postgresql/<v>/bin``), initialises *DIR* once and then *becomes* the server
(``exec``), so the stack stops it like any other child (SIGTERM = PostgreSQL's smart
shutdown). As root the server runs as the ``postgres`` user (initdb refuses root).

Security: no TCP at all — only a Unix socket inside *DIR*, which is mode 0700, so only its
owner (and root) can reach the server; that is why "trust" authentication is acceptable here
and no password has to be handed to Central (it would show in ``ps`` as part of ``--db``)."""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path


def pg_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def database_url(data: Path, port: int) -> str:
    """The URL Central and ``ev-db`` use: the Unix socket in *data* (``host=`` a directory)."""
    return f"postgresql://{_user()}@/postgres?host={data.resolve()}&port={port}"


def socket_path(data: Path, port: int) -> Path:
    return data.resolve() / f".s.PGSQL.{port}"


def _user() -> str:
    return "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="ev-pg-local", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="the cluster's directory (created once)")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args(argv)
    bindir = pg_bindir()
    if bindir is None:
        print("PostgreSQL no está instalado (/usr/lib/postgresql/*/bin); Debian: apt-get install postgresql",
              file=sys.stderr)
        return 2
    base = args.data.resolve()
    base.mkdir(parents=True, exist_ok=True)
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            print("como root hace falta runuser para arrancar PostgreSQL", file=sys.stderr)
            return 2
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    os.chmod(base, 0o700)
    cluster = base / "cluster"
    if not (cluster / "PG_VERSION").exists():
        done = subprocess.run(prefix + [f"{bindir}/initdb", "-D", str(cluster), "-A", "trust", "-U", _user()],
                              capture_output=True, text=True)
        if done.returncode != 0:  # e.g. as root, a parent directory the postgres user cannot enter
            print(f"initdb falló en {cluster}: {done.stderr.strip() or done.stdout.strip()}", file=sys.stderr)
            return 2
    cmd = prefix + [f"{bindir}/postgres", "-D", str(cluster), "-p", str(args.port), "-k", str(base),
                    "-c", "listen_addresses="]
    os.execvp(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
