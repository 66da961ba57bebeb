"""Two lanes out of Central (issue 14, central_service/effects.py "Two lanes"): answers and
commands go out while live values wait in the live lane, and a key's older live value is never
overtaken. Asserted by order and counters, never by time: the live lane's admission is closed
(``live_admit_rows = 0``, as while the producer's outbox is full of rows) to hold a backlog."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from tests.central.support import login
from tests.helpers import wait_until

pytestmark = pytest.mark.kafka

BACKLOG = 500


def _backlog() -> list[c.CpState]:
    return [c.CpState(cp_id=f"LIVE{i:04d}", location="lane test", price_eur_kwh=0.3, max_kw=22.0,
                      state="charging", kw=7.0, kwh=i / 100) for i in range(BACKLOG)]


def _ready(central):
    svc, k = central(), central.kafka
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    return svc, k, login(svc.port)


def test_a_request_is_answered_while_the_live_lane_holds_a_backlog(central):
    svc, k, token = _ready(central)
    admit = svc._effects.live_admit_rows
    svc._effects.live_admit_rows = 0  # admission closed: every live value stays in the lane
    svc.call(lambda: svc._effects.offer_live(_backlog()))
    assert svc.call(svc._effects.live_pending) == BACKLOG

    k.send(central.topics.driver_requests,
           c.ChargeRequested(driver_id="driver1", token=token, request_id="r1", cp_id="CP001"))
    assert k.wait(c.ChargeAuthorized, request_id="r1").cp_id == "CP001"
    k.wait(c.AuthorizeSupply, cp_id="CP001")
    # answered and commanded while the whole backlog still waits: nothing of it was produced
    assert svc.call(svc._effects.live_pending) == BACKLOG
    assert not [s for s in k.bodies(c.CpState) if s.cp_id.startswith("LIVE")]

    svc._effects.live_admit_rows = admit  # the runtime's timer now admits the backlog
    wait_until(lambda: len({s.cp_id for s in k.bodies(c.CpState) if s.cp_id.startswith("LIVE")}) == BACKLOG,
               60, message="the live backlog is produced once admitted")
    assert svc.call(svc._effects.live_pending) == 0
    assert svc.core.counters["live_sent"] >= BACKLOG


def test_a_pending_live_state_goes_out_before_the_newer_state_of_the_same_cp(central):
    svc, k, token = _ready(central)
    svc._effects.live_admit_rows = 0
    current = next(s for s in svc.call(svc.core.all_states) if s.cp_id == "CP001")
    stale = c.CpState(**{**{f: getattr(current, f) for f in current.__struct_fields__},
                         "location": "stale live value"})
    svc.call(lambda: svc._effects.offer_live([stale, *_backlog()]))

    k.send(central.topics.driver_requests,
           c.ChargeRequested(driver_id="driver1", token=token, request_id="r2", cp_id="CP001"))
    k.wait(c.ChargeAuthorized, request_id="r2")
    k.wait_state("CP001", "reserved")
    states = k.bodies(c.CpState, cp_id="CP001")
    at = [n for n, s in enumerate(states) if s.location == "stale live value"]
    # the older live value was handed over with (right before) the authorization's state,
    # not left behind to overtake it later; the rest of the lane still waits
    assert len(at) == 1 and states[-1].state == "reserved" and at[0] < len(states) - 1
    assert svc.call(svc._effects.live_pending) == BACKLOG
