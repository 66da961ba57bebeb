"""AuditView: the operators' actions as Central recorded them (who, what, on what, when, where).

A view plus its small table model: rows are the ``OPQUERY audit`` entries (newest first);
"Actualizar" asks the workbench controller to load them again.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView,
                               QVBoxLayout, QWidget)


def action_text(action: str) -> str:
    return {"stop": QCoreApplication.translate("AuditModel", "Parar"), "resume": QCoreApplication.translate("AuditModel", "Reanudar"), "ack_alert": QCoreApplication.translate("AuditModel", "Reconocer alerta"),
            "close_supply": QCoreApplication.translate("AuditModel", "Cerrar suministro"),
            "sign_in": QCoreApplication.translate("AuditModel", "Iniciar sesión")}.get(action, action)


def outcome_text(outcome: str) -> str:
    return {"ok": QCoreApplication.translate("AuditModel", "aplicada"), "refused": QCoreApplication.translate("AuditModel", "rechazada"), "already": QCoreApplication.translate("AuditModel", "ya estaba hecha")}.get(outcome, outcome)


class AuditModel(QAbstractTableModel):
    COLUMNS = ("ts", "operator", "action", "target", "outcome", "peer", "detail")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[dict] = []

    def set_entries(self, entries: list[dict]) -> None:
        self.beginResetModel()
        self.entries = [e for e in entries if isinstance(e, dict)]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (QCoreApplication.translate("AuditModel", "Cuándo"), QCoreApplication.translate("AuditModel", "Operador"), QCoreApplication.translate("AuditModel", "Acción"), QCoreApplication.translate("AuditModel", "Sobre"), QCoreApplication.translate("AuditModel", "Resultado"), QCoreApplication.translate("AuditModel", "Desde"),
                QCoreApplication.translate("AuditModel", "Detalle"))[section]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or not (0 <= index.row() < len(self.entries)):
            return None
        e = self.entries[index.row()]
        col = self.COLUMNS[index.column()]
        if col == "ts":
            return time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(e.get("ts") or 0))
        if col == "action":
            return action_text(str(e.get("action", "")))
        if col == "outcome":
            return outcome_text(str(e.get("outcome", "")))
        if col == "peer":
            return QCoreApplication.translate("AuditModel", "vía Kafka") if e.get("peer") == "kafka" else str(e.get("peer", ""))
        return str(e.get(col) or "")


class AuditView(QWidget):
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AuditModel(self)
        self.view = QTableView()
        self.view.setObjectName("auditTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.refresh_btn = QPushButton(self.tr("Actualizar"))
        self.refresh_btn.clicked.connect(self.refreshRequested)
        self.status = QLabel(self.tr("Acciones de los operadores registradas por la CENTRAL"))
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)

    def show_entries(self, entries: list) -> None:
        self.model.set_entries(entries)
        self.status.setText(self.tr("{n} acciones registradas por la CENTRAL").format(n=len(self.model.entries)))

    def show_error(self, text: str) -> None:
        self.status.setText(text)
