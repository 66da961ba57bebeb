"""Cost of Central's database durability level: one Central-like transaction (a processed id
plus an effect row) committed at ``synchronous=NORMAL`` vs ``FULL`` (SQLite, WAL), on the disk
that holds *dir* (default: a temp dir under the current directory).

    .venv/bin/python -m benchmarks.db_sync [DIR] [--n 300]

Measures, never fails. See docs/design.md ("Power cut") for why Central runs FULL by default.
"""
from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path


def per_commit_ms(path: Path, level: str, n: int) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(f"PRAGMA synchronous={level}")
        con.execute("CREATE TABLE processed(id TEXT PRIMARY KEY, t REAL)")
        con.execute("CREATE TABLE effects(id INTEGER PRIMARY KEY, payload BLOB)")
        t0 = time.perf_counter()
        for i in range(n):
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO processed VALUES (?, ?)", (f"m{i}", 0.0))
            con.execute("INSERT INTO effects(payload) VALUES (?)", (b"x" * 300,))
            con.execute("COMMIT")
        return (time.perf_counter() - t0) / n * 1000
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks.db_sync", description=__doc__.split("\n\n")[0])
    p.add_argument("dir", nargs="?", type=Path, default=Path.cwd())
    p.add_argument("--n", type=int, default=300, help="transactions per run (default %(default)s)")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
        for run in range(2):
            for level in ("NORMAL", "FULL"):
                ms = per_commit_ms(Path(tmp) / f"{level}-{run}.sqlite3", level, a.n)
                print(f"synchronous={level:<6} {ms:7.3f} ms per commit ({a.n} commits)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
