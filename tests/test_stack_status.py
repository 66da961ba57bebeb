"""``ev-stack``'s status reader: what counts as a CP ready for drivers."""
from __future__ import annotations

from ev_common import contract as c
from ev_common.kafka.delivery import Delivery
from ev_common.kafka.status_view import StackStatus
from ev_common.topics import Topics


def _state(cp: str, state: str, ts: float, offset: int) -> Delivery:
    body = c.CpState(cp_id=cp, location="x", price_eur_kwh=0.3, max_kw=22.0, state=state)
    return Delivery("ev.cp.state", 0, offset, cp, c.envelope(body, "central", ts=ts), int(ts * 1000))


def test_only_cps_available_in_this_run_count_as_ready():
    status = StackStatus("127.0.0.1:1", Topics("ev"))  # never started: fed by hand
    status._on_batch([_state("CP001", "available", 100.0, 0),   # a state left by an earlier run
                      _state("CP002", "faulted", 205.0, 1),     # the Monitor has not heard its Engine
                      _state("CP003", "available", 206.0, 2)])
    assert status.available_since(200.0) == 1
    status._on_batch([_state("CP001", "available", 210.0, 3), _state("CP002", "available", 211.0, 4)])
    assert status.available_since(200.0) == 3
    status._on_batch([_state("CP003", "charging", 212.0, 5)])
    assert status.available_since(200.0) == 2
