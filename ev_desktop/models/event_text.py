"""Contract messages → one translated line for the operator's event log."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ev_common import contract as c
from ev_desktop.models.event_log import LogEntry


def deny_reason_text(reason: str) -> str:
    texts = {
        "invalid_token": QCoreApplication.translate("EventText", "sesión caducada o no válida; vuelva a iniciar sesión"),
        "unknown_driver": QCoreApplication.translate("EventText", "conductor desconocido"),
        "unknown_cp": QCoreApplication.translate("EventText", "el punto de carga no existe"),
        "cp_unavailable": QCoreApplication.translate("EventText", "el punto de carga no está disponible"),
        "cp_disconnected": QCoreApplication.translate("EventText", "el punto de carga está desconectado"),
        "no_free_cp": QCoreApplication.translate("EventText", "no hay ningún punto de carga libre"),
        "driver_busy": QCoreApplication.translate("EventText", "ya tiene una carga en curso"),
    }
    return texts.get(reason, reason)


def interrupt_reason_text(reason: str) -> str:
    texts = {
        "fault": QCoreApplication.translate("EventText", "avería del punto de carga"),
        "operator_stop": QCoreApplication.translate("EventText", "parada por el operador"),
        "monitor_lost": QCoreApplication.translate("EventText", "el punto de carga perdió la conexión"),
        "cancelled": QCoreApplication.translate("EventText", "cancelada"),
        "interrupted": QCoreApplication.translate("EventText", "interrumpida"),
        "completed": QCoreApplication.translate("EventText", "completada"),
    }
    return texts.get(reason, reason)


def log_entry(body: c.Payload, ts: float) -> LogEntry | None:
    """A log line for the messages an operator cares about; None for the rest (telemetry…)."""
    if isinstance(body, c.ChargeRequested):
        where = body.cp_id or QCoreApplication.translate("EventText", "cualquier CP libre")
        return LogEntry(QCoreApplication.translate("EventText", "{d} solicita carga en {cp}").format(d=body.driver_id, cp=where), "request", ts)
    if isinstance(body, c.ChargeAuthorized):
        return LogEntry(QCoreApplication.translate("EventText", "{d} autorizado en {cp}").format(d=body.driver_id, cp=body.cp_id), "authorized", ts)
    if isinstance(body, c.ChargeDenied):
        return LogEntry(QCoreApplication.translate("EventText", "{d} denegado: {r}").format(d=body.driver_id, r=deny_reason_text(body.reason)),
                        "denied", ts)
    if isinstance(body, c.ReservationExpired):
        return LogEntry(QCoreApplication.translate("EventText", "Reserva caducada en {cp} ({d})").format(cp=body.cp_id, d=body.driver_id), "info", ts)
    if isinstance(body, c.SupplyStarted):
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: suministro iniciado").format(cp=body.cp_id), "supply", ts)
    if isinstance(body, c.SupplyFinished):
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: suministro terminado, {kwh:.2f} kWh, {eur:.2f} €").format(
            cp=body.cp_id, kwh=body.kwh, eur=body.eur), "supply", ts)
    if isinstance(body, c.SupplyInterrupted):
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: suministro interrumpido ({r})").format(
            cp=body.cp_id, r=interrupt_reason_text(body.reason)), "fault", ts)
    if isinstance(body, c.Ticket):
        return LogEntry(QCoreApplication.translate("EventText", "Ticket {d} en {cp}: {kwh:.2f} kWh, {eur:.2f} €").format(
            d=body.driver_id, cp=body.cp_id, kwh=body.kwh, eur=body.eur), "ticket", ts)
    if isinstance(body, c.ManualSupplyRequested):
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: suministro manual solicitado").format(cp=body.cp_id), "request", ts)
    if isinstance(body, c.EngineOnline):
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: motor en línea").format(cp=body.cp_id), "info", ts)
    if isinstance(body, c.OperatorCommand):
        verb = QCoreApplication.translate("EventText", "Parar") if body.action == "stop" else QCoreApplication.translate("EventText", "Reanudar")
        target = QCoreApplication.translate("EventText", "todos los CP") if body.cp_id == "*" else body.cp_id
        return LogEntry(QCoreApplication.translate("EventText", "Operador: {v} {t}").format(v=verb, t=target), "operator", ts)
    return None
