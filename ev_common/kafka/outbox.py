"""The durable outbox: every event a process must send is on disk before ``send()`` returns.

One SQLite file per process (WAL journal; appends at ``synchronous=FULL`` by default: a
committed append survives a power cut or ``kill -9``; at NORMAL, ``kill -9`` only). The caller
thread appends; the producer's delivery worker reads the oldest rows, sends them and removes
them once Kafka acknowledged them. Row ids grow monotonically (``AUTOINCREMENT``), so
"insertion order" is "id order", also across restarts.

Removals commit with ``synchronous=NORMAL`` by default (no fsync of their own): a removal
survives ``kill -9`` (it is in the OS page cache), and one lost to a power cut only brings an
already-acknowledged row back, which is resent with the same envelope id and deduplicated by
consumers — the same at-least-once case as a crash between the ack and the removal. The next
FULL append fsyncs the WAL and with it every removal before it. Not paying an fsync per
removal keeps the worker from holding the outbox lock (and the disk) while a caller waits to
append the next event.

Rows that Kafka rejects for good (record too large, invalid topic) are moved to a
``quarantine`` table instead of blocking every later event forever; they stay inspectable.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key BLOB,
    value BLOB,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    key BLOB,
    value BLOB,
    created_at REAL NOT NULL,
    reason TEXT NOT NULL,
    quarantined_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    key: bytes | None
    value: bytes | None
    created_at: float


class Outbox:
    """Thread-safe durable FIFO of (topic, key, value) rows backed by one SQLite file."""

    def __init__(self, path: str | Path, *, append_sync: str = "FULL",
                 remove_sync: str = "NORMAL") -> None:
        """*append_sync* / *remove_sync*: SQLite ``synchronous`` level of appends / removals
        (see the module docstring for why removals need no fsync)."""
        self.path = Path(path)
        self._append_sync = _sync_level(append_sync)
        self._remove_sync = _sync_level(remove_sync)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (autocommit otherwise).
        self._db = sqlite3.connect(str(self.path), check_same_thread=False,
                                   isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={self._append_sync}")
        self._db.executescript(_SCHEMA)
        self._count = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        self._closed = False

    # ------------------------------------------------------------------ writer side
    def append(self, topic: str, key: bytes | None, value: bytes | None) -> int:
        """Store one row durably; returns its id. Raises ``sqlite3.Error`` if the disk fails."""
        with self._lock:
            self._check_open()
            cur = self._db.execute(
                "INSERT INTO outbox(topic, key, value, created_at) VALUES (?, ?, ?, ?)",
                (topic, key, value, time.time()))
            self._count += 1
            return int(cur.lastrowid)

    def append_many(self, rows: Iterable[tuple[str, bytes | None, bytes | None]]) -> int:
        """Store several rows in ONE transaction (one fsync): all or none are durable.

        The durable write is the cost of an outbox (~ms per fsync); a busy process (Central
        fanning out a Kafka batch) must pay it once per batch, not once per message."""
        now = time.time()
        batch = [(topic, key, value, now) for topic, key, value in rows]
        if not batch:
            return 0
        with self._lock:
            self._check_open()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO outbox(topic, key, value, created_at) VALUES (?, ?, ?, ?)", batch)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._count += len(batch)
            return len(batch)

    def refresh_count(self) -> int:
        """Re-read the row count from the file (after another process used it)."""
        with self._lock:
            self._check_open()
            self._count = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            return self._count

    # ------------------------------------------------------------------ worker side
    def pending(self, limit: int = 500, after_id: int = 0) -> list[OutboxRow]:
        """The oldest rows (id order), at most *limit*, with id > *after_id*."""
        with self._lock:
            self._check_open()
            rows = self._db.execute(
                "SELECT id, topic, key, value, created_at FROM outbox WHERE id > ? "
                "ORDER BY id LIMIT ?", (after_id, limit)).fetchall()
        return [OutboxRow(r[0], r[1], _blob(r[2]), _blob(r[3]), r[4]) for r in rows]

    def remove(self, ids: Iterable[int]) -> int:
        """Delete delivered rows in one transaction; returns how many were removed."""
        ids = list(ids)
        if not ids:
            return 0
        with self._lock:
            self._check_open()
            with self._synchronous(self._remove_sync):
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    removed = 0
                    for chunk in _chunks(ids, 500):
                        cur = self._db.execute(
                            f"DELETE FROM outbox WHERE id IN ({','.join('?' * len(chunk))})", chunk)
                        removed += cur.rowcount
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            self._count -= removed
            return removed

    def quarantine(self, row_id: int, reason: str) -> None:
        """Move a row Kafka will never accept out of the way (kept for inspection)."""
        with self._lock:
            self._check_open()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO quarantine(id, topic, key, value, created_at, reason,"
                    " quarantined_at) SELECT id, topic, key, value, created_at, ?, ? FROM outbox"
                    " WHERE id = ?", (reason, time.time(), row_id))
                cur = self._db.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._count -= cur.rowcount

    def quarantined(self) -> list[tuple[OutboxRow, str]]:
        with self._lock:
            self._check_open()
            rows = self._db.execute("SELECT id, topic, key, value, created_at, reason "
                                    "FROM quarantine ORDER BY id").fetchall()
        return [(OutboxRow(r[0], r[1], _blob(r[2]), _blob(r[3]), r[4]), r[5]) for r in rows]

    # ------------------------------------------------------------------ both
    def count(self) -> int:
        """Rows waiting for delivery (kept in memory; exact for this process)."""
        return self._count

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @contextmanager
    def _synchronous(self, level: str) -> Iterator[None]:
        """Commit the enclosed transaction at *level*, then return to the append level.
        Caller holds the lock; the pragma cannot change inside a transaction."""
        if level == self._append_sync:
            yield
            return
        self._db.execute(f"PRAGMA synchronous={level}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA synchronous={self._append_sync}")

    def _check_open(self) -> None:
        if self._closed:
            raise sqlite3.ProgrammingError(f"outbox {self.path} is closed")


_SYNC_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _sync_level(level: str) -> str:
    """Validate a ``synchronous`` level (it is formatted into a PRAGMA)."""
    upper = level.upper()
    if upper not in _SYNC_LEVELS:
        raise ValueError(f"synchronous must be one of {', '.join(_SYNC_LEVELS)}, not {level!r}")
    return upper


def _blob(value: bytes | memoryview | None) -> bytes | None:
    return None if value is None else bytes(value)


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
