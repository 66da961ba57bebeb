"""Deleting delivered rows from the outbox (a mixin of :class:`~ev_common.kafka.outbox.Outbox`).

Kept apart from the outbox's append side: the deliverer deletes what Kafka acknowledged, and
must not wait behind the fsync of the writers' group commit to do so (issue 14, outbox
throughput). :meth:`remove_later` deletes at once when the outbox is free, otherwise leaves
the ids for the next group commit's transaction (no transaction of their own) or for
:meth:`settle_removals`. Runs of consecutive ids are deleted as ranges.

Shares the state of :class:`~ev_common.kafka.outbox.Outbox` (its ``__init__``: ``_lock``,
``_db``, ``_count``, ``_removals``, ``_removals_lock``, ``_closed``).
"""
from __future__ import annotations

from collections.abc import Iterable


class Removals:
    """Mixin of :class:`~ev_common.kafka.outbox.Outbox` (see the module docstring)."""

    def remove(self, ids: Iterable[int]) -> int:
        """Delete delivered rows in one transaction; returns how many were removed."""
        ids = list(ids)
        if not ids:
            return 0
        with self._lock:
            self._check_open()
            return self._remove_now(ids)

    def remove_later(self, ids: Iterable[int]) -> None:
        """Delete delivered rows without waiting behind a commit's fsync: done at once when
        the outbox is free, otherwise inside the next group commit's transaction (no
        transaction of their own) or by :meth:`settle_removals`. Until then the rows stay
        (:meth:`count` includes them); lost to a crash, they are only resent (at-least-once,
        as after a crash between the ack and a removal)."""
        ids = list(ids)
        if not ids:
            return
        with self._removals_lock:
            self._removals.extend(ids)
        if self._lock.acquire(blocking=False):
            try:
                self._settle_locked()
            finally:
                self._lock.release()

    @property
    def removals_pending(self) -> bool:
        return bool(self._removals)

    def settle_removals(self) -> None:
        """Run the removals :meth:`remove_later` left for later (waits for the outbox)."""
        with self._lock:
            self._settle_locked()

    def _settle_locked(self) -> None:
        with self._removals_lock:
            ids, self._removals = self._removals, []
        if not ids or self._closed:
            return
        try:
            self._remove_now(ids)
        except BaseException:
            with self._removals_lock:
                self._removals[:0] = ids
            raise

    def _take_removals(self) -> list[int]:
        with self._removals_lock:
            ids, self._removals = self._removals, []
        return ids

    def _remove_now(self, ids: list[int]) -> int:
        """Caller holds the lock: delete *ids* in a transaction of their own."""
        with self._synchronous(self._remove_sync):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                removed = self._delete(ids)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        self._count -= removed
        return removed

    def _delete(self, ids: list[int]) -> int:
        """Caller holds the lock, inside a transaction. One ranged DELETE per run of
        consecutive ids (the rows a delivery window acknowledged are usually one run): the
        same rows as an id list, without binding every id."""
        return self._db.executemany("DELETE FROM outbox WHERE id BETWEEN ? AND ?", _runs(ids)).rowcount


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive integers in *ids* (sorted first)."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out
