"""AlertsModel: the operator's alert inbox as a Qt table model.

Rows come from two places: Central's alerts (the same list and acknowledgements for every
operator, refreshed by the workbench controller) and the app's own local alerts — *Kafka
unreachable* and *Central silent* — which only this app can see (when Kafka is down, Central
cannot tell it so). Local alerts have negative ids and are acknowledged locally.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor

SEVERITY_COLORS = {"critical": QColor("#c62828"), "warning": QColor("#ef6c00"), "info": QColor("#1565c0")}
LOCAL_IDS = {"kafka_unreachable": -1, "central_silent": -2, "kafka_degraded": -3}
LOCAL_SEVERITY = {"kafka_unreachable": "critical", "central_silent": "critical", "kafka_degraded": "warning"}


def kind_text(kind: str) -> str:
    return {
        "cp_faulted": QCoreApplication.translate("AlertsModel", "Punto de carga averiado"),
        "cp_disconnected": QCoreApplication.translate("AlertsModel", "Punto de carga desconectado"),
        "supply_silent": QCoreApplication.translate("AlertsModel", "Suministro sin telemetría"),
        "reservation_overdue": QCoreApplication.translate("AlertsModel", "Reserva caducada sin liberar"),
        "forged_input": QCoreApplication.translate("AlertsModel", "Entradas falsificadas"),
        "refused_bills": QCoreApplication.translate("AlertsModel", "Facturas rechazadas"),
        "dead_letters": QCoreApplication.translate("AlertsModel", "Cartas muertas"),
        "consumer_lag": QCoreApplication.translate("AlertsModel", "Retraso creciente de la CENTRAL"),
        "kafka_unreachable": QCoreApplication.translate("AlertsModel", "Kafka inalcanzable"),
        "kafka_degraded": QCoreApplication.translate("AlertsModel", "Kafka con problemas"),
        "central_silent": QCoreApplication.translate("AlertsModel", "La CENTRAL no responde"),
        # an OCPP gateway refused a charger (unknown id / wrong key): central_service/gateway_reports.py
        "unknown_charger": QCoreApplication.translate("AlertsModel", "Cargador desconocido rechazado"),
    }.get(kind, kind)


def severity_text(severity: str) -> str:
    return {"critical": QCoreApplication.translate("AlertsModel", "Crítica"), "warning": QCoreApplication.translate("AlertsModel", "Aviso"), "info": QCoreApplication.translate("AlertsModel", "Info")}.get(severity, severity)


class AlertsModel(QAbstractTableModel):
    unackedChanged = Signal(int)   # unacknowledged active alerts
    alertRaised = Signal(dict)     # an active, unacknowledged alert this app had not seen before

    COLUMNS = ("severity", "kind", "subject", "detail", "first_seen", "last_seen", "count", "ack")

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.clock = clock
        self._central: list[dict] = []
        self._local: dict[str, dict] = {}
        self._rows: list[dict] = []
        self._seen: set[int] = set()
        self._unacked = 0

    # ------------------------------------------------------------------ updates
    def set_central(self, alerts: list[dict]) -> None:
        self._central = [a for a in alerts if isinstance(a, dict) and isinstance(a.get("id"), int)]
        self._rebuild()

    def set_local(self, kind: str, active: bool, detail: str = "") -> None:
        """Raise (or refresh) / clear one of the app's own alerts."""
        now = self.clock()
        current = self._local.get(kind)
        if active and (current is None or current.get("cleared_at") is not None):
            self._local[kind] = {"id": LOCAL_IDS[kind], "kind": kind, "subject": QCoreApplication.translate("AlertsModel", "esta aplicación"),
                                 "severity": LOCAL_SEVERITY[kind], "detail": detail, "cp_id": None, "first_seen": now,
                                 "last_seen": now, "count": 1, "cleared_at": None, "acked_by": None,
                                 "acked_at": None, "local": True}
            self._seen.discard(LOCAL_IDS[kind])
        elif active and current is not None:
            current.update(last_seen=now, detail=detail or current["detail"])
        elif not active and current is not None and current.get("cleared_at") is None:
            current["cleared_at"] = now
        else:
            return
        self._rebuild()

    def ack_local(self, alert_id: int, operator: str) -> bool:
        for a in self._local.values():
            if a["id"] == alert_id and a["acked_by"] is None:
                a.update(acked_by=operator, acked_at=self.clock())
                self._rebuild()
                return True
        return False

    def _rebuild(self) -> None:
        rows = sorted(list(self._local.values()) + self._central,
                      key=lambda a: (a.get("cleared_at") is not None, -(a.get("last_seen") or 0.0)))
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
        for a in rows:
            if a["id"] not in self._seen and a.get("cleared_at") is None and a.get("acked_by") is None:
                self._seen.add(a["id"])
                self.alertRaised.emit(a)
        unacked = sum(1 for a in rows if a.get("cleared_at") is None and a.get("acked_by") is None)
        if unacked != self._unacked:
            self._unacked = unacked
            self.unackedChanged.emit(unacked)

    # ------------------------------------------------------------------ queries
    @property
    def unacked(self) -> int:
        return self._unacked

    def alert(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, alert_id: int) -> int:
        return next((i for i, a in enumerate(self._rows) if a["id"] == alert_id), -1)

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (QCoreApplication.translate("AlertsModel", "Gravedad"), QCoreApplication.translate("AlertsModel", "Alerta"), QCoreApplication.translate("AlertsModel", "Sobre"), QCoreApplication.translate("AlertsModel", "Detalle"), QCoreApplication.translate("AlertsModel", "Primera vez"),
                QCoreApplication.translate("AlertsModel", "Última vez"), QCoreApplication.translate("AlertsModel", "Veces"), QCoreApplication.translate("AlertsModel", "Reconocida"))[section]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        a = self.alert(index.row())
        if a is None:
            return None
        col = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(a, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == "severity":
            return SEVERITY_COLORS.get(a.get("severity", ""))
        if role == Qt.ItemDataRole.FontRole and a.get("cleared_at") is None and a.get("acked_by") is None:
            from PySide6.QtGui import QFont
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return a
        return None

    def _display(self, a: dict, col: str) -> str:
        if col == "severity":
            return severity_text(a.get("severity", ""))
        if col == "kind":
            text = kind_text(a.get("kind", ""))
            return text if a.get("cleared_at") is None else QCoreApplication.translate("AlertsModel", "{alert} (resuelta)").format(alert=text)
        if col in ("first_seen", "last_seen"):
            return _clock_text(a.get(col))
        if col == "count":
            return str(a.get("count", 1))
        if col == "ack":
            if not a.get("acked_by"):
                return ""
            return QCoreApplication.translate("AlertsModel", "{who} a las {when}").format(who=a["acked_by"], when=_clock_text(a.get("acked_at")))
        return str(a.get(col) or "")


def _clock_text(ts: float | None) -> str:
    if not ts:
        return ""
    return time.strftime("%d/%m %H:%M:%S", time.localtime(ts))
