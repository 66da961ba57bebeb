"""One active Central per database: a lock the operating system or PostgreSQL releases at death.

Why: today's Central keeps every CP's live state in its memory (``CentralCore.cps``) and trusts
it for cross-CP decisions ("any free CP", "one open session per driver"). Two such processes
over one database would each believe their own picture; the database's unique indexes
(:mod:`.db_constraints`) would refuse the double booking, but requests would fail instead of
being served. So a second instance is refused — or, with ``--standby``, waits as a warm
standby and takes over the moment the active one dies (docs/design.md, "Several Centrals").

The lock must vanish with its holder, even on ``kill -9`` or a lost machine, or the standby
would wait for ever and a plain restart would be refused:

* SQLite: ``flock`` on ``<database file>.central-lock`` (released by the kernel when the
  process dies; the file holds the holder's instance id, for the refusal message only);
* PostgreSQL: a session-level advisory lock on a connection of its own (released by the
  server when that connection ends — a dead process's socket closes; a vanished host's is
  dropped by TCP keepalive, set here to ~10 s).
"""
from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# pg_try_advisory_lock key: "EVCC" as a 32-bit integer, then 1 for "the active Central"
_PG_LOCK = (0x45564343, 1)


class SecondInstanceRefused(RuntimeError):
    """Another Central already serves this database."""


class LockLost(RuntimeError):
    """The active instance no longer holds the database lock: a standby may already serve.
    The instance must stop serving at once (fencing; then ``--on-lock-loss``: stand by or exit 4)."""


class InstanceGuard:
    """Acquire with :meth:`acquire` (or :meth:`wait`), give back with :meth:`release`."""

    def __init__(self, db_url: str, instance: str) -> None:
        self.db_url = db_url
        self.instance = instance
        self._fd: int | None = None
        self._pg: Any = None

    # ------------------------------------------------------------------ acquiring
    def try_acquire(self) -> bool:
        """Take the lock if free; False when another instance holds it."""
        if self.db_url.startswith("sqlite:///"):
            path = self.db_url[len("sqlite:///"):]
            return True if path == ":memory:" else self._try_file(Path(path + ".central-lock"))
        if self.db_url.startswith(("postgres://", "postgresql://")):
            return self._try_pg()
        return True  # another engine: no lock known; docs/deploy.md says to run one instance

    def acquire(self) -> None:
        """Take the lock or raise :class:`SecondInstanceRefused` with a sentence for the operator."""
        if not self.try_acquire():
            raise SecondInstanceRefused(
                f"otra CENTRAL ({self.holder() or 'instancia desconocida'}) ya sirve esta base de datos; "
                "una segunda instancia activa no está disponible (estado de los CP en memoria): "
                "arranque con --standby para esperar como reserva y tomar el relevo si cae")

    async def take(self, standby: bool, stopping: Callable[[], bool]) -> bool:
        """Central's start: :meth:`acquire` (refuse a second instance) or, *standby*, :meth:`wait`
        until the active one is gone; off the event loop (both block). False: *stopping()*."""
        loop = asyncio.get_running_loop()
        if not standby:
            await loop.run_in_executor(None, self.acquire)
            return True
        got = await loop.run_in_executor(None, self.wait, stopping)
        if got:
            log.info("instance %s is now the active Central (standby took over)", self.instance)
        return got

    def wait(self, stopping: Callable[[], bool], poll_s: float = 0.5) -> bool:
        """Standby: poll until the lock is ours (True) or *stopping()* (False). A database that
        cannot be reached is waited for too: the outage that fenced the active instance (a
        PostgreSQL restart) must not stop its standby as well."""
        logged = unreachable = False
        while not stopping():
            try:
                if self.try_acquire():
                    return True
                unreachable = False
            except Exception as exc:  # noqa: BLE001 - e.g. PostgreSQL restarting: keep standing by
                if not unreachable:
                    log.warning("standby: instance %s cannot reach the database (%s); it keeps waiting",
                                self.instance, str(exc).strip())
                unreachable = True
                time.sleep(poll_s)
                continue
            if not logged:
                log.info("standby: instance %s waits; %s is active", self.instance, self.holder() or "another")
                logged = True
            time.sleep(poll_s)
        return False

    def holds(self) -> bool:
        """Is the lock still ours? Blocking (a query on PostgreSQL): call it off the event loop.

        Why: a PostgreSQL advisory lock lives as long as its *connection*, not as long as this
        process. If that connection ends under us (the server restarted, the network dropped
        it, an administrator ran ``pg_terminate_backend``) the server frees the lock and a
        standby takes it while this process would go on serving: two actives. The active
        instance asks this every ``--lock-check-interval`` and stops on False (fencing). A
        query that fails counts as lost: the server can no longer vouch for the lock. SQLite's
        ``flock`` cannot be taken from a living holder (the kernel keeps it with the open file)."""
        if self._fd is not None:
            return True
        if self._pg is None:
            return not self.db_url.startswith(("sqlite:///", "postgres://", "postgresql://")) \
                or self.db_url == "sqlite:///:memory:"
        try:
            with self._pg.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                            "AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 2",
                            _PG_LOCK)
                return cur.fetchone()[0] == 1
        except Exception as exc:  # noqa: BLE001 - any failure: the lock cannot be vouched for
            log.warning("instance %s: the database lock's connection failed: %s", self.instance, exc)
            return False

    def holder(self) -> str | None:
        """The active instance's id as far as known (SQLite lock file), else None."""
        if self.db_url.startswith("sqlite:///"):
            try:
                return Path(self.db_url[len("sqlite:///"):] + ".central-lock").read_text().strip() or None
            except OSError:
                return None
        return None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._pg is not None:
            try:
                self._unlock_pg()
                self._pg.close()
            finally:
                self._pg = None

    def _unlock_pg(self) -> None:
        """Free the advisory lock *now*. Closing the connection frees it too, but only once the
        server's backend has seen the close and exited — a moment after ``close()`` returns, in
        which a Central restarted at once was refused as "a second instance" (3 of 7,000
        release → acquire rounds on a loaded machine; the restart test failed once in 23 runs)."""
        try:
            with self._pg.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", _PG_LOCK)
        except Exception as exc:  # noqa: BLE001 - connection gone already: the server freed it with it
            log.info("instance %s: lock not unlocked explicitly (%s); closing its connection frees it",
                     self.instance, str(exc).strip()[:200])

    # ------------------------------------------------------------------ engines
    def _try_file(self, path: Path) -> bool:
        if self._fd is not None:
            return True
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.instance}\n".encode())
        self._fd = fd
        return True

    def _try_pg(self) -> bool:
        if self._pg is not None:
            return True
        import psycopg2

        conn = psycopg2.connect(self.db_url, connect_timeout=5, keepalives=1, keepalives_idle=5, keepalives_interval=2,
                                keepalives_count=3, application_name=f"ev-central {self.instance}"[:63])
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", _PG_LOCK)
            got = bool(cur.fetchone()[0])
        if not got:
            conn.close()
            return False
        self._pg = conn
        return True
