"""A two-connector charger against the real broker and Central: one CP per connector (OCPP01 =
connector 1, OCPP01-2 = connector 2), two drivers charging at once, each billed on its own CP."""
from __future__ import annotations

import time

import pytest

from ev_common import contract as c
from tests.helpers import wait_until
from tests.ocpp.conftest import CP, OcppSystem, add_cp

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

CP2 = f"{CP}-2"


def _authorized(ocpp: OcppSystem, driver: str, cp_id: str) -> c.ChargeAuthorized:
    ocpp.system.start_driver(driver, "--cp", cp_id, "--supply-timeout", "240")
    return wait_until(lambda: [a for a in ocpp.system.watcher.notifications(c.ChargeAuthorized) if a.cp_id == cp_id],
                      120, message=f"ChargeAuthorized at {cp_id}")[-1]


def test_two_connector_charger_serves_two_drivers_at_once_as_two_cps(ocpp_system: OcppSystem):
    add_cp(ocpp_system.system, CP2)
    ch = ocpp_system.charger(CP).connect()   # the box connects once, as OCPP01
    ch.boot()
    ch.status("Available", connector_id=2)
    for cp_id in (CP, CP2):
        assert ocpp_system.system.watcher.wait_state(cp_id, "available", 120).ocpp
    auth2 = _authorized(ocpp_system, "driver1", CP2)
    remote2 = wait_until(lambda: [r for r in ch.requested("RemoteStartTransaction") if r["connector_id"] == 2],
                         120, message="RemoteStart on connector 2")[0]
    assert [r["connector_id"] for r in ch.requested("ReserveNow")] == [2]
    auth1 = _authorized(ocpp_system, "driver2", CP)
    remote1 = wait_until(lambda: [r for r in ch.requested("RemoteStartTransaction") if r["connector_id"] == 1],
                         120, message="RemoteStart on connector 1")[0]
    t0 = time.time()
    tx2 = ch.start(remote2["id_tag"], 1_000, t0, connector_id=2)
    tx1 = ch.start(remote1["id_tag"], 50_000, t0, connector_id=1)
    assert tx2.id_tag_info["status"] == tx1.id_tag_info["status"] == "Accepted"
    assert tx1.transaction_id != tx2.transaction_id
    # the idTag of one connector's driver is not accepted on the other connector
    assert ch.start(remote2["id_tag"], 7, t0 + 0.5, connector_id=1).id_tag_info["status"] == "Invalid"
    for cp_id in (CP, CP2):
        ocpp_system.system.watcher.wait_state(cp_id, "charging", 120)
    ch.meter(tx2.transaction_id, 1_003, 7_000, t0 + 1, connector_id=2)
    ch.meter(tx1.transaction_id, 50_006, 11_000, t0 + 1, connector_id=1)
    ch.stop(tx2.transaction_id, 1_004, t0 + 2)
    ch.stop(tx1.transaction_id, 50_009, t0 + 2)
    t2 = wait_until(lambda: ocpp_system.system.watcher.tickets().get(auth2.session_id), 120, message="ticket 2")[0].body
    t1 = wait_until(lambda: ocpp_system.system.watcher.tickets().get(auth1.session_id), 120, message="ticket 1")[0].body
    assert (t2.cp_id, t2.kwh) == (CP2, pytest.approx(0.004))
    assert (t1.cp_id, t1.kwh) == (CP, pytest.approx(0.009))
    for cp_id in (CP, CP2):
        ocpp_system.system.watcher.wait_state(cp_id, "available", 120)
