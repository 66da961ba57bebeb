"""Rows staged by the outbox while their commit runs, and who may send them (see StagedRows).

Kept apart from :mod:`ev_common.kafka.outbox` (which re-exports it): this is the contract
between the outbox's committing thread and a deliverer that sends while the fsync runs."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ev_common.kafka.outbox import OutboxRow

__all__ = ["StagedRows"]


class StagedRows:
    """Rows inserted into the outbox whose transaction is being committed (fsync under way).

    Handed to :attr:`Outbox.on_staged` so a deliverer may put them on the wire *while* the
    fsync runs instead of after it (the idle path of a request/answer exchange pays the
    fsync and the Kafka hop at the same time, not one after the other). Only rows of an
    outbox that was *empty* are staged, so they can never overtake an older queued row.

    The invariant: **nothing goes on the wire that its caller is told was refused.** A race
    between two parties decides it, under one lock:

    * the deliverer must :meth:`claim` the rows *before* handing them to the Kafka client;
      the claim fails once the commit has ended (committed rows are then sent the ordinary
      way, from the outbox; rows of a failed commit never at all);
    * the committer calls :meth:`finish`; it returns whether the rows were claimed.

    Commit succeeded → as if the rows had been sent after it (the deliverer removes them once
    acknowledged, :meth:`wait` is True). Commit failed, rows not claimed → the caller is told
    "refused" and nothing was sent (truthfully). Commit failed, rows claimed (maybe already on
    the wire) → the caller is NOT told "refused" at once: the deliverer keeps delivering these
    rows from memory (its client retries; after a failure it resends them, ahead of anything
    newer) until Kafka acknowledged them or refused them for good, and reports a
    :meth:`verdict`; the committer waits for it and tells the caller "sent" (acknowledged with
    acks=all: durable in Kafka, so the outbox copy — whose only use is a resend — is not
    needed) or "refused" (Kafka refused them for good: nothing was stored there). Only if the
    producer stops before either is known is the caller told ``"unconfirmed"`` — never a false
    "refused". A commit that failed is rare (full disk, I/O error) and costs that caller one
    Kafka round trip; the common case costs nothing.

    A crash (power cut, ``kill -9``) before the commit completes: the record either did not
    reach Kafka (nothing happened; nobody was told anything, as a crash before ``send()``)
    or did (delivered although the outbox forgot it; consumers act on it as on any delivered
    event, same envelope id if ever resent)."""

    __slots__ = ("rows", "lead", "_done", "_committed", "_claimed", "_lock", "_verdict", "_settled")

    def __init__(self, rows: list[OutboxRow], lead: int = 0) -> None:
        self.rows = rows
        # the first *lead* rows go on the wire in a produce request of their own, before the
        # rest (Outbox.append_many(lead=...)); 0: all together
        self.lead = lead
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._committed = False
        self._claimed = False
        self._settled = threading.Event()
        self._verdict: bool | None = None

    # ----------------------------------------------------------------- deliverer
    def claim(self) -> bool:
        """True: the commit is still running, the caller may send the rows now (and owns
        them: if the commit fails it must :meth:`report`). False: too late, do not send."""
        with self._lock:
            if self._done.is_set():
                return False
            self._claimed = True
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """True once the rows are durable; False if the commit failed (or *timeout*)."""
        self._done.wait(timeout)
        return self._committed

    def report(self, delivered: bool | None) -> None:
        """Claimed rows whose commit failed: True = Kafka acknowledged them, False = Kafka
        refused them for good, None = unknown (the deliverer stopped)."""
        self._verdict = delivered
        self._settled.set()

    # ----------------------------------------------------------------- committer
    def finish(self, committed: bool) -> bool:
        """The commit ended; returns whether the deliverer had claimed the rows."""
        with self._lock:
            self._committed = committed
            self._done.set()
            return self._claimed

    def verdict(self) -> bool | None:
        """Committer, after a failed commit of claimed rows: wait for :meth:`report`."""
        self._settled.wait()
        return self._verdict

    @property
    def claimed(self) -> bool:
        return self._claimed

    @property
    def done(self) -> bool:
        return self._done.is_set()
