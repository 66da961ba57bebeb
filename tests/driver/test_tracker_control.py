"""What the driver can undo, as the pure tracker sees it: a queued request, a reservation, a
running supply; a supply resumed from Central after an app restart; chart samples at their own
times (a reopened app receives a whole supply's samples at once)."""
from __future__ import annotations

from ev_common.contract import ChargeAuthorized, SupplyProgress, SupplyStartedNotice, Ticket
from ev_common.kafka.status import LinkState
from ev_desktop.core.events import RequestCancelled, RequestQueued, ReservationCancelled, StopRequested, SupplyResumed
from ev_desktop.core.tracker import SupplyPhase, SupplyTracker

T0 = 1_800_000_000.0


def authorized(rid="r1", sid="s1") -> ChargeAuthorized:
    return ChargeAuthorized(driver_id="driver1", request_id=rid, session_id=sid, cp_id="CP001", location="x",
                            price_eur_kwh=0.3, reservation_expires_at=T0 + 30)


def ticket(sid="s1") -> Ticket:
    return Ticket(driver_id="driver1", session_id=sid, cp_id="CP001", started_at=T0, ended_at=T0 + 60,
                  kwh=1.0, eur=0.3, price_eur_kwh=0.3, outcome="completed")


def test_queued_request_can_be_cancelled_and_its_late_answer_is_ignored():
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r1", "CP001", LinkState.OFFLINE, T0), now=T0)
    assert t.can_cancel == "request"
    assert t.apply(RequestCancelled("r1", "CP001"), now=T0)
    assert t.phase == SupplyPhase.CANCELLED and t.can_cancel is None and not t.active
    assert not t.apply(authorized(), now=T0 + 5)   # Central authorized it before reading the cancel
    assert t.phase == SupplyPhase.CANCELLED


def test_reservation_can_be_cancelled():
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r1", "CP001", LinkState.CONNECTED, T0), now=T0)
    t.apply(authorized(), now=T0)
    assert t.can_cancel == "reservation"
    t.apply(ReservationCancelled("s1", "CP001"), now=T0)
    assert t.phase == SupplyPhase.CANCELLED


def test_running_supply_stop_is_asked_once_then_the_ticket_ends_it():
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r1", "CP001", LinkState.CONNECTED, T0), now=T0)
    t.apply(authorized(), now=T0)
    t.apply(SupplyStartedNotice(driver_id="driver1", session_id="s1", cp_id="CP001", started_at=T0), now=T0)
    assert t.can_cancel == "supply"
    assert t.apply(StopRequested("s1", "CP001"), now=T0)
    assert t.stop_requested and t.can_cancel is None and t.active   # still charging until the Engine reports
    t.apply(ticket(), now=T0 + 60)
    assert t.phase == SupplyPhase.FINISHED and not t.active


def test_supply_resumed_from_central_is_shown_with_its_stop_and_its_ticket():
    t = SupplyTracker("driver1")
    assert t.apply(SupplyResumed("s9", "CP004", "charging", T0, 2.5, 0.75, 0.3), now=T0 + 100)
    assert t.phase == SupplyPhase.CHARGING and t.session_id == "s9" and t.kwh == 2.5
    assert t.active and t.can_cancel == "supply"
    t.apply(ticket("s9"), now=T0 + 200)
    assert t.phase == SupplyPhase.FINISHED and t.ticket.session_id == "s9"


def test_chart_points_use_the_samples_own_times():
    t = SupplyTracker("driver1")
    t.apply(SupplyResumed("s1", "CP001", "charging", T0, 0, 0, 0.3), now=T0)
    for i in range(3):   # all three arrive at the same moment (an app reopened later)
        t.apply(SupplyProgress(driver_id="driver1", session_id="s1", cp_id="CP001", kw=7, kwh=i, eur=0),
                now=T0 + 500, sent_at=T0 + i)
    assert [p.t - T0 for p in t.points] == [0, 1, 2]
