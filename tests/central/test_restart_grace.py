"""Restart grace: a request for a CP whose Monitor was connected before Central restarted is
held (not denied) until the Monitor is back or the grace ends. Pure domain + core with a real
SQLite store and an injected clock; the end-to-end race is tests/e2e/test_central_restart_grace.py."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from central_service.domain.cp import ChargePoint
from central_service.domain.restart_grace import RequestOnHold, RestartGrace
from tests.central.test_tokens_core import core, of, request  # noqa: F401 - fixture


def cps(**connected: bool) -> dict[str, ChargePoint]:
    out = {}
    for cp_id, up in connected.items():
        cp = ChargePoint(cp_id=cp_id, location="x", price_eur_kwh=0.3, max_kw=22)
        if up:
            cp.monitor_authenticated(0.0)
        out[cp_id] = cp
    return out


def test_grace_holds_a_cp_that_was_connected_until_its_monitor_is_back():
    g = RestartGrace.after_restart(["CP001"], now=100.0, grace_s=10.0)
    points = cps(CP001=False, CP002=False)
    assert g.holds("CP001", points, 105.0)
    assert not g.holds("CP002", points, 105.0)      # was not connected before: decided at once
    points["CP001"].monitor_authenticated(106.0)
    assert not g.holds("CP001", points, 106.0)      # back: decided normally


def test_grace_ends_after_its_time():
    g = RestartGrace.after_restart(["CP001"], now=100.0, grace_s=10.0)
    assert not g.holds("CP001", cps(CP001=False), 110.0)


def test_any_free_cp_request_waits_only_while_nothing_is_free():
    g = RestartGrace.after_restart(["CP001"], now=0.0, grace_s=10.0)
    assert g.holds(None, cps(CP001=False, CP002=False), 1.0)
    assert not g.holds(None, cps(CP001=False, CP002=True), 1.0)   # CP002 is free: served now


def test_core_holds_then_authorizes_when_the_monitor_reauthenticates(core):  # noqa: F811
    core.start_restart_grace(["CP001"], 10.0)
    with pytest.raises(RequestOnHold):
        request(core)
    assert core.counters["requests_held"] == 1
    assert not core.store.session_by_request("driver1", "r1")   # nothing recorded while held
    core.on_monitor_auth("CP001")
    assert of(request(core), c.ChargeAuthorized)[0].cp_id == "CP001"


def test_core_denies_disconnected_once_the_grace_is_over(core):  # noqa: F811
    core.start_restart_grace(["CP001"], 10.0)
    core.clock_.t += 10
    assert of(request(core), c.ChargeDenied)[0].reason == "cp_disconnected"
