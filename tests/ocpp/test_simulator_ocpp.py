"""``ev-cp-engine --ocpp``: the simulator as an OCPP charger behind the gateway serves a driver
exactly like a Kafka-simulated CP (real broker, Central, gateway, driver processes)."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from tests.helpers import wait_until
from tests.ocpp.conftest import OcppSystem

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]


def test_simulated_ocpp_charger_serves_a_driver_request_to_a_ticket(ocpp_system: OcppSystem):
    s = ocpp_system.system
    sim = s._spawn("ocpp-sim", [  # noqa: SLF001 - the harness's spawner
        "-m", "cp_simulator.engine_cli", "--ocpp", f"{ocpp_system.url}/OCPP02",
        "--cp-credentials", str(s.credentials_dir), "--auto-plug-delay", "0.5", "--auto-duration", "3",
        "--max-kw", "7.4"], "cp")
    sim.wait_output("BootNotification → Accepted", 60)
    s.watcher.wait_state("OCPP02", "available", 120)
    driver = s.start_driver("driver2", "--cp", "OCPP02", "--supply-timeout", "240")
    result = s.wait_results(driver, 1, 180)[0]
    assert result.outcome == "completed" and result.cp == "OCPP02"
    ticket = wait_until(lambda: s.watcher.tickets().get(result.session), 120, message="ticket")[0].body
    final = s.watcher.finals()[result.session][0]
    assert ticket.kwh == pytest.approx(final.kwh) and ticket.kwh > 0
    assert s.watcher.notifications(c.SupplyProgress, result.session)
    assert "Transacción" in sim.output() and "FINALIZADA" in sim.output()
    assert "ReserveNow" in sim.output()   # Central's reservation reached the simulated charger first
