"""Qt models of the operator reports: a page of supplies, and the suspect supplies."""
from __future__ import annotations

import time

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt


def when(ts) -> str:
    return time.strftime("%d/%m/%Y %H:%M", time.localtime(ts)) if ts else ""


def outcome_text(outcome: str | None) -> str:
    return {"completed": QCoreApplication.translate("ReportModels", "completado"), "fault": QCoreApplication.translate("ReportModels", "avería"), "operator_stop": QCoreApplication.translate("ReportModels", "parado por operador"),
            "monitor_lost": QCoreApplication.translate("ReportModels", "monitor perdido"), "interrupted": QCoreApplication.translate("ReportModels", "interrumpido"), "expired": QCoreApplication.translate("ReportModels", "caducado"),
            "cancelled": QCoreApplication.translate("ReportModels", "cancelado"), None: "", "": ""}.get(outcome, outcome or "")


def status_text(status: str | None) -> str:
    return {"finished": QCoreApplication.translate("ReportModels", "finalizado"),
            "reserved": QCoreApplication.translate("ReportModels", "reservado"),
            "charging": QCoreApplication.translate("ReportModels", "cargando"),
            "interrupted": QCoreApplication.translate("ReportModels", "interrumpido"),
            "expired": QCoreApplication.translate("ReportModels", "caducado"),
            "cancelled": QCoreApplication.translate("ReportModels", "cancelado")}.get(status or "", status or "")


class DictTableModel(QAbstractTableModel):
    """Rows of dicts shown through (key, header, formatter) columns."""

    columns: tuple = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict] = []

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = [r for r in rows if isinstance(r, dict)]
        self.endResetModel()

    def key_of(self, column: int) -> str:
        return self.columns[column][0]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][1]()
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not (0 <= index.row() < len(self.rows)):
            return None
        key, _title, fmt = self.columns[index.column()]
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt(row.get(key))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("kwh", "eur"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _num(fmt: str):
    return lambda v: fmt.format(v) if isinstance(v, (int, float)) else ""


class SuppliesModel(DictTableModel):
    columns = (("created_at", lambda: QCoreApplication.translate("ReportModels", "Fecha"), when), ("cp_id", lambda: QCoreApplication.translate("ReportModels", "Punto"), str),
               ("driver_id", lambda: QCoreApplication.translate("ReportModels", "Conductor"), str), ("status", lambda: QCoreApplication.translate("ReportModels", "Estado"), status_text),
               ("outcome", lambda: QCoreApplication.translate("ReportModels", "Resultado"), outcome_text), ("kwh", lambda: QCoreApplication.translate("ReportModels", "kWh"), _num("{:.2f}")),
               ("eur", lambda: QCoreApplication.translate("ReportModels", "€"), _num("{:.2f}")), ("id", lambda: QCoreApplication.translate("ReportModels", "Sesión"), str))


def reasons_text(reasons) -> str:
    names = {"too_long": QCoreApplication.translate("ReportModels", "abierto demasiado tiempo"), "silent": QCoreApplication.translate("ReportModels", "sin telemetría"),
             "energy": QCoreApplication.translate("ReportModels", "energía imposible")}
    return ", ".join(names.get(r, r) for r in (reasons or []))


class SuspectsModel(DictTableModel):
    columns = (("session_id", lambda: QCoreApplication.translate("ReportModels", "Sesión"), str), ("cp_id", lambda: QCoreApplication.translate("ReportModels", "Punto"), str),
               ("driver_id", lambda: QCoreApplication.translate("ReportModels", "Conductor"), str), ("status", lambda: QCoreApplication.translate("ReportModels", "Estado"), status_text),
               ("created_at", lambda: QCoreApplication.translate("ReportModels", "Desde"), when), ("kwh", lambda: QCoreApplication.translate("ReportModels", "kWh"), _num("{:.2f}")),
               ("reasons", lambda: QCoreApplication.translate("ReportModels", "Por qué"), reasons_text))
