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
        "driver_stop": QCoreApplication.translate("EventText", "detenida por el conductor"),
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


def operator_verb(action: str | None) -> str:
    return QCoreApplication.translate("EventText", "Parar") if action == "stop" else QCoreApplication.translate("EventText", "Reanudar")


def activity_entry(a: c.CentralActivity, ts: float) -> LogEntry | None:
    """A log line for one thing Central did (topic ``central.activity``); None for an unknown kind."""
    cp = a.cp_id or QCoreApplication.translate("EventText", "cualquier CP libre")
    d = a.driver_id or "?"
    if a.kind == "request":
        return LogEntry(QCoreApplication.translate("EventText", "{d} solicita carga en {cp}").format(d=d, cp=cp), "request", ts)
    if a.kind == "authorized":
        return LogEntry(QCoreApplication.translate("EventText", "{d} autorizado en {cp}").format(d=d, cp=cp), "authorized", ts)
    if a.kind == "denied":
        return LogEntry(QCoreApplication.translate("EventText", "{d} denegado: {r}").format(d=d, r=deny_reason_text(a.reason or "")), "denied", ts)
    if a.kind == "cancelled":
        return LogEntry(QCoreApplication.translate("EventText", "{d} cancela su solicitud o detiene su carga").format(d=d), "info", ts)
    if a.kind == "reservation_expired":
        return LogEntry(QCoreApplication.translate("EventText", "Reserva caducada en {cp} ({d})").format(cp=cp, d=d), "info", ts)
    if a.kind == "supply_started":
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: suministro iniciado").format(cp=cp), "supply", ts)
    if a.kind == "supply_interrupted":
        return LogEntry(QCoreApplication.translate("EventText", "{cp}: suministro interrumpido ({r})").format(
            cp=cp, r=interrupt_reason_text(a.reason or "")), "fault", ts)
    if a.kind == "ticket":
        return LogEntry(QCoreApplication.translate("EventText", "Ticket {d} en {cp}: {kwh:.2f} kWh, {eur:.2f} €").format(
            d=d, cp=cp, kwh=a.kwh or 0.0, eur=a.eur or 0.0), "ticket", ts)
    target = QCoreApplication.translate("EventText", "todos los CP") if a.cp_id == "*" else cp
    if a.kind == "operator_command":
        return LogEntry(QCoreApplication.translate("EventText", "Operador {o}: {v} {t} — aplicado por la CENTRAL").format(
            o=a.operator or "?", v=operator_verb(a.action), t=target), "operator", ts)
    if a.kind == "operator_refused":
        return LogEntry(QCoreApplication.translate("EventText", "Operador {o}: {v} {t} — rechazado por la CENTRAL (sesión no válida)").format(
            o=a.operator or "?", v=operator_verb(a.action), t=target), "denied", ts)
    return None


def command_entry(action: str, cp_id: str, state: str, ts: float, queued: int = 0, key: str | None = None) -> LogEntry:
    """The operator's own command line: *state* ``queued`` (n not sent yet) → ``delivered``
    (Kafka has it) → ``applied`` / ``refused`` (Central's activity names its message id)."""
    target = QCoreApplication.translate("EventText", "todos los CP") if cp_id == "*" else cp_id
    base = QCoreApplication.translate("EventText", "Operador: {v} {t}").format(v=operator_verb(action), t=target)
    status = {
        "queued": QCoreApplication.translate("EventText", "en cola ({n} sin enviar)").format(n=queued) if queued else QCoreApplication.translate("EventText", "en cola"),
        "delivered": QCoreApplication.translate("EventText", "entregado"),
        "applied": QCoreApplication.translate("EventText", "aplicado por la CENTRAL"),
        "refused": QCoreApplication.translate("EventText", "rechazado por la CENTRAL"),
    }.get(state, state)
    return LogEntry(f"{base} — {status}", "denied" if state == "refused" else "operator", ts, key=key,
                    action=action, cp_id=cp_id, state=state)


def link_entry(what: str, up: bool, ts: float) -> LogEntry:
    """Outage / recovery of Kafka or Central, as a log line."""
    if what == "kafka":
        text = QCoreApplication.translate("EventText", "Conexión con Kafka recuperada") if up else QCoreApplication.translate("EventText", "Sin conexión con Kafka")
    else:
        text = QCoreApplication.translate("EventText", "La CENTRAL vuelve a responder") if up else QCoreApplication.translate("EventText", "La CENTRAL no responde")
    return LogEntry(text, "authorized" if up else "fault", ts)
