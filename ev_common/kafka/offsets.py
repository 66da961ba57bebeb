"""Local read positions for consumers that read alone (one driver app, one CP Engine).

Why not a Kafka consumer group: a group buys load-sharing between members, which a single
reader does not need, and costs a join/rebalance protocol that kafka-python 3.0.12 sometimes
leaves half done under load (member joined, no partitions, or partitions without a read
position) — a driver that silently hears nothing. A single reader assigns every partition
itself and keeps "where I had read up to" here, next to its outbox, so a restarted app still
resumes exactly where it stopped (at-least-once: positions are saved after handling).
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS positions (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class OffsetStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                   timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # losing the last save = a re-read
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta(name, value) VALUES ('created_at', ?)",
                         (repr(time.time()),))

    @property
    def created_at(self) -> float:
        """When this store (i.e. this installation's reader) was first created."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name='created_at'").fetchone()
        return float(row[0])

    def load(self, topics: list[str]) -> dict[tuple[str, int], int]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT topic, partition, next_offset FROM positions WHERE topic IN "
                f"({','.join('?' * len(topics))})", topics).fetchall()
        return {(t, p): o for t, p, o in rows}

    def save(self, positions: dict[tuple[str, int], int]) -> None:
        if not positions:
            return
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO positions(topic, partition, next_offset, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(topic, partition) DO UPDATE SET "
                    "next_offset=excluded.next_offset, updated_at=excluded.updated_at",
                    [(t, p, o, now) for (t, p), o in positions.items()])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()
