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
append the next event. The deliverer does not wait for that lock either: it reads on a
connection of its own (WAL readers neither wait for nor block a commit), and acknowledged rows
found while a commit holds the lock are deleted inside the next group commit's transaction
(:meth:`Outbox.remove_later`) — at FULL then, which is only stronger.

Rows that Kafka rejects for good (record too large, invalid topic) are moved to a
``quarantine`` table instead of blocking every later event forever; they stay inspectable for
30 days (``quarantine_retention_s``), then are deleted at the next open.

Edges (what must never happen: an event the caller believes queued that is not on disk):

* **the disk is full / the write fails** → :class:`OutboxRefused` (``code="disk_full"`` or
  ``"io"``): the event is NOT queued and the caller must tell its user; the outbox stays
  usable and accepts events again once space is freed;
* **the size cap** (*max_rows*) is reached → :class:`OutboxRefused` (``code="full"``): new
  events are refused rather than old ones dropped (a long Kafka outage must not fill the disk);
* **the file cannot even be opened** (disk full at start) → the constructor raises
  :class:`OutboxRefused` the same way;
* **a corrupt file** (not a database, malformed pages) at open → it is renamed
  ``<name>.corrupt-<UTC timestamp>`` (with its -wal/-shm), kept for support, and a fresh outbox
  is used; :attr:`Outbox.set_aside` names the kept file so the caller can warn its user.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from ev_common.kafka.outbox_refusals import (  # noqa: F401 - OutboxRefused: part of this module's API
    WRITE_FAILURES, OutboxRefused, is_corrupt, refusal,
)
from ev_common.kafka.outbox_removals import Removals
from ev_common.kafka.staged import StagedRows

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


log = logging.getLogger(__name__)

_INSERT = "INSERT INTO outbox(topic, key, value, created_at) VALUES (?, ?, ?, ?)"

DEFAULT_MAX_ROWS = 100_000  # ~50 MB of typical events: days of a driver's or a CP's output
QUARANTINE_RETENTION_S = 30 * 86400.0


class OutboxRow(NamedTuple):
    """One queued event. A named tuple, not a dataclass: the deliverer builds one per row it
    reads, and a frozen dataclass's ``__init__`` cost more than the read itself."""

    id: int
    topic: str
    key: bytes | None
    value: bytes | None
    created_at: float


class Outbox(Removals):
    """Thread-safe durable FIFO of (topic, key, value) rows backed by one SQLite file."""

    def __init__(self, path: str | Path, *, append_sync: str = "FULL",
                 remove_sync: str = "NORMAL", max_rows: int | None = DEFAULT_MAX_ROWS,
                 quarantine_retention_s: float = QUARANTINE_RETENTION_S, clock=time.time) -> None:
        """*append_sync* / *remove_sync*: SQLite ``synchronous`` level of appends / removals
        (see the module docstring for why removals need no fsync). *max_rows*: the size cap
        (None: no cap). *quarantine_retention_s*: quarantined rows older than this are deleted
        when the outbox is opened (bounded growth; they stay inspectable until then). *clock*
        names set-aside corrupt files and dates the quarantine."""
        self.path = Path(path)
        self._append_sync = _sync_level(append_sync)
        self._remove_sync = _sync_level(remove_sync)
        self.max_rows = max_rows
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._group = threading.Lock()  # group commit: queue + leader flag
        self._queue: list[_Ticket] = []
        self._removals: list[int] = []  # acknowledged rows still to delete (remove_later)
        self._removals_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._read_db: sqlite3.Connection | None = None
        self._leading = False
        # called by the committing thread with rows inserted but not yet committed (see
        # StagedRows): set by a deliverer that wants to send while the fsync runs
        self.on_staged: Callable[[StagedRows], None] | None = None
        # called once per successful group commit by the committing thread, outside the
        # locks: the deliverer's one wake-up per commit (not one per caller)
        self.on_committed: Callable[[], None] | None = None
        self.set_aside: Path | None = None
        # +1 after every committed append: a deliverer that read everything up to some id
        # skips its next SELECT (and the wait for this lock behind a commit's fsync) while
        # this has not changed (ev_common.kafka.delivery_window)
        self.generation = 0
        self._clock = clock
        self._quarantine_cutoff = clock() - quarantine_retention_s
        try:
            try:
                self._db, self._count = self._open()
            except sqlite3.DatabaseError as exc:
                if not is_corrupt(exc):
                    raise
                self.set_aside = self._set_aside(clock(), exc)
                self._db, self._count = self._open()
        except WRITE_FAILURES as exc:  # e.g. the disk is full before the first event
            raise refusal(exc, 0, self.path.parent) from exc
        self._closed = False

    def _open(self) -> tuple[sqlite3.Connection, int]:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (autocommit otherwise).
        db = sqlite3.connect(str(self.path), check_same_thread=False,
                             isolation_level=None, timeout=30.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={self._append_sync}")
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check and check[0]})")
            db.executescript(_SCHEMA)
            db.execute("DELETE FROM quarantine WHERE quarantined_at < ?", (self._quarantine_cutoff,))
            count = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        except BaseException:
            db.close()
            raise
        return db, count

    def _set_aside(self, now: float, why: BaseException) -> Path:
        """Rename the unreadable file (and its WAL/SHM) out of the way; keep it for support."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while kept.exists():
            n += 1
            kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, kept)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, kept.with_name(kept.name + suffix))
        log.warning("outbox %s is corrupt (%s): set aside as %s, starting a fresh one; events "
                    "still in the old file were not sent", self.path, why, kept)
        return kept

    # ------------------------------------------------------------------ writer side
    def append(self, topic: str, key: bytes | None, value: bytes | None) -> int:
        """Store one row durably; returns its id. Raises :class:`OutboxRefused` (nothing
        stored) when the disk is full, the write fails or the size cap is reached.

        Concurrent callers share one transaction (group commit, see :meth:`_group_append`)."""
        return self._group_append([(topic, key, value)])[0]

    def append_many(self, rows: Iterable[tuple[str, bytes | None, bytes | None]], *,
                    durable: bool = True, lead: int = 0) -> int:
        """Store several rows in ONE transaction (one fsync): all or none are durable.

        The durable write is the cost of an outbox (~ms per fsync); a busy process (Central
        fanning out a Kafka batch) must pay it once per batch, not once per message.
        *durable=False*: the commit does not pay an fsync of its own (``remove_sync`` level):
        the rows survive a crash of the process, not a power cut — for values that the next
        ones supersede (Central's live lane); the next durable commit fsyncs them too.
        *lead*: when these rows are staged (:class:`StagedRows`: the outbox was empty), the
        deliverer puts the first *lead* of them on the wire in a produce request of their own,
        ahead of the rest (an answer not held up by the state updates committed with it)."""
        batch = list(rows)
        if not batch:
            return 0
        return len(self._group_append(batch, durable, lead))

    def _group_append(self, rows: list[tuple[str, bytes | None, bytes | None]],
                      durable: bool = True, lead: int = 0) -> list[int]:
        """Group commit: the first caller to find no commit under way becomes the *leader*: it
        takes every request queued so far (its own included) and writes them in one
        transaction — one fsync for all; the others wait for their request to be done, and
        the next waiting caller leads the next group. Alone, a caller pays exactly what a
        transaction of its own costs; with concurrent callers, the fsync is shared by all who
        arrived while the previous one ran. Every caller still returns only once its rows
        are durable (or raises :class:`OutboxRefused`: its rows are not stored).

        Each request is all-or-none; requests of one group are refused together when the
        write fails (the disk is the same for all), and one by one when the size cap is hit."""
        ticket = _Ticket(rows, durable, lead)
        with self._group:
            self._check_open()
            self._queue.append(ticket)
            leader = not self._leading
            self._leading = True
        if not leader:
            ticket.wake.acquire()  # released once: our group was committed, or we lead the next
            if ticket.done:
                return ticket.result()
        with self._group:
            group, self._queue = self._queue, []
        try:
            self._commit_group(group)
        finally:
            # wake exactly the callers of this group — one wake-up each, not a notify_all to
            # every waiter — then hand over: the first caller queued meanwhile leads the next
            # group. The group first: by the time the next leader runs, many of them have
            # queued again (bigger groups, fewer fsyncs; in alternating runs of 32 appenders
            # without Kafka, 6-34 % more rows/s than waking the next leader first)
            with self._group:
                nxt = self._queue[0] if self._queue else None
                self._leading = nxt is not None
            hook = self.on_committed
            if hook is not None and any(t.ids is not None for t in group):
                try:
                    hook()
                except Exception:  # noqa: BLE001 - a wake-up only: the rows are durable anyway
                    log.exception("outbox %s: on_committed hook failed", self.path)
            for t in group:
                if t is not ticket:
                    t.wake.release()
            if nxt is not None:
                nxt.wake.release()
        return ticket.result()

    def _commit_group(self, group: list["_Ticket"]) -> None:
        """Leader: write *group* in one transaction; every ticket ends done (ids or error)."""
        try:
            with self._lock:
                self._check_open()
                accepted: list[_Ticket] = []
                room = self._count
                for t in group:
                    try:
                        self._check_room(len(t.rows), room)
                    except OutboxRefused as exc:
                        t.error = exc
                        continue
                    room += len(t.rows)
                    accepted.append(t)
                if accepted:
                    if any(t.durable for t in accepted):
                        self._write(accepted)
                    else:  # only rows nobody needs after a power cut: no fsync of their own
                        with self._synchronous(self._remove_sync):
                            self._write(accepted)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter, then re-raised by each
            staged = getattr(exc, "staged_on_wire", None)
            if staged is not None:  # outside the lock: the deliverer settles them meanwhile
                exc = self._settle_unstored(staged, exc)
            for t in group:
                if t.ids is None and t.error is None:
                    t.error = exc
        finally:
            for t in group:
                t.done = True

    def _write(self, tickets: list["_Ticket"]) -> None:
        """Caller holds the lock. INSERT every row, hand them to :attr:`on_staged` when the
        outbox was empty (see :class:`StagedRows`), COMMIT (the fsync)."""
        staged: StagedRows | None = None
        removals: list[int] = []
        now = time.time()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            # one executemany for the whole group; AUTOINCREMENT under our write lock hands out
            # consecutive ids, so the last one gives every row's id
            n = sum(len(t.rows) for t in tickets)
            self._db.executemany(_INSERT, [(topic, key, value, now) for t in tickets
                                           for topic, key, value in t.rows])
            first = self._db.execute("SELECT last_insert_rowid()").fetchone()[0] - n + 1
            for t in tickets:
                k = len(t.rows)
                t.ids = list(range(first, first + k))
                first += k
            removals = self._take_removals()  # left by remove_later: ride on this commit
            removed = self._delete(removals) if removals else 0
            hook = self.on_staged
            if hook is not None and self._count == 0:
                staged = StagedRows([OutboxRow(i, topic, key, value, now) for t in tickets
                                     for i, (topic, key, value) in zip(t.ids, t.rows)],
                                    lead=tickets[0].lead)  # the group's first rows are the first caller's
                try:
                    hook(staged)
                except Exception:  # noqa: BLE001 - an optimisation only: the commit decides
                    log.exception("outbox %s: on_staged hook failed", self.path)
            self._db.execute("COMMIT")
        except BaseException as exc:
            self._rollback_quietly()
            if removals:  # rolled back with the rows: still to do
                with self._removals_lock:
                    self._removals[:0] = removals
            on_wire = staged is not None and staged.finish(False)
            if not on_wire:
                for t in tickets:
                    t.ids = None
            # else: the ids stay until the deliverer's verdict (_settle_unstored) decides
            refused = refusal(exc, self._count, self.path.parent) if isinstance(exc, WRITE_FAILURES) else exc
            if on_wire:
                refused.staged_on_wire = (staged, tickets)  # type: ignore[union-attr]
            if refused is exc:
                raise
            raise refused from exc
        self._count += n - removed
        self.generation += 1
        if staged is not None:
            staged.finish(True)

    def _settle_unstored(self, on_wire: tuple["StagedRows", list["_Ticket"]],
                         exc: BaseException) -> BaseException:
        """The commit of rows the deliverer had already put on the wire failed: wait for its
        verdict (see :class:`StagedRows`), then tell the callers the truth. Delivered (Kafka
        acknowledged them) → their tickets keep their ids: ``append`` returns normally — the
        event is durable in Kafka, its outbox copy deliberately not needed (its only use would
        have been a resend). Kafka refused them for good → the caller gets *exc* (refused, and
        nothing is in Kafka). Unknown (the producer stopped first) → ``OutboxRefused`` with
        code ``"unconfirmed"``: not stored, and it may or may not have reached Kafka.
        Returns the exception for the tickets still without ids."""
        staged, tickets = on_wire
        verdict = staged.verdict()
        if verdict is True:
            log.warning("outbox %s: %d event(s) could not be stored (%s) but Kafka had already "
                        "acknowledged them: reported as sent", self.path, len(staged.rows), exc)
            return exc
        for t in tickets:
            t.ids = None
        if verdict is None:
            return OutboxRefused("unconfirmed", "the event could not be stored and the producer "
                                 f"stopped before Kafka confirmed it; it may have been delivered ({exc})",
                                 self._count)
        return exc

    def _check_room(self, n: int, count: int | None = None) -> None:
        count = self._count if count is None else count
        if self.max_rows is not None and count + n > self.max_rows:
            raise OutboxRefused("full", f"{count} events already wait (cap {self.max_rows})", count)

    def _rollback_quietly(self) -> None:
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def refresh_count(self) -> int:
        """Re-read the row count from the file (after another process used it)."""
        with self._lock:
            self._check_open()
            self._count = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            return self._count

    # ------------------------------------------------------------------ worker side
    def pending(self, limit: int = 500, after_id: int = 0) -> list[OutboxRow]:
        """The oldest rows (id order), at most *limit*, with id > *after_id*."""
        with self._read_lock:  # not the writers' lock: see _reader
            self._check_open()
            rows = self._reader().execute(
                "SELECT id, topic, key, value, created_at FROM outbox WHERE id > ? "
                "ORDER BY id LIMIT ?", (after_id, limit)).fetchall()
        return list(map(_make_row, rows))  # BLOBs come back as bytes: no conversion

    def _reader(self) -> sqlite3.Connection:
        """The deliverer's own read-only connection (opened on first use). In WAL mode a
        reader sees every committed row and neither waits for nor blocks a commit: reading
        through the writers' connection meant taking their lock, i.e. waiting behind the
        fsync of a group commit before every read."""
        if self._read_db is None:
            self._read_db = sqlite3.connect(str(self.path), check_same_thread=False,
                                            isolation_level=None, timeout=30.0)  # only SELECTs
        return self._read_db

    def quarantine(self, row_id: int, reason: str) -> None:
        """Move a row Kafka will never accept out of the way (kept for inspection)."""
        with self._lock:
            self._check_open()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO quarantine(id, topic, key, value, created_at, reason,"
                    " quarantined_at) SELECT id, topic, key, value, created_at, ?, ? FROM outbox"
                    " WHERE id = ?", (reason, self._clock(), row_id))
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
        with self._lock, self._read_lock:
            if not self._closed:
                self._closed = True
                if self._read_db is not None:
                    self._read_db.close()
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


class _Ticket:
    """One caller's request in a group commit."""

    __slots__ = ("rows", "ids", "error", "done", "durable", "lead", "wake")

    def __init__(self, rows: list[tuple[str, bytes | None, bytes | None]], durable: bool = True,
                 lead: int = 0) -> None:
        self.durable = durable
        self.lead = lead
        # held from the start; released exactly once by the leader: a waiting caller sleeps
        # on its own lock, so a commit wakes only the callers it concerns
        self.wake = threading.Lock()
        self.wake.acquire()
        self.rows = rows
        self.ids: list[int] | None = None
        self.error: BaseException | None = None
        self.done = False

    def result(self) -> list[int]:
        if self.error is not None:
            raise self.error
        assert self.ids is not None
        return self.ids


_make_row = OutboxRow._make


def _blob(value: bytes | memoryview | None) -> bytes | None:
    return None if value is None else bytes(value)
