"""A car plugged in while its reservation's expiry was on the wire: the Engine lets the start win
(cp_simulator/engine.py ``cancel``), so Central takes the supply up when the CP is still free —
the CP shows charging and the driver follows it — and refuses it when the CP is already someone
else's (the energy is still billed from the Engine's final report)."""
from __future__ import annotations

import dataclasses

import pytest

from ev_common import contract as c
from central_service.db import Supply
from central_service.domain.cp import ChargePoint, IllegalTransition
from tests.central.support import login
from tests.central.test_central_kafka import request

pytestmark = pytest.mark.kafka


def _expired(central, svc, rid: str) -> str:
    k = central.kafka
    request(k, login(svc.port), "CP001", rid)
    sid = k.wait(c.ChargeAuthorized, request_id=rid).session_id
    k.wait(c.ReservationExpired, session_id=sid)
    k.wait_state("CP001", "available")
    return sid


def test_a_start_that_crossed_the_expiry_becomes_a_supply_the_driver_follows(central):
    svc, k, t = central(reservation_timeout=2.0), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    sid = _expired(central, svc, "late")
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1.0))
    state = k.wait_state("CP001", "charging")
    assert (state.session_id, state.driver_id) == (sid, "driver1")
    k.wait(c.SupplyStartedNotice, session_id=sid)
    assert svc.call(lambda: Supply.get_by_id(sid).status) == "charging"
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1.0, ended_at=9.0,
                                         kwh=0.02, eur=0.0, reason="unplugged"))
    ticket = k.wait(c.Ticket, session_id=sid)
    assert (ticket.kwh, ticket.outcome) == (0.02, "completed")
    k.wait_state("CP001", "available")


def test_a_late_start_on_a_cp_reserved_by_someone_else_is_refused_and_still_billed(central):
    svc, k, t = central(reservation_timeout=30.0), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    core = svc.core
    request(k, login(svc.port), "CP001", "first")
    sid = k.wait(c.ChargeAuthorized, request_id="first").session_id
    cp = core.cps["CP001"]
    svc.call(lambda: setattr(cp, "reservation", dataclasses.replace(cp.reservation, expires_at=0.0)))  # due now
    k.wait(c.ReservationExpired, session_id=sid, timeout=30)
    request(k, login(svc.port, "driver2"), "CP001", "second", driver="driver2")
    other = k.wait(c.ChargeAuthorized, request_id="second").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1.0))
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1.0, ended_at=3.0,
                                         kwh=0.01, eur=0.0, reason="unplugged"))
    assert k.wait(c.Ticket, session_id=sid).kwh == 0.01
    state = k.wait_state("CP001", "reserved")
    assert (state.session_id, state.driver_id) == (other, "driver2")
    assert svc.call(lambda: Supply.get_by_id(sid).status) != "charging"


def test_the_domain_takes_up_a_late_start_only_on_a_free_cp():
    cp = ChargePoint(cp_id="CP1", location="x", price_eur_kwh=0.5, max_kw=11.0)
    cp.monitor_connected = True
    effects = cp.start_after_expiry("S1", "driver1", 5.0)
    assert cp.state == "charging" and [type(e).__name__ for e in effects] == ["SupplyStartedNotice"]
    busy = ChargePoint(cp_id="CP2", location="x", price_eur_kwh=0.5, max_kw=11.0)
    busy.monitor_connected = True
    busy.reserve("S2", "driver2", 100.0)
    with pytest.raises(IllegalTransition):
        busy.start_after_expiry("S1", "driver1", 5.0)
    assert busy.reservation is not None and busy.session is None
