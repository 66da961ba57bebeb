"""A reconnect storm: 200 chargers (real ``ocpp`` clients) drop and reconnect at once while a driver
asks for a supply at another charger — the request is answered and every charger comes back."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from ocpp_gateway import authorization_key
from tests.helpers import wait_until
from tests.ocpp.client import Fleet
from tests.ocpp.conftest import CP, OcppSystem
from tests.ocpp.test_gateway_flow import _online

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]

N = 200


def test_reconnect_storm_of_200_chargers_does_not_stall_a_driver_request(ocpp_system: OcppSystem):
    system = ocpp_system.system
    system.seed(cps=N, drivers=2)   # CP001..CP200, demo key; their credentials files for the gateway
    ids = [f"CP{i:03d}" for i in range(1, N + 1)]
    password = authorization_key.hex_key("demo-cp-key")
    fleet = Fleet(ocpp_system.url, {cp_id: password for cp_id in ids})
    try:
        assert fleet.connect_all() == []
        ocpp_system.wait_status(lambda st: len(st["central_linked"]) >= N, "first wave linked to Central", 300)
        ch = _online(ocpp_system)               # the charger the driver will use, connected throughout
        fleet.drop_all()
        # the storm: all 200 reconnect at once, and meanwhile a driver asks for OCPP01
        system.start_driver("driver1", "--cp", CP, "--supply-timeout", "400")
        failures = fleet.connect_all()
        assert failures == []
        auth = wait_until(lambda: system.watcher.notifications(c.ChargeAuthorized), 300,
                          message="the driver's request answered during the storm")[-1]
        assert auth.cp_id == CP
        wait_until(lambda: ch.requested("RemoteStartTransaction"), 300, message="RemoteStart reached the charger")
        st = ocpp_system.wait_status(lambda st: len(st["central_linked"]) >= N + 1, "every charger linked again", 300)
        assert set(ids) <= set(st["connected"])
        for cp_id in (ids[0], ids[-1]):
            system.watcher.wait_state(cp_id, "available", 300)
    finally:
        fleet.close()
