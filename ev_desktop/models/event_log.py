"""A bounded, newest-first list of human-readable events (requests, authorizations, faults, tickets).

Entries are added in batches on the Qt thread; the oldest fall off the end once ``capacity``
is reached, so memory stays flat however long the dashboard runs. An entry with a ``key`` (the
operator's own command: its message id) can be rewritten in place as it moves on (queued →
delivered → applied). :func:`save_entries` / :func:`load_entries` keep the recent log in a
local file so it survives an app restart.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

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


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogEntry:
    text: str
    kind: str = "info"
    ts: float = field(default_factory=time.time)
    key: str | None = None   # set for lines that are updated later (an operator command's id)
    # an operator command's line also keeps what it was and how far it got, so a restarted app
    # can keep following it (queued → delivered) instead of showing "en cola" forever
    action: str | None = None
    cp_id: str | None = None
    state: str | None = None


def save_entries(path: Path, entries: list[LogEntry]) -> None:
    """Write *entries* (newest first) as JSON lines; atomic (a crash leaves the old file)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in entries),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # the log is a convenience: never break the app for it
        log.warning("event log not saved to %s: %s", path, exc)


def load_entries(path: Path, limit: int = 500) -> list[LogEntry]:
    """The entries saved by :func:`save_entries` (newest first); unreadable lines are skipped."""
    out: list[LogEntry] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines[:limit]:
        try:
            d = json.loads(line)
            out.append(LogEntry(str(d["text"]), str(d.get("kind", "info")), float(d["ts"]), d.get("key"),
                                d.get("action"), d.get("cp_id"), d.get("state")))
        except (ValueError, KeyError, TypeError):
            continue
    return out


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

    def clear(self) -> None:
        self.beginResetModel()
        self._entries = []
        self.endResetModel()

    def update(self, key: str, entry: LogEntry) -> bool:
        """Replace the line whose key is *key* (kept in its place); False when it is gone."""
        for row, e in enumerate(self._entries):
            if e.key == key:
                self._entries[row] = entry
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)
                return True
        return False

    def entry(self, key: str) -> LogEntry | None:
        return next((e for e in self._entries if e.key == key), None)

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
