"""The driver's past supplies and tickets (Central's HISTORY answer), newest first."""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)


def _when(ts: Any) -> str:
    try:
        return time.strftime("%d/%m/%Y %H:%M", time.localtime(float(ts))) if ts else "—"
    except (TypeError, ValueError):
        return "—"


def _num(value: Any, fmt: str) -> str:
    try:
        return format(float(value), fmt) if value is not None else "—"
    except (TypeError, ValueError):
        return "—"


def _sort_key(value: Any) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _Sortable(item: QTableWidgetItem) -> QTableWidgetItem:
    """An item that sorts by its number (UserRole), not by its text ("10.00" < "9.00")."""
    sortable = _NumericItem(item.text())
    sortable.setData(Qt.ItemDataRole.UserRole, item.data(Qt.ItemDataRole.UserRole))
    return sortable


class _NumericItem(QTableWidgetItem):
    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if mine is None or theirs is None:
            return super().__lt__(other)
        return float(mine) < float(theirs)


SESSION_COLUMN = 6


class HistoryView(QWidget):
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refresh_btn = QPushButton(self.tr("Actualizar"))
        self.status = QLabel()
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels([self.tr("Fecha"), self.tr("Punto"), self.tr("Ubicación"), self.tr("kWh"),
                                              self.tr("Importe"), self.tr("Resultado"), self.tr("Sesión")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setSortingEnabled(True)   # by date, kWh, amount… (numbers sort as numbers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SESSION_COLUMN, QHeaderView.ResizeMode.Interactive)   # the session id is a detail
        header.setStretchLastSection(False)
        self.totals = QLabel()
        self.totals.setObjectName("historyTotals")
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.totals)
        self.refresh_btn.clicked.connect(self.refreshRequested.emit)

    def outcome_text(self, row: dict) -> str:
        outcome = row.get("outcome") or row.get("status") or ""
        return {
            "completed": self.tr("completado"), "fault": self.tr("avería"),
            "operator_stop": self.tr("parado por el operador"), "monitor_lost": self.tr("punto desconectado"),
            "interrupted": self.tr("interrumpido"), "expired": self.tr("reserva caducada"),
            "denied": self.tr("denegado"), "reserved": self.tr("reservado"), "charging": self.tr("cargando"),
            "cancelled": self.tr("cancelado"),
        }.get(str(outcome), str(outcome))

    def show_rows(self, rows: list[dict]) -> None:
        self.table.setSortingEnabled(False)   # filling a sorted table moves rows under the loop
        self.table.setRowCount(len(rows))
        kwh_total = eur_total = 0.0
        for r, row in enumerate(rows):
            when = row.get("started_at") or row.get("created_at")
            values = [(_when(when), _sort_key(when)), (str(row.get("cp_id", "")), None),
                      (str(row.get("location") or "—"), None),
                      (_num(row.get("kwh"), ".2f"), _sort_key(row.get("kwh"))),
                      (_num(row.get("eur"), ".2f") + " €", _sort_key(row.get("eur"))),
                      (self.outcome_text(row), None), (str(row.get("session_id", "")), None)]
            for c, (text, key) in enumerate(values):
                item = QTableWidgetItem(text)
                if key is not None:
                    item.setData(Qt.ItemDataRole.UserRole, key)
                if c == SESSION_COLUMN:
                    item.setToolTip(text)   # the whole id; the column shows its start
                self.table.setItem(r, c, _Sortable(item) if key is not None else item)
            kwh_total += _sort_key(row.get("kwh"))
            eur_total += _sort_key(row.get("eur"))
        self.table.setSortingEnabled(True)
        self.table.setColumnWidth(SESSION_COLUMN, 110)
        n = len(rows)
        self.status.setText(self.tr("1 suministro") if n == 1 else self.tr("{n} suministros").format(n=n))
        self.totals.setText(self.tr("Total: {kwh:.2f} kWh, {eur:.2f} €").format(kwh=kwh_total, eur=eur_total))

    def show_error(self, text: str) -> None:
        self.status.setText(text)
