"""SuspectsView: open supplies that look wrong; close one with a reason, see its timeline.

Intents only: ``refreshRequested``, ``closeRequested(session_id, reason)`` (after the operator
typed the reason), ``timelineRequested(session_id)``.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ev_desktop.models.report_models import SuspectsModel


class SuspectsView(QWidget):
    refreshRequested = Signal()
    closeRequested = Signal(str, str)
    timelineRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SuspectsModel(self)
        self.table = QTableView()
        self.table.setObjectName("suspectsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda idx: self.timelineRequested.emit(self._sid(idx.row())))
        self.status = QLabel(self.tr("Suministros abiertos demasiado tiempo, sin telemetría o con energía imposible"))
        self.refresh_btn = QPushButton(self.tr("Actualizar"))
        self.refresh_btn.clicked.connect(self.refreshRequested)
        self.timeline_btn = QPushButton(self.tr("Cronología"))
        self.timeline_btn.clicked.connect(lambda: self.selected() and self.timelineRequested.emit(self.selected()))
        self.close_btn = QPushButton(self.tr("Cerrar con motivo…"))
        self.close_btn.setObjectName("closeSupply")
        self.close_btn.clicked.connect(self.ask_close)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        for b in (self.refresh_btn, self.timeline_btn, self.close_btn):
            top.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)

    def _sid(self, row: int) -> str:
        return str(self.model.rows[row].get("session_id", "")) if 0 <= row < len(self.model.rows) else ""

    def selected(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return self._sid(rows[0].row()) if rows else ""

    def ask_reason(self, session_id: str) -> str | None:
        """The operator's reason (None: cancelled). Tests replace this method."""
        text, ok = QInputDialog.getText(self, self.tr("Cerrar suministro"),
                                        self.tr("Motivo del cierre de {s} (se factura la última telemetría y "
                                                "el conductor recibe su ticket):").format(s=session_id))
        return text.strip() if ok and text.strip() else None

    def ask_close(self) -> bool:
        sid = self.selected()
        if not sid:
            return False
        reason = self.ask_reason(sid)
        if not reason:
            return False
        self.closeRequested.emit(sid, reason)
        return True

    def show_suspects(self, data: dict) -> None:
        self.model.set_rows(data.get("suspects") or [])
        self.status.setText(self.tr("{n} suministros sospechosos").format(n=len(self.model.rows)))

    def show_status(self, text: str) -> None:
        self.status.setText(text)
