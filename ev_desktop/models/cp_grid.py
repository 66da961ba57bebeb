"""One list model over every CP's current :class:`~ev_common.contract.CpState`.

Incoming states arrive at any rate (2,000 CPs × 1 Hz is the design load). They are only
*stored* on arrival (:meth:`CpGridModel.apply`, O(1) per state); a timer flushes them every
``flush_ms`` (150 ms by default): new CPs are inserted in id order, changed rows are announced
with ``dataChanged`` over contiguous ranges. The view therefore repaints at most ~7 times a
second however many CPs change, and never per message.

The model never imports Kafka: whoever owns the consumer calls ``apply()`` on the Qt thread.
"""
from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Iterable
from operator import attrgetter

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal

from ev_common.contract import CpState

STATES: tuple[str, ...] = ("available", "reserved", "charging", "out_of_order", "faulted", "disconnected")

# Colours of the product brief: green for the three "working" states, orange out of order,
# red faulted, grey disconnected. Reserved is a lighter green so it reads as "held".
STATE_COLORS: dict[str, str] = {
    "available": "#2e7d32",
    "reserved": "#558b2f",
    "charging": "#1b5e20",
    "out_of_order": "#ef6c00",
    "faulted": "#c62828",
    "disconnected": "#757575",
}

_STATE_OF = attrgetter("state")

CpStateRole = Qt.ItemDataRole.UserRole + 1   # the CpState struct itself
StateNameRole = Qt.ItemDataRole.UserRole + 2  # "available", "charging", ...
ColorRole = Qt.ItemDataRole.UserRole + 3      # "#rrggbb"
FilterRole = Qt.ItemDataRole.UserRole + 4     # "cp001 madrid centro" (search text)
CpIdRole = Qt.ItemDataRole.UserRole + 5


def _ranges(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers → contiguous (first, last) ranges."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


class CpGridModel(QAbstractListModel):
    """Rows are CPs sorted by id. Emits ``countsChanged(dict)`` after a flush that changed counts."""

    countsChanged = Signal(dict)
    flushed = Signal(int)  # number of rows touched by the last flush (for tests / metrics)

    def __init__(self, parent: QObject | None = None, flush_ms: int = 150) -> None:
        super().__init__(parent)
        self._ids: list[str] = []           # row → cp_id, kept sorted
        self._states: dict[str, CpState] = {}
        self._row_of: dict[str, int] = {}
        self._pending: dict[str, CpState] = {}
        self._counts: dict[str, int] = {s: 0 for s in STATES}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(flush_ms)
        self._timer.timeout.connect(self.flush)
        self._tick = QTimer(self)  # reservation countdowns need a repaint once a second
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_countdowns)
        self._tick.start()
        self.last_flush_s = 0.0

    # ------------------------------------------------------------------ feeding
    def apply(self, states: Iterable[CpState]) -> None:
        """Queue new pictures of some CPs (latest wins); cheap, call it per Kafka batch."""
        pending = self._pending
        for st in states:
            pending[st.cp_id] = st
        if pending and not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Publish everything queued: inserts for new CPs, ``dataChanged`` for changed rows."""
        if not self._pending:
            return
        started = time.perf_counter()
        pending, self._pending = self._pending, {}
        new_ids = sorted(pending.keys() - self._row_of.keys())  # set difference in C: no per-CP bytecode
        if new_ids:
            self._insert(new_ids, pending)
        # Kept in C as far as possible: the all-change round (Central republishes all 2,000 CPs)
        # compares 2,000 states here on the Qt thread. One comprehension finds the changed rows,
        # dict.update stores them, and the counts are recounted once (Counter) if anything changed.
        states, row_of = self._states, self._row_of
        changed = [row_of[cp_id] for cp_id, st in pending.items() if states[cp_id] != st]
        counts_before = self._counts
        if changed:
            states.update(pending)
            self._counts = dict.fromkeys(STATES, 0) | Counter(map(_STATE_OF, states.values()))
        if changed:
            if len(changed) > 64:  # many changes: one range is cheaper than hundreds of signals
                self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))
            else:
                changed.sort()
                for first, last in _ranges(changed):
                    self.dataChanged.emit(self.index(first), self.index(last))
        if self._counts != counts_before or new_ids:
            self.countsChanged.emit(self.counts())
        self.last_flush_s = time.perf_counter() - started
        self.flushed.emit(len(changed) + len(new_ids))

    def _insert(self, new_ids: list[str], pending: dict[str, CpState]) -> None:
        for cp in new_ids:
            st = pending[cp]
            self._states[cp] = st
            self._counts[st.state] = self._counts.get(st.state, 0) + 1
        if not self._ids or len(new_ids) > 32:
            # bulk arrival (the compacted topic read at start-up): one reset, not N inserts
            self.beginResetModel()
            self._ids = sorted(self._ids + new_ids)
            self._row_of = {cp: i for i, cp in enumerate(self._ids)}
            self.endResetModel()
            return
        for cp in new_ids:
            row = bisect.bisect_left(self._ids, cp)
            self.beginInsertRows(QModelIndex(), row, row)
            self._ids.insert(row, cp)
            self.endInsertRows()
        self._row_of = {cp: i for i, cp in enumerate(self._ids)}

    def set_frozen(self, frozen: bool) -> None:
        """Stale data (Kafka link down): stop the once-a-second countdown repaint — the views
        then show the countdowns as they were when the data was last current — and repaint
        the reserved tiles once so they switch to (or back from) the frozen wording."""
        if frozen:
            self._tick.stop()
        elif not self._tick.isActive():
            self._tick.start()
        self._refresh_countdowns()

    @property
    def frozen(self) -> bool:
        return not self._tick.isActive()

    def _refresh_countdowns(self) -> None:
        rows = sorted(self._row_of[cp] for cp, st in self._states.items()
                      if st.state == "reserved" and st.reserved_until)
        for first, last in _ranges(rows):
            self.dataChanged.emit(self.index(first), self.index(last))

    def clear(self) -> None:
        self.beginResetModel()
        self._ids, self._states, self._row_of, self._pending = [], {}, {}, {}
        self._counts = {s: 0 for s in STATES}
        self.endResetModel()
        self.countsChanged.emit(dict(self._counts))

    # ------------------------------------------------------------------ queries
    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def state_of(self, cp_id: str) -> CpState | None:
        return self._states.get(cp_id)

    def row_of(self, cp_id: str) -> int:
        return self._row_of.get(cp_id, -1)

    def cp_ids(self) -> list[str]:
        return list(self._ids)

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row = index.row()
        if not index.isValid() or row >= len(self._ids):
            return None
        st = self._states[self._ids[row]]
        if role == CpStateRole:
            return st
        if role == Qt.ItemDataRole.DisplayRole or role == CpIdRole:
            return st.cp_id
        if role == StateNameRole:
            return st.state
        if role == ColorRole:
            return STATE_COLORS.get(st.state, "#757575")
        if role == FilterRole:
            return f"{st.cp_id} {st.location}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{st.cp_id} — {st.location}"
        return None
