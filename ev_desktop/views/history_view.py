"""The driver's past supplies and tickets (Central's HISTORY answer), newest first."""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Signal
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


class HistoryView(QWidget):
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refresh_btn = QPushButton(self.tr("Actualizar"))
        self.status = QLabel()
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels([self.tr("Fecha"), self.tr("Punto"), self.tr("kWh"), self.tr("Importe"),
                                              self.tr("Resultado"), self.tr("Sesión")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
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
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [_when(row.get("started_at") or row.get("created_at")), str(row.get("cp_id", "")),
                      _num(row.get("kwh"), ".2f"), _num(row.get("eur"), ".2f") + " €",
                      self.outcome_text(row), str(row.get("session_id", ""))[:12]]
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        n = len(rows)
        self.status.setText(self.tr("1 suministro") if n == 1 else self.tr("{n} suministros").format(n=n))

    def show_error(self, text: str) -> None:
        self.status.setText(text)
