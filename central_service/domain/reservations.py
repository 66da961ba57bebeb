"""Who may charge where: the authorization checks of a ChargeRequested, in order.

The first failing check decides the denial; every reason has a Spanish sentence the driver
understands (shown as-is by the app).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from central_service.domain.cp import ChargePoint

DENY_TEXT: dict[str, str] = {
    "invalid_token": "Tu sesión no es válida o ha caducado. Vuelve a iniciar sesión.",
    "unknown_driver": "El conductor no está registrado en la CENTRAL.",
    "unknown_cp": "El punto de carga solicitado no existe.",
    "cp_unavailable": "El punto de carga no está disponible ahora mismo ({state}). Elige otro.",
    "cp_disconnected": "El punto de carga está desconectado de la CENTRAL. Elige otro.",
    "no_free_cp": "No hay ningún punto de carga libre en este momento. Inténtalo más tarde.",
    "driver_busy": "Ya tienes una reserva o un suministro en curso ({session}).",
}

STATE_TEXT = {"reserved": "reservado", "charging": "suministrando", "out_of_order": "parado",
              "faulted": "averiado", "disconnected": "desconectado", "available": "disponible"}


@dataclass(frozen=True)
class Denial:
    reason: str
    detail: str


def deny(reason: str, **fmt: str) -> Denial:
    return Denial(reason, DENY_TEXT[reason].format(**fmt))


def choose_cp(requested: str | None, cps: dict[str, ChargePoint]) -> ChargePoint | Denial:
    """The CP to reserve for a request at *requested* (or any free CP when None)."""
    if requested is None:
        free = sorted((cp for cp in cps.values() if cp.state == "available"), key=lambda c: c.cp_id)
        return free[0] if free else deny("no_free_cp")
    cp = cps.get(requested)
    if cp is None:
        return deny("unknown_cp")
    if not cp.monitor_connected:
        return deny("cp_disconnected")
    if cp.state != "available":
        return deny("cp_unavailable", state=STATE_TEXT.get(cp.state, cp.state))
    return cp


def driver_active_session(driver_id: str, cps: Iterable[ChargePoint]) -> str | None:
    """The session the driver already holds (reservation or running supply), if any."""
    for cp in cps:
        if cp.reservation is not None and cp.reservation.driver_id == driver_id:
            return cp.reservation.session_id
        if cp.session is not None and cp.session.driver_id == driver_id:
            return cp.session.session_id
    return None


def due_reservations(cps: Iterable[ChargePoint], now: float) -> list[ChargePoint]:
    """CPs whose reservation has expired at *now* (the caller expires them)."""
    return [cp for cp in cps if cp.reservation is not None and cp.reservation.expired(now)]
