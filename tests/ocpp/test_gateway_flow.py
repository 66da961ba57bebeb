"""The gateway against the real broker, the real Central and a real OCPP client (the ``ocpp``
library's ChargePoint): every message of the mapping, and the driver's whole journey."""
from __future__ import annotations

import time

import pytest
import websockets
from ocpp.v16 import call

from ev_common import contract as c
from ocpp_gateway.bridge import id_tag_for
from tests.helpers import wait_until
from tests.ocpp.conftest import CP, OcppSystem

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]


def _online(ocpp: OcppSystem, cp_id: str = CP):
    ch = ocpp.charger(cp_id).connect()
    ch.boot()
    assert ocpp.system.watcher.wait_state(cp_id, "available", 120).ocpp  # the tile's OCPP marker
    return ch


def _driver_session(ocpp: OcppSystem, ch, driver: str = "driver1"):
    """A headless driver asks for the CP; the gateway turns the authorization into RemoteStart."""
    proc = ocpp.system.start_driver(driver, "--cp", CP, "--supply-timeout", "240")
    remote = wait_until(lambda: ch.requested("RemoteStartTransaction"), 120, message="RemoteStartTransaction")
    auth = wait_until(lambda: ocpp.system.watcher.notifications(c.ChargeAuthorized), 120,
                      message="ChargeAuthorized")[-1]
    assert remote[-1]["id_tag"] == id_tag_for(auth.session_id)
    return proc, auth, remote[-1]


def test_boot_heartbeat_and_status_make_the_cp_available_then_faulted_then_available(ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    answer = ch.send(call.Heartbeat())
    assert answer.current_time
    ch.status("Faulted", error_code="GroundFailure")
    state = ocpp_system.system.watcher.wait_state(CP, "faulted", 120)
    assert "GroundFailure" in (state.fault_reason or "")
    ch.status("Available")
    ocpp_system.system.watcher.wait_state(CP, "available", 120)
    assert CP in ocpp_system.wait_status(lambda st: CP in st["central_linked"], "gateway status")["connected"]


def test_driver_request_remote_start_meter_values_stop_gives_one_ticket_billed_at_the_authorized_price(
        ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    driver, auth, remote = _driver_session(ocpp_system, ch)
    assert ch.send(call.Authorize(id_tag=remote["id_tag"])).id_tag_info["status"] == "Accepted"
    t0 = time.time()
    started = ch.start(remote["id_tag"], 10_000, t0)
    assert started.id_tag_info["status"] == "Accepted"
    tx = started.transaction_id
    ocpp_system.system.watcher.wait_state(CP, "charging", 120)
    ch.meter(tx, 10_004, 7_400, t0 + 1)
    ch.meter(None, 10_008, 7_400, t0 + 2)   # transactionId missing: the connector's open transaction
    progress = wait_until(lambda: [p for p in ocpp_system.system.watcher.notifications(
        c.SupplyProgress, auth.session_id) if p.kwh >= 0.008 - 1e-9], 120, message="SupplyProgress at the driver")
    assert progress[-1].kw == pytest.approx(7.4)
    # duplicates: the same StartTransaction again gets the same id; the Stop twice bills once
    assert ch.start(remote["id_tag"], 10_000, t0).transaction_id == tx
    ch.stop(tx, 10_012, t0 + 3)
    ch.stop(tx, 10_012, t0 + 3)
    result = ocpp_system.system.wait_results(driver, 1, 180)[0]
    assert result.outcome == "completed"
    tickets = wait_until(lambda: ocpp_system.system.watcher.tickets().get(auth.session_id), 120, message="ticket")
    assert len(tickets) == 1
    t = tickets[0].body
    assert t.kwh == pytest.approx(0.012)
    assert t.eur == pytest.approx(round(0.012 * auth.price_eur_kwh, 2), abs=0.01)
    assert t.started_at == pytest.approx(t0, abs=1e-3) and t.ended_at == pytest.approx(t0 + 3, abs=1e-3)
    ocpp_system.system.watcher.wait_state(CP, "available", 120)
    st = ocpp_system.wait_status(lambda st: st["counters"].get("bridge_duplicate_stop"), "duplicate stop counted")
    assert st["counters"]["bridge_duplicate_start"] == 1
    assert [r["session_id"] for r in ocpp_system.system.db_rows("tickets")].count(auth.session_id) == 1


def test_unknown_and_minus_one_transactions_are_answered_and_bill_nothing(ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    assert ch.send(call.Authorize(id_tag="NOTOURS")).id_tag_info["status"] == "Invalid"
    answer = ch.stop(987654, 500, time.time())
    assert answer.id_tag_info["status"] == "Accepted"
    answer = ch.stop(-1, 500, time.time())
    assert answer.id_tag_info["status"] == "Accepted"
    refused = ch.start("NOTOURS", 100, time.time())
    assert refused.id_tag_info["status"] == "Invalid"
    ch.stop(refused.transaction_id, 200, time.time())
    st = ocpp_system.wait_status(lambda st: st["counters"].get("bridge_stop_unknown_tx", 0) >= 2,
                                 "unknown stops counted")
    assert st["counters"]["bridge_start_unknown_tag"] == 1
    assert not ocpp_system.system.watcher.bodies(ocpp_system.system.topics.cp_events, c.SupplyStarted)
    assert ocpp_system.system.watcher.state(CP) == "available"


def test_charger_with_a_wrong_key_or_unknown_id_is_refused_with_401_and_counted(ocpp_system: OcppSystem):
    for cp_id, key in ((CP, "not-the-key"), ("NOSUCHCP", "x"), (CP, None)):
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            ocpp_system.charger(cp_id, key=key).connect()
        assert info.value.response.status_code == 401
    st = ocpp_system.wait_status(lambda st: sum(st["refused"].values()) >= 3, "refusals in the gateway status")
    assert st["counters"]["refused_bad_key"] == 1
    assert st["counters"]["refused_unknown_cp"] == 1
    assert st["counters"]["refused_no_credentials"] == 1
    assert "REFUSED (HTTP 401)" in ocpp_system.gateway.output()
    assert "not-the-key" not in ocpp_system.gateway.output()
