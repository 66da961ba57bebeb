"""The gateway takes a list of Central addresses (``--central h1:p,h2:p``, as the CP Monitor
does): with the first address dead, each charger's Central link goes on to the next, so an OCPP
charger still appears on the grid when one Central instance (or its machine) is gone."""
from __future__ import annotations

import pytest

from ev_common.ports import free_port
from tests.ocpp.client import TestCharger
from tests.ocpp.conftest import OcppSystem, start_gateway

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

CP2 = "OCPP02"


def test_a_charger_reaches_central_through_the_second_address_when_the_first_is_dead(
        ocpp_system: OcppSystem, tmp_path):
    system = ocpp_system.system
    dead = f"127.0.0.1:{free_port()}"   # nothing listens there: a Central instance that is gone
    port = free_port()
    gw = start_gateway(system, port, tmp_path / "gw2-status.json",
                       "--central", f"{dead},{system.central_addr}", "--data-dir", str(tmp_path / "gw2"))
    ch = TestCharger(f"wss://127.0.0.1:{port}", CP2, ocpp_system.authorization_key(CP2))
    ocpp_system.chargers.append(ch)
    try:
        ch.connect()
        ch.boot()
        ch.status("Available")
        state = system.watcher.wait_state(CP2, "available", 120)
        assert state.ocpp, "the CP came through the OCPP gateway"
        gw.wait_output(system.central_addr, 30)   # its console names the Central that answered
    finally:
        ch.close()
        gw.stop()
