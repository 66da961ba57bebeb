"""Operator commands and the failures CSMS users report, against the real broker and Central:
Parar/Reanudar, a charger that vanishes mid-supply, a transaction replayed after being offline."""
from __future__ import annotations

import time

import pytest

from ev_common import contract as c
from tests.central.support import Kafka, operator_command, operator_login
from tests.helpers import wait_until
from tests.ocpp.conftest import CP, OcppSystem
from tests.ocpp.test_gateway_flow import _driver_session, _online

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]


def _tickets(ocpp: OcppSystem, session_id: str) -> list:
    return ocpp.system.watcher.tickets().get(session_id) or []


def test_operator_parar_stops_the_transaction_and_reanudar_makes_the_charger_operative(ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    _driver, auth, remote = _driver_session(ocpp_system, ch)
    t0 = time.time()
    tx = ch.start(remote["id_tag"], 2_000, t0).transaction_id
    ch.meter(tx, 2_005, 11_000, t0 + 1)
    ocpp_system.system.watcher.wait_state(CP, "charging", 120)
    kafka = Kafka(ocpp_system.system.bootstrap, ocpp_system.system.topics)
    try:
        token = operator_login(ocpp_system.system.central_port)
        kafka.send(ocpp_system.system.topics.operator_commands, operator_command("stop", CP, token))
        wait_until(lambda: ch.requested("RemoteStopTransaction"), 120, message="RemoteStopTransaction")
        wait_until(lambda: ch.requested("ChangeAvailability"), 120, message="ChangeAvailability")
        assert ch.requested("RemoteStopTransaction") == [{"transaction_id": tx}]
        assert ch.requested("ChangeAvailability")[0] == {"connector_id": 0, "type": "Inoperative"}
        ch.stop(tx, 2_007, t0 + 2, reason="Remote")
        ch.status("Unavailable")
        ticket = wait_until(lambda: _tickets(ocpp_system, auth.session_id), 120, message="ticket")[0].body
        assert ticket.outcome == "operator_stop" and ticket.kwh == pytest.approx(0.007)
        ocpp_system.system.watcher.wait_state(CP, "out_of_order", 120)
        kafka.send(ocpp_system.system.topics.operator_commands, operator_command("resume", CP, token))
        wait_until(lambda: len(ch.requested("ChangeAvailability")) >= 2, 120, message="second ChangeAvailability")
        assert ch.requested("ChangeAvailability")[1] == {"connector_id": 0, "type": "Operative"}
        ocpp_system.system.watcher.wait_state(CP, "available", 120)
    finally:
        kafka.close()


def test_charger_that_vanishes_mid_supply_is_closed_at_its_last_meter_value_and_its_late_stop_adds_nothing(
        ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    _driver, auth, remote = _driver_session(ocpp_system, ch)
    t0 = time.time()
    tx = ch.start(remote["id_tag"], 5_000, t0).transaction_id
    ch.meter(tx, 5_006, 7_000, t0 + 1)
    ocpp_system.system.watcher.wait_state(CP, "charging", 120)
    wait_until(lambda: ocpp_system.system.watcher.notifications(c.SupplyProgress, auth.session_id), 120,
               message="telemetry before the loss")
    ch.drop()
    # Central: no heartbeats → disconnected, never left in charging; the driver is told
    ocpp_system.system.watcher.wait_state(CP, "disconnected", 120)
    wait_until(lambda: ocpp_system.system.watcher.notifications(c.SupplyInterrupted, auth.session_id), 120,
               message="driver told of the interruption")
    ticket = wait_until(lambda: _tickets(ocpp_system, auth.session_id), 120, message="ticket")[0].body
    assert ticket.kwh == pytest.approx(0.006)       # the last meter value, nothing invented
    # the operators are told: the workbench raises the disconnected-CP alert
    wait_until(lambda: [r for r in ocpp_system.system.db_rows("alerts")
                        if r["kind"] == "cp_disconnected" and r["cp_id"] == CP], 150,
               message="cp_disconnected alert for the operators")
    assert ticket.outcome == "monitor_lost"
    finals = ocpp_system.system.watcher.finals()[auth.session_id]
    assert finals[0].ended_at == pytest.approx(t0 + 1, abs=1e-3)
    # it comes back and replays its StopTransaction: answered, counted, not billed again
    ch2 = ocpp_system.charger().connect()
    ch2.boot()
    assert ch2.stop(tx, 5_020, t0 + 5).id_tag_info["status"] == "Accepted"
    ocpp_system.wait_status(lambda st: st["counters"].get("bridge_duplicate_stop"), "late stop counted")
    ocpp_system.system.watcher.wait_state(CP, "available", 120)
    assert len(_tickets(ocpp_system, auth.session_id)) == 1
    assert [r["session_id"] for r in ocpp_system.system.db_rows("tickets")].count(auth.session_id) == 1


def test_transaction_run_offline_is_replayed_on_reconnect_and_billed_once_with_its_own_timestamps(
        ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    _driver, auth, remote = _driver_session(ocpp_system, ch)
    ch.drop()  # offline right after the RemoteStart: the charger charges on and queues its messages
    t0 = time.time() + 1
    ocpp_system.system.watcher.wait_state(CP, "disconnected", 120)
    ch2 = ocpp_system.charger().connect()
    ch2.boot()
    replay = [lambda: ch2.start(remote["id_tag"], 8_000, t0),
              lambda tx: ch2.meter(tx, 8_003, 3_600, t0 + 1),
              lambda tx: ch2.stop(tx, 8_005, t0 + 2)]
    tx = replay[0]().transaction_id
    replay[1](tx)
    replay[2](tx)
    # the charger did not get our answers (say) and replays the whole queue again
    assert replay[0]().transaction_id == tx
    replay[1](tx)
    replay[2](tx)
    ticket = wait_until(lambda: _tickets(ocpp_system, auth.session_id), 120, message="ticket")[0].body
    assert ticket.kwh == pytest.approx(0.005)
    assert ticket.started_at == pytest.approx(t0, abs=1e-3)
    assert ticket.ended_at == pytest.approx(t0 + 2, abs=1e-3)
    ocpp_system.wait_status(lambda st: st["counters"].get("bridge_duplicate_stop"), "replayed stop counted")
    assert len(_tickets(ocpp_system, auth.session_id)) == 1
    assert [r["session_id"] for r in ocpp_system.system.db_rows("tickets")].count(auth.session_id) == 1


def test_silent_charger_is_disconnected_after_the_heartbeat_timeout_and_central_shows_it(ocpp_system: OcppSystem):
    ch = _online(ocpp_system)
    # the socket stays open (websockets keeps pinging) but no OCPP message comes: after
    # --charger-timeout (30 s in these tests) the gateway gives the charger up
    ocpp_system.wait_status(lambda st: st["counters"].get("charger_timeouts"), "charger timeout", 120)
    ocpp_system.system.watcher.wait_state(CP, "disconnected", 120)
    # the status file is a snapshot rewritten every --status-interval, and the charger leaves
    # the list once the websocket's close handshake ends (CI under load: after the state above)
    ocpp_system.wait_status(lambda st: CP not in st["connected"], "charger no longer listed as connected", 60)
    assert ch.requested("RemoteStartTransaction") == []
