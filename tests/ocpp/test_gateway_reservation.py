"""Central's reservation mirrored on a real OCPP charger (ReserveNow / CancelReservation), against
the real broker, the real Central and the ``ocpp`` library's ChargePoint client."""
from __future__ import annotations

import time

import pytest
from ocpp.v16 import call

from ev_common import contract as c
from ocpp_gateway import meter
from ocpp_gateway.bridge import id_tag_for
from tests.helpers import wait_until
from tests.ocpp.conftest import CP, OcppSystem
from tests.ocpp.test_gateway_flow import _online

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]


def _request(ocpp: OcppSystem, driver: str = "driver1") -> c.ChargeAuthorized:
    ocpp.system.start_driver(driver, "--cp", CP, "--supply-timeout", "240")
    return wait_until(lambda: ocpp.system.watcher.notifications(c.ChargeAuthorized), 120,
                      message="ChargeAuthorized")[-1]


def test_authorized_request_reserves_the_charger_until_central_expiry_and_the_expiry_cancels_it(
        ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    auth = _request(ocpp_system)
    reserve = wait_until(lambda: ch.requested("ReserveNow"), 120, message="ReserveNow")[0]
    assert reserve["id_tag"] == id_tag_for(auth.session_id)
    assert reserve["connector_id"] == 1
    assert meter.parse_ts(reserve["expiry_date"]) == pytest.approx(auth.reservation_expires_at, abs=1e-3)
    # accepted → the remote start follows, for the same tag
    assert wait_until(lambda: ch.requested("RemoteStartTransaction"), 120,
                      message="RemoteStartTransaction")[0]["id_tag"] == reserve["id_tag"]
    # nobody plugs in: Central's reservation expires (30 s) → the charger's reservation is cancelled
    wait_until(lambda: ocpp_system.system.watcher.notifications(c.ReservationExpired, auth.session_id), 150,
               message="ReservationExpired at the driver")
    cancelled = wait_until(lambda: ch.requested("CancelReservation"), 120, message="CancelReservation")
    assert cancelled == [{"reservation_id": reserve["reservation_id"]}]
    ocpp_system.system.watcher.wait_state(CP, "available", 120)


def test_start_transaction_consumes_the_reservation_so_no_cancel_reservation_is_sent(ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    auth = _request(ocpp_system)
    remote = wait_until(lambda: ch.requested("RemoteStartTransaction"), 120, message="RemoteStartTransaction")[0]
    t0 = time.time()
    tx = ch.start(remote["id_tag"], 1_000, t0).transaction_id
    ch.meter(tx, 1_002, 3_000, t0 + 1)
    ch.stop(tx, 1_004, t0 + 2)
    wait_until(lambda: ocpp_system.system.watcher.tickets().get(auth.session_id), 120, message="ticket")
    ocpp_system.system.watcher.wait_state(CP, "available", 120)
    assert ch.requested("CancelReservation") == []


@pytest.mark.parametrize("answer", ["Occupied", "Unavailable"])
def test_charger_refusing_the_reservation_annuls_it_and_tells_the_driver_then_recovers_when_available(
        ocpp_system: OcppSystem, answer: str):
    ch = _online(ocpp_system)
    ch.reserve_answer = answer
    auth = _request(ocpp_system)
    wait_until(lambda: ch.requested("ReserveNow"), 120, message="ReserveNow")
    # Central annuls the reservation and the driver is told why; the CP is not offered meanwhile
    state = ocpp_system.system.watcher.wait_state(CP, "faulted", 120)
    assert f"ReserveNow {answer}" in (state.fault_reason or "")
    told = wait_until(lambda: ocpp_system.system.watcher.notifications(c.SupplyInterrupted, auth.session_id),
                      120, message="driver told the reservation is annulled")
    assert f"ReserveNow {answer}" in told[0].detail
    assert ch.requested("RemoteStartTransaction") == []
    # the annulment reached the gateway too: the driver's idTag is no longer accepted
    wait_until(lambda: ch.send(call.Authorize(id_tag=id_tag_for(auth.session_id))).id_tag_info["status"]
               == "Invalid", 120, message="idTag refused after the annulment")
    # the connector is free again: the CP is offered again
    ch.status("Available")
    ocpp_system.system.watcher.wait_state(CP, "available", 120)
    st = ocpp_system.wait_status(lambda st: st["counters"].get("bridge_charger_refused"), "refusal counted")
    assert st["counters"]["bridge_charger_refused"] == 1
