"""Table model of the CPs a driver can ask for right now (state ``available``), live."""
from __future__ import annotations

import bisect
from collections.abc import Iterable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ev_common.contract import CpState

CpIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2   # what a column sorts by (the price as a number)


class FreeCpModel(QAbstractTableModel):
    COLUMNS = 3  # id, location, price

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._states: dict[str, CpState] = {}
        self._headers = [self.tr("Punto"), self.tr("Ubicación"), self.tr("Precio")]

    def apply(self, states: Iterable[CpState]) -> None:
        """Insert CPs that became available, remove the ones that no longer are, update the rest."""
        for st in states:
            present = st.cp_id in self._states
            if st.state == "available":
                if present:
                    self._states[st.cp_id] = st
                    row = bisect.bisect_left(self._ids, st.cp_id)
                    self.dataChanged.emit(self.index(row, 0), self.index(row, self.COLUMNS - 1))
                else:
                    row = bisect.bisect_left(self._ids, st.cp_id)
                    self.beginInsertRows(QModelIndex(), row, row)
                    self._ids.insert(row, st.cp_id)
                    self._states[st.cp_id] = st
                    self.endInsertRows()
            elif present:
                row = bisect.bisect_left(self._ids, st.cp_id)
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._ids[row]
                del self._states[st.cp_id]
                self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._ids, self._states = [], {}
        self.endResetModel()

    def cp_ids(self) -> list[str]:
        return list(self._ids)

    def cp_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, cp_id: str) -> int:
        row = bisect.bisect_left(self._ids, cp_id)
        return row if row < len(self._ids) and self._ids[row] == cp_id else -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        st = self._states[self._ids[index.row()]]
        if role == CpIdRole:
            return st.cp_id
        if role == SortRole:
            return (st.cp_id, st.location.casefold(), st.price_eur_kwh)[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return st.cp_id
            if col == 1:
                return st.location
            return f"{st.price_eur_kwh:.2f} €/kWh"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
