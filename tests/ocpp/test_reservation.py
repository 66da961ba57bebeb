"""ReserveNow / CancelReservation rules of the bridge (fast; the real-broker runs are in
test_gateway_reservation.py)."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from ocpp_gateway.bridge import Bridge, Call, Health, id_tag_for

NOW = 1_700_000_000.0
SID = "0123456789abcdef0123456789abcdef"
SID2 = "fedcba9876543210fedcba9876543210"


def _auth(b: Bridge, sid: str = SID) -> Call:
    fx = b.on_authorize(c.AuthorizeSupply("CP9", sid, "driver1", 0.5, 22.0, NOW + 60), NOW)
    return next(f for f in fx if isinstance(f, Call))


def _calls(fx) -> list[tuple[str, dict]]:
    return [(f.action, f.fields) for f in fx if isinstance(f, Call)]


def test_reservation_id_is_one_per_supply_and_the_same_on_a_resend_and_after_a_restart():
    b = Bridge("CP9")
    first = _auth(b)
    assert _auth(b).fields["reservation_id"] == first.fields["reservation_id"] == 1
    restored = Bridge("CP9", b.to_dict())
    assert _auth(restored).fields["reservation_id"] == 1
    assert _auth(restored, SID2).fields["reservation_id"] == 2


def test_cancelled_reservation_the_charger_accepted_is_cancelled_on_the_charger():
    b = Bridge("CP9")
    b.on_call_result(_auth(b), "Accepted")
    fx = b.on_cancel(c.CancelAuthorization("CP9", SID, "cancelled"))
    assert _calls(fx) == [("CancelReservation", {"reservation_id": 1})]
    assert b.authorize(id_tag_for(SID), NOW) == "Invalid"


def test_expired_reservation_is_cancelled_on_the_charger_too():
    b = Bridge("CP9")
    b.on_call_result(_auth(b), "Accepted")
    assert _calls(b.on_cancel(c.CancelAuthorization("CP9", SID, "expired"))) == [
        ("CancelReservation", {"reservation_id": 1})]


def test_start_transaction_consumes_the_reservation_so_nothing_is_cancelled_afterwards():
    b = Bridge("CP9")
    b.on_call_result(_auth(b), "Accepted")
    b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    assert _calls(b.on_cancel(c.CancelAuthorization("CP9", SID, "expired"))) == []


def test_cancel_while_reserve_now_is_in_flight_cancels_once_the_charger_accepts():
    b = Bridge("CP9")
    reserve = _auth(b)
    assert _calls(b.on_cancel(c.CancelAuthorization("CP9", SID, "cancelled"))) == []
    assert _calls(b.on_call_result(reserve, "Accepted")) == [("CancelReservation", {"reservation_id": 1})]


@pytest.mark.parametrize("answer", ["Occupied", "Faulted", "Unavailable"])
def test_refused_reservation_makes_the_cp_ko_with_the_reason_and_sends_no_remote_start(answer):
    b = Bridge("CP9")
    fx = b.on_call_result(_auth(b), answer)
    assert _calls(fx) == []
    health = [f for f in fx if isinstance(f, Health)]
    assert len(health) == 1 and not health[0].ok and f"ReserveNow {answer}" in health[0].reason
    assert b.counters["charger_refused"] == 1


def test_refusal_is_cleared_when_the_connector_reports_available():
    b = Bridge("CP9")
    b.on_call_result(_auth(b), "Occupied")
    assert b.status(1, "Charging") == []           # still busy: still KO
    assert b.status(1, "Available") == [Health(True)]
    assert b.health_reasons() == []


def test_refusal_does_not_hide_a_faulted_connector():
    b = Bridge("CP9")
    b.status(2, "Faulted", "GroundFailure")
    b.on_call_result(_auth(b), "Occupied")
    [health] = b.status(1, "Available")
    assert not health.ok and "GroundFailure" in health.reason


@pytest.mark.parametrize("answer", ["Rejected", "error:NotImplemented", "error:NotSupported", "timeout"])
def test_charger_without_reservations_still_gets_the_remote_start(answer):
    b = Bridge("CP9")
    fx = b.on_call_result(_auth(b), answer)
    assert [a for a, _ in _calls(fx)] == ["RemoteStartTransaction"]
    assert not [f for f in fx if isinstance(f, Health)]
    assert _calls(b.on_cancel(c.CancelAuthorization("CP9", SID, "cancelled"))) == []  # nothing to undo


def test_remote_start_rejected_is_a_refusal_too():
    b = Bridge("CP9")
    start = next(f for f in b.on_call_result(_auth(b), "Accepted") if isinstance(f, Call))
    [health] = [f for f in b.on_call_result(start, "Rejected") if isinstance(f, Health)]
    assert not health.ok and "RemoteStartTransaction Rejected" in health.reason


def test_answer_for_a_reservation_cancelled_meanwhile_refuses_nothing():
    b = Bridge("CP9")
    reserve = _auth(b)
    b.on_cancel(c.CancelAuthorization("CP9", SID, "cancelled"))
    assert b.on_call_result(reserve, "Occupied") == []


def test_boot_notification_clears_refusals():
    b = Bridge("CP9")
    b.on_call_result(_auth(b), "Unavailable")
    assert Health(True) in b.boot()
