"""Central relays the answers drivers wait for ahead of what was committed with them (issue 14):
driver notifications first, in a produce request of their own (``send_many(lead=...)``, see
tests/test_producer_send_while_syncing.py for the wire side), and the order within every topic
— so per key — unchanged."""
from __future__ import annotations

from central_service.effects import EffectRelay
from ev_common import contract as c
from ev_common.topics import Topics


def _relay() -> EffectRelay:
    relay = EffectRelay.__new__(EffectRelay)  # only the topics are needed to order effects
    relay.topics = Topics()
    return relay


def _state(cp: str, state: str) -> c.CpState:
    return c.CpState(cp_id=cp, location="x", price_eur_kwh=0.3, max_kw=22.0, state=state)


def test_driver_notifications_go_first_and_each_topic_keeps_its_order() -> None:
    t = Topics()
    cmd = (t.cp_commands, c.envelope(c.CancelAuthorization(cp_id="CP1", session_id="s0", reason="expired"), source="t"))
    s1 = (t.cp_state, c.envelope(_state("CP1", "available"), source="t"))
    n1 = (t.driver_notifications, c.envelope(c.ChargeDenied(driver_id="d1", request_id="r1",
                                                            reason="cp_unavailable"), source="t"))
    s2 = (t.cp_state, c.envelope(_state("CP1", "reserved"), source="t"))
    n2 = (t.driver_notifications, c.envelope(c.ChargeDenied(driver_id="d1", request_id="r2",
                                                            reason="cp_unavailable"), source="t"))
    rows, lead = _relay()._answers_first([cmd, s1, n1, s2, n2])
    assert lead == 2
    assert rows == [n1, n2, cmd, s1, s2]


def test_effects_of_one_kind_only_are_relayed_as_they_are() -> None:
    t = Topics()
    states = [(t.cp_state, c.envelope(_state(f"CP{i}", "available"), source="t")) for i in range(3)]
    notes = [(t.driver_notifications, c.envelope(c.ChargeDenied(driver_id="d", request_id=f"r{i}",
                                                                reason="cp_unavailable"), source="t"))
             for i in range(2)]
    assert _relay()._answers_first(states) == (states, 0)
    assert _relay()._answers_first(notes) == (notes, 0)
