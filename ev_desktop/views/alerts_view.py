"""AlertsInbox: the operator's alert list (Central's and the app's own), acknowledge, go to CP.

A view only: rows come from :class:`~ev_desktop.models.alerts_model.AlertsModel`; clicks
become intents (``ackRequested(id)``, ``showCpRequested(cp_id)``) that the workbench
controller carries out.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from ev_desktop.models.alerts_model import AlertsModel


class AlertsInbox(QWidget):
    ackRequested = Signal(int)
    showCpRequested = Signal(str)
    refreshRequested = Signal()

    def __init__(self, model: AlertsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QTableView()
        self.view.setObjectName("alertsTable")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(self._on_double_click)
        self.ack_btn = QPushButton(self.tr("Reconocer"))
        self.ack_btn.setObjectName("ackAlert")
        self.ack_btn.clicked.connect(self.ack_selected)
        self.cp_btn = QPushButton(self.tr("Ver punto de carga"))
        self.cp_btn.clicked.connect(self.show_selected_cp)
        self.refresh_btn = QPushButton(self.tr("Actualizar"))
        self.refresh_btn.clicked.connect(self.refreshRequested)
        self.status = QLabel()
        self.status.setObjectName("alertsStatus")
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_btn)
        top.addWidget(self.cp_btn)
        top.addWidget(self.ack_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        model.modelReset.connect(self._update_buttons)
        model.unackedChanged.connect(self._show_count)
        self._show_count(model.unacked)
        self._update_buttons()

    def selected(self) -> dict | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.alert(rows[0].row()) if rows else None

    def select_alert(self, alert_id: int) -> bool:
        row = self.model.row_of(alert_id)
        if row < 0:
            return False
        self.view.selectRow(row)
        return True

    def ack_selected(self) -> bool:
        a = self.selected()
        if a is None or a.get("acked_by"):
            return False
        self.ackRequested.emit(int(a["id"]))
        return True

    def show_selected_cp(self) -> None:
        a = self.selected()
        if a is not None and a.get("cp_id"):
            self.showCpRequested.emit(a["cp_id"])

    def show_error(self, text: str) -> None:
        self.status.setText(text)

    def _on_double_click(self, index: QModelIndex) -> None:
        a = self.model.alert(index.row())
        if a is not None and a.get("cp_id"):
            self.showCpRequested.emit(a["cp_id"])

    def _show_count(self, n: int) -> None:
        self.status.setText(self.tr("{n} alerta(s) sin reconocer").format(n=n) if n else self.tr("Sin alertas pendientes"))

    def _update_buttons(self, *_args) -> None:
        a = self.selected()
        self.ack_btn.setEnabled(a is not None and not a.get("acked_by"))
        self.cp_btn.setEnabled(a is not None and bool(a.get("cp_id")))
