"""Socket clients take a list of Central addresses and move to the next when one does not answer."""
from __future__ import annotations

import pytest

from ev_common.central_addresses import CentralRotation, parse_central_list
from ev_common.ports import free_port
from ev_common.procs import Proc
from tests.cp.support import provision
from tests.helpers import wait_until


def test_a_list_of_centrals_parses_in_order_without_repeats():
    assert parse_central_list("a:1, b:2,a:1,") == (("a", 1), ("b", 2))
    assert parse_central_list("7000") == (("127.0.0.1", 7000),)
    with pytest.raises(ValueError, match="HOST:PUERTO"):
        parse_central_list(" , ")
    with pytest.raises(ValueError):
        parse_central_list("a:1,b:x")


def test_the_rotation_moves_on_at_a_failure_and_says_when_a_round_is_over():
    r = CentralRotation((("a", 1), ("b", 2)))
    assert r.current == ("a", 1)
    assert r.failed() == ("b", 2) and not r.wrapped
    assert r.failed() == ("a", 1) and r.wrapped
    single = CentralRotation((("a", 1),))
    assert single.failed() == ("a", 1) and single.wrapped


def test_a_monitor_given_a_dead_central_first_authenticates_with_the_next(central, tmp_path):
    svc = central()
    dead = free_port()  # nothing listens there
    creds = provision(tmp_path, "CP001")
    monitor = Proc("monitor", ["-m", "cp_simulator.monitor_cli", "--engine", f"127.0.0.1:{free_port()}",
                               "--central", f"127.0.0.1:{dead},127.0.0.1:{svc.port}", "--cp-id", "CP001",
                               "--cp-credentials", str(creds)], tmp_path)
    try:
        wait_until(lambda: svc.call(lambda: svc.core.cps["CP001"].monitor_connected), 60, interval=0.3,
                   message="CP001's Monitor authenticated through the second address")
        wait_until(lambda: f"CENTRAL 127.0.0.1:{svc.port}: CP CP001 autenticado" in monitor.output(), 30,
                   message="the Monitor names the Central it talks to")
    finally:
        monitor.stop()


def test_the_driver_app_signs_in_through_the_next_central_when_the_first_does_not_answer(central):
    import asyncio

    from ev_desktop.core.central_client import CentralClient

    svc = central()
    client = CentralClient("127.0.0.1", free_port(), fallbacks=(("127.0.0.1", svc.port),))
    result = asyncio.run(client.login("driver1", "pass123"))
    assert result.driver_id == "driver1" and result.session_id
    assert (client.host, client.port) == ("127.0.0.1", svc.port)  # the one in use, for the status bar


def test_the_apps_settings_accept_a_list_of_centrals():
    from ev_desktop.settings_store import AppSettings, validate

    s = AppSettings(central="pc1:7000,pc2:7001")
    assert s.central_host_port == ("pc1", 7000) and s.central_fallbacks == (("pc2", 7001),)
    assert not [p for p in validate(s) if p.startswith("CENTRAL")]
    assert [p for p in validate(AppSettings(central="pc1:7000,pc2:x")) if p.startswith("CENTRAL")]
