"""CP state machine: every transition, illegal ones, and derived state ⇔ facts (property test)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ev_common import contract as c
from central_service.domain import billing
from central_service.domain.cp import ChargePoint, IllegalTransition, derive_state
from central_service.domain.reservations import choose_cp, driver_active_session, due_reservations, Denial


def cp(**kw) -> ChargePoint:
    base = dict(cp_id="CP001", location="Alicante", price_eur_kwh=0.5, max_kw=22.0)
    base.update(kw)
    return ChargePoint(**base)


def connected() -> ChargePoint:
    p = cp()
    p.monitor_authenticated(100.0)
    return p


def types(effects) -> list[str]:
    return [type(e).__name__ for e in effects]


def test_starts_disconnected_and_auth_makes_available():
    p = cp()
    assert p.state == "disconnected"
    assert p.monitor_authenticated(1.0) == []
    assert p.state == "available" and p.last_seen == 1.0


def test_reserve_start_telemetry_finish():
    p = connected()
    eff = p.reserve("s1", "driver1", 130.0)
    assert types(eff) == ["AuthorizeSupply"] and eff[0].expires_at == 130.0 and eff[0].price_eur_kwh == 0.5
    assert p.state == "reserved" and p.snapshot().reserved_until == 130.0
    assert types(p.start_supply("s1", 105.0)) == ["SupplyStartedNotice"]
    assert p.state == "charging"
    assert types(p.telemetry("s1", 1, 7.0, 0.5, 0.25)) == ["SupplyProgress"]
    assert p.telemetry("s1", 1, 9.0, 0.9, 0.45) is None  # stale seq
    assert p.telemetry("s1", 0, 9.0, 0.9, 0.45) is None
    snap = p.snapshot()
    assert (snap.kw, snap.kwh, snap.eur, snap.driver_id, snap.session_id) == (7.0, 0.5, 0.25, "driver1", "s1")
    p.finish_supply("s1")
    assert p.state == "available"


def test_illegal_transitions_raise_and_change_nothing():
    p = cp()
    for call in (lambda: p.heartbeat(True, 1), lambda: p.fault("x", 1), lambda: p.recover(1),
                 lambda: p.monitor_lost(1), lambda: p.reserve("s", "d", 9)):
        with pytest.raises(IllegalTransition):
            call()
    assert p.state == "disconnected"
    q = connected()
    q.reserve("s1", "d1", 50)
    with pytest.raises(IllegalTransition):
        q.reserve("s2", "d2", 50)  # busy
    with pytest.raises(IllegalTransition):
        q.start_supply("other", 1)
    with pytest.raises(IllegalTransition):
        q.telemetry("s1", 1, 1, 1, 1)  # not started yet
    with pytest.raises(IllegalTransition):
        q.cancel_reservation("other")
    with pytest.raises(IllegalTransition):
        q.expire_reservation(10)  # not yet expired
    with pytest.raises(IllegalTransition):
        q.finish_supply("other")
    assert q.reservation.session_id == "s1"


def test_expire_and_cancel_reservation():
    p = connected()
    p.reserve("s1", "d1", 50)
    eff = p.expire_reservation(50)
    assert types(eff) == ["CancelAuthorization", "ReservationExpired"] and eff[0].reason == "expired"
    assert p.state == "available"
    p.reserve("s2", "d1", 80)
    eff = p.cancel_reservation("s2")
    assert types(eff) == ["CancelAuthorization"] and eff[0].reason == "cancelled"


def test_manual_driver_gets_no_notifications():
    p = connected()
    p.reserve("s1", "manual", 50)
    assert p.start_supply("s1", 1) == []
    assert p.telemetry("s1", 1, 1, 1, 1) == []


def test_fault_interrupts_without_stopping_engine_and_recover():
    p = connected()
    p.reserve("s1", "d1", 50)
    p.start_supply("s1", 1)
    eff = p.heartbeat(False, 2)
    assert types(eff) == ["SupplyInterrupted"] and eff[0].reason == "fault"
    assert p.state == "faulted" and p.session is None
    assert p.fault("again", 3) == []  # already faulted
    assert p.snapshot().fault_reason == "again"
    assert p.heartbeat(True, 4) == [] and p.state == "available"


def test_fault_drops_reservation():
    p = connected()
    p.reserve("s1", "d1", 50)
    eff = p.fault("engine down", 2)
    assert types(eff) == ["CancelAuthorization", "SupplyInterrupted"]
    assert p.reservation is None


def test_monitor_lost_stops_supply():
    p = connected()
    p.reserve("s1", "d1", 50)
    p.start_supply("s1", 1)
    eff = p.monitor_lost(9)
    assert types(eff) == ["StopSupply", "SupplyInterrupted"]
    assert eff[0].reason == "monitor_lost" and p.state == "disconnected"


def test_operator_stop_and_resume():
    p = connected()
    p.reserve("s1", "d1", 50)
    p.start_supply("s1", 1)
    eff = p.operator_stop()
    assert types(eff) == ["SetAvailability", "StopSupply", "SupplyInterrupted"]
    assert eff[0].available is False and eff[1].reason == "operator_stop"
    assert p.state == "out_of_order"
    with pytest.raises(IllegalTransition):
        p.reserve("s2", "d1", 50)
    assert types(p.operator_stop()) == ["SetAvailability"]  # idempotent
    eff = p.operator_resume()
    assert eff == [c.SetAvailability(cp_id="CP001", available=True)] and p.state == "available"
    q = connected()
    q.reserve("s3", "d1", 50)
    eff = q.operator_stop()
    assert types(eff) == ["SetAvailability", "CancelAuthorization", "SupplyInterrupted"]
    assert eff[1].reason == "operator_stop"


def test_restart_facts_keep_running_session_while_disconnected():
    p = cp()
    p.reservation = None
    from central_service.domain.cp import RunningSession
    p.session = RunningSession("s1", "d1", 1.0)
    assert p.state == "disconnected"
    p.monitor_authenticated(2)
    assert p.state == "charging"


def test_choose_cp_and_driver_busy():
    a, b = connected(), cp(cp_id="CP002")
    cps = {"CP001": a, "CP002": b}
    assert choose_cp(None, cps) is a
    assert isinstance(choose_cp("CP002", cps), Denial) and choose_cp("CP002", cps).reason == "cp_disconnected"
    assert choose_cp("NOPE", cps).reason == "unknown_cp"
    a.reserve("s1", "d1", 50)
    assert choose_cp("CP001", cps).reason == "cp_unavailable"
    assert "reservado" in choose_cp("CP001", cps).detail
    assert choose_cp(None, cps).reason == "no_free_cp"
    assert driver_active_session("d1", cps.values()) == "s1"
    assert driver_active_session("d2", cps.values()) is None
    assert due_reservations(cps.values(), 49) == [] and due_reservations(cps.values(), 50) == [a]


def test_billing():
    assert billing.amount_eur(10, 0.35) == 3.5
    assert billing.amount_eur(1.005, 1.0) == 1.01
    assert billing.closing_amounts(2.0, 0.3) == (2.0, 0.6)  # the price Central authorized, never the CP's €
    assert billing.closing_amounts(2.0, 0.3, max_kwh=1.0) == (1.0, 0.3)  # capped at what the CP could deliver
    assert billing.outcome("unplugged", None) == "completed"
    assert billing.outcome("interrupted", "fault") == "fault"
    assert billing.outcome("operator_stop", None) == "operator_stop"
    assert billing.outcome("cancelled", None) == "interrupted"


# ------------------------------------------------------------------ property test
ACTIONS = st.lists(st.sampled_from(
    ["auth", "hb_ok", "hb_ko", "fault", "recover", "lost", "stop", "resume", "reserve", "start",
     "tele", "finish", "cancel", "expire"]), max_size=40)


def expected_state(p: ChargePoint) -> str:
    if not p.monitor_connected:
        return "disconnected"
    if not p.engine_ok:
        return "faulted"
    if p.stopped_by_operator:
        return "out_of_order"
    return "charging" if p.session else "reserved" if p.reservation else "available"


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
def test_derived_state_always_matches_facts(actions):
    p = cp()
    n = 0
    for i, a in enumerate(actions):
        before = (p.monitor_connected, p.engine_ok, p.stopped_by_operator, p.reservation, p.session)
        try:
            if a == "auth":
                p.monitor_authenticated(i)
            elif a in ("hb_ok", "hb_ko"):
                p.heartbeat(a == "hb_ok", i)
            elif a == "fault":
                p.fault("x", i)
            elif a == "recover":
                p.recover(i)
            elif a == "lost":
                p.monitor_lost(i)
            elif a == "stop":
                p.operator_stop()
            elif a == "resume":
                p.operator_resume()
            elif a == "reserve":
                n += 1
                p.reserve(f"s{n}", "d", i + 5)
            elif a == "start":
                p.start_supply(f"s{n}", i)
            elif a == "tele":
                p.telemetry(f"s{n}", i, 1, 1, 1)
            elif a == "finish":
                p.finish_supply(f"s{n}")
            elif a == "cancel":
                p.cancel_reservation(f"s{n}")
            elif a == "expire":
                p.expire_reservation(i + 100)
        except IllegalTransition:
            after = (p.monitor_connected, p.engine_ok, p.stopped_by_operator, p.reservation, p.session)
            assert after == before, f"{a} raised but changed facts"
        state = derive_state(p)
        assert state == expected_state(p) == p.snapshot().state
        assert not (p.reservation and p.session), "reserved and charging at once"
        if state in ("faulted", "out_of_order"):
            # work is only ever dropped, never kept, by a fault or an operator stop
            assert p.session is None and p.reservation is None
