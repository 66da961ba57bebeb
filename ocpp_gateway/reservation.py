"""Central's reservation on the charger: ReserveNow / CancelReservation and what their answers mean (pure).

Central reserves a CP for a driver when it authorizes the request (``authorize_supply`` with
``expires_at``). The gateway mirrors that on the charger so nobody else takes the connector
meanwhile: ReserveNow (``reservationId`` one per supply and the same on every resend, so a
resend replaces rather than adds; ``expiryDate`` = Central's expiry; ``idTag`` = the driver's
session tag), and only after its answer RemoteStartTransaction.

The answers, decided here:

* ``Accepted`` → RemoteStartTransaction (or CancelReservation, if Central cancelled meanwhile).
* ``Occupied`` / ``Faulted`` / ``Unavailable`` → the charger cannot serve the driver Central
  promised it to. The bridge marks the connector *refused*: the CP's health goes KO with the
  reason, so Central (over the CP's own authenticated Monitor link, no new trust path) faults
  the CP, annuls the reservation and tells the driver (``supply_interrupted`` with the reason)
  — the driver is never left believing in a reservation the charger refused. The connector's
  next ``Available`` StatusNotification (or BootNotification) clears it.
* ``Rejected``, a CallError (NotImplemented/NotSupported: the charger has no Reservation
  profile) or no answer → RemoteStartTransaction anyway: Central's own reservation window
  and the Authorize check still hold.
* RemoteStartTransaction ``Rejected`` → refused like ``Occupied``.

CancelReservation is sent when the reservation ends without a transaction (cancelled, expired,
operator Parar); a StartTransaction consumes it on the charger (OCPP 1.6 §5.13), so then
nothing is sent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ocpp_gateway.effects import Call, Effect, Notice, Save
from ocpp_gateway.meter import iso

if TYPE_CHECKING:
    from ocpp_gateway.bridge import Authorization, Bridge

REFUSING = ("Occupied", "Faulted", "Unavailable")

__all__ = ["REFUSING", "cancel", "iso", "on_call_result", "remote_start", "reserve_now"]


def reserve_now(auth: "Authorization") -> Call:
    return Call("ReserveNow", {"connector_id": auth.connector_id, "expiry_date": iso(auth.expires_at),
                               "id_tag": auth.id_tag, "reservation_id": auth.reservation_id}, ref=auth.id_tag)


def remote_start(auth: "Authorization") -> Call:
    return Call("RemoteStartTransaction", {"connector_id": auth.connector_id, "id_tag": auth.id_tag},
                ref=auth.id_tag)


def cancel(auth: "Authorization") -> list[Effect]:
    """CancelReservation when the charger holds this reservation (else nothing to undo)."""
    if not auth.reserved:
        return []
    auth.reserved = False
    return [Call("CancelReservation", {"reservation_id": auth.reservation_id}),
            Notice(f"Reserva {auth.reservation_id} anulada en el cargador → CancelReservation")]


def on_call_result(bridge: "Bridge", call: Call, outcome: str) -> list[Effect]:
    """*outcome*: the answer's status (``Accepted``, ``Occupied``…), ``error:<code>`` for a
    CallError, ``timeout`` / ``closed`` when no answer came."""
    auth = bridge.auths.get(call.ref) if call.ref else None
    if auth is None or bridge.tx_for_session(auth.session_id) is not None:
        return []  # not ours, or the supply started meanwhile (the charger consumed the reservation)
    if call.action == "ReserveNow":
        if outcome == "Accepted":
            auth.reserved = True
            if not auth.active:   # Central cancelled while ReserveNow was in flight
                return [Save(), *cancel(auth)]
            return [Save(), remote_start(auth)]
        if outcome in REFUSING:
            return _refused(bridge, auth, f"ReserveNow {outcome}")
        if not auth.active:
            return []
        bridge.count("reserve_unsupported")
        return [remote_start(auth), Notice(
            f"ReserveNow → {outcome}: el cargador no reserva; se pide RemoteStartTransaction igualmente "
            "(la CENTRAL mantiene su reserva y solo acepta el idTag hasta que caduque)", "warn")]
    if call.action == "RemoteStartTransaction" and outcome == "Rejected":
        return _refused(bridge, auth, "RemoteStartTransaction Rejected")
    return []


def _refused(bridge: "Bridge", auth: "Authorization", what: str) -> list[Effect]:
    if not auth.active:
        return []
    reason = f"El cargador rechazó la reserva de la CENTRAL ({what}, conector {auth.connector_id})"
    return [*bridge.refuse(auth.connector_id, reason), Notice(reason, "warn")]
