"""A bounded, newest-first list of human-readable events (requests, authorizations, faults, tickets).

Entries are added in batches on the Qt thread; the oldest fall off the end once ``capacity``
is reached, so memory stays flat however long the dashboard runs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

KindRole = Qt.ItemDataRole.UserRole + 1

KIND_COLORS = {
    "request": "#1565c0",
    "authorized": "#2e7d32",
    "denied": "#c62828",
    "supply": "#1b5e20",
    "fault": "#c62828",
    "ticket": "#4a148c",
    "operator": "#ef6c00",
    "info": "#424242",
}


@dataclass(frozen=True)
class LogEntry:
    text: str
    kind: str = "info"
    ts: float = field(default_factory=time.time)


class EventLogModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None, capacity: int = 500) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._entries: list[LogEntry] = []  # newest first

    def add(self, entries: list[LogEntry]) -> None:
        """Prepend *entries* (given oldest→newest) and trim to capacity."""
        if not entries:
            return
        entries = entries[-self.capacity:]
        newest_first = list(reversed(entries))
        self.beginInsertRows(QModelIndex(), 0, len(newest_first) - 1)
        self._entries[0:0] = newest_first
        self.endInsertRows()
        extra = len(self._entries) - self.capacity
        if extra > 0:
            self.beginRemoveRows(QModelIndex(), self.capacity, len(self._entries) - 1)
            del self._entries[self.capacity:]
            self.endRemoveRows()

    def entries(self) -> list[LogEntry]:
        return list(self._entries)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        e = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{time.strftime('%H:%M:%S', time.localtime(e.ts))}  {e.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            # the row may be elided ("…") in a narrow panel: the tooltip always has all of it
            return f"{time.strftime('%d/%m/%Y %H:%M:%S', time.localtime(e.ts))}  {e.text}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(KIND_COLORS.get(e.kind, "#424242"))
        if role == KindRole:
            return e.kind
        return None
