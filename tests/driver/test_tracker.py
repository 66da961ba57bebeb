"""SupplyTracker transitions (pure, no Kafka)."""
from __future__ import annotations

import time

import pytest

from ev_common.contract import (
    ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyInterrupted, SupplyProgress,
    SupplyStartedNotice, Ticket,
)
from ev_common.kafka.status import LinkState, ProducerStatus
from ev_desktop.core.events import LinkChanged, RequestQueued
from ev_desktop.core.tracker import SupplyPhase, SupplyTracker

D = "driver1"


def queued(rid="r1", cp="CP003", link=LinkState.CONNECTED):
    return RequestQueued(rid, cp, link, time.time())


def auth(rid="r1", sid="s1", cp="CP003", exp=1000.0, driver=D):
    return ChargeAuthorized(driver_id=driver, request_id=rid, session_id=sid, cp_id=cp,
                            location="Madrid", price_eur_kwh=0.35, reservation_expires_at=exp)


def started(sid="s1", cp="CP003", driver=D):
    return SupplyStartedNotice(driver_id=driver, session_id=sid, cp_id=cp, started_at=900.0)


def progress(kw=7.2, kwh=0.5, eur=0.18, sid="s1", cp="CP003", driver=D):
    return SupplyProgress(driver_id=driver, session_id=sid, cp_id=cp, kw=kw, kwh=kwh, eur=eur)


def ticket(sid="s1", cp="CP003", outcome="completed", driver=D):
    return Ticket(driver_id=driver, session_id=sid, cp_id=cp, started_at=900.0, ended_at=960.0,
                  kwh=2.15, eur=0.75, price_eur_kwh=0.35, outcome=outcome)


def link(state):
    return LinkChanged(ProducerStatus(state, None if state == LinkState.CONNECTED else "down", 1,
                                      "127.0.0.1:1", 0.0))


def test_happy_path_phases_and_values():
    tr = SupplyTracker(D)
    assert tr.phase == SupplyPhase.IDLE and not tr.active and not tr.over
    assert tr.apply(queued(link=LinkState.OFFLINE))
    assert tr.phase == SupplyPhase.QUEUED and "esperando a Kafka" in tr.queued_why
    assert tr.apply(link(LinkState.CONNECTED))
    assert tr.queued_why == "enviando a la CENTRAL"
    assert tr.apply(auth(exp=1030.0), now=1000.0)
    assert tr.phase == SupplyPhase.AUTHORIZED and tr.cp_id == "CP003" and tr.location == "Madrid"
    assert tr.reservation_left(now=1010.0) == pytest.approx(20.0)
    assert tr.apply(started())
    assert tr.phase == SupplyPhase.CHARGING and tr.reservation_left() is None
    for i in range(3):
        assert tr.apply(progress(kw=7.0 + i, kwh=0.1 * (i + 1)), now=1000.0 + i)
    assert tr.kw == 9.0 and tr.kwh == pytest.approx(0.3)
    assert [(p.t, p.kw) for p in tr.points] == [(1000.0, 7.0), (1001.0, 8.0), (1002.0, 9.0)]
    assert tr.apply(ticket())
    assert tr.phase == SupplyPhase.FINISHED and tr.over and not tr.active
    assert tr.ticket is not None and tr.kwh == 2.15 and tr.eur == 0.75 and tr.kw == 0.0


def test_denied():
    tr = SupplyTracker(D)
    tr.apply(queued())
    assert not tr.apply(ChargeDenied(driver_id=D, request_id="other", reason="no_free_cp"))
    assert tr.apply(ChargeDenied(driver_id=D, request_id="r1", reason="cp_unavailable", cp_id="CP003"))
    assert tr.phase == SupplyPhase.DENIED and tr.over
    assert tr.deny_reason == "cp_unavailable" and "no está disponible" in tr.deny_text


def test_expired():
    tr = SupplyTracker(D)
    tr.apply(queued())
    tr.apply(auth())
    assert not tr.apply(ReservationExpired(driver_id=D, session_id="other", cp_id="CP003"))
    assert tr.apply(ReservationExpired(driver_id=D, session_id="s1", cp_id="CP003"))
    assert tr.phase == SupplyPhase.EXPIRED and tr.over


def test_interrupted_then_ticket():
    tr = SupplyTracker(D)
    for ev in (queued(), auth(), started(), progress()):
        tr.apply(ev)
    assert tr.apply(SupplyInterrupted(driver_id=D, session_id="s1", cp_id="CP003", reason="fault",
                                      detail="engine KO"))
    assert tr.phase == SupplyPhase.INTERRUPTED and tr.active and not tr.over
    assert "avería" in tr.interrupt_text and tr.kw == 0.0
    assert not tr.apply(progress())  # a late tick after the end changes nothing
    assert tr.apply(ticket(outcome="fault"))
    assert tr.phase == SupplyPhase.INTERRUPTED and tr.over and tr.ticket.outcome == "fault"


def test_ignores_other_drivers_and_sessions():
    tr = SupplyTracker(D)
    tr.apply(queued())
    assert not tr.apply(auth(driver="driver2"))
    assert not tr.apply(auth(rid="r-other"))
    assert not tr.apply(ticket(sid="s-old"))      # an old supply while we wait for our answer
    assert tr.phase == SupplyPhase.QUEUED
    tr.apply(auth())
    assert not tr.apply(progress(sid="s-other"))
    assert not tr.apply(auth())                    # duplicate delivery
    assert tr.phase == SupplyPhase.AUTHORIZED


def test_duplicates_after_the_end_are_ignored():
    tr = SupplyTracker(D)
    for ev in (queued(), auth(), started(), progress(), ticket()):
        tr.apply(ev)
    assert not tr.apply(ticket())
    assert not tr.apply(progress())
    assert not tr.apply(started())
    assert not tr.apply(auth())
    assert tr.phase == SupplyPhase.FINISHED


def test_adopts_a_supply_when_idle():
    """A restarted app (nothing in flight) shows the ticket of the supply that ended meanwhile."""
    tr = SupplyTracker(D)
    assert tr.apply(ticket(sid="s9", cp="CP004"))
    assert tr.phase == SupplyPhase.FINISHED and tr.session_id == "s9" and tr.cp_id == "CP004"
    tr2 = SupplyTracker(D)
    assert tr2.apply(progress(sid="s5"))
    assert tr2.phase == SupplyPhase.CHARGING and tr2.session_id == "s5"


def test_new_request_after_the_end_starts_over():
    tr = SupplyTracker(D)
    for ev in (queued(), auth(), started(), ticket()):
        tr.apply(ev)
    tr.apply(queued(rid="r2", cp=None))
    assert tr.phase == SupplyPhase.QUEUED and tr.ticket is None and tr.session_id is None
    assert tr.apply(auth(rid="r2", sid="s2", cp="CP001"))
    assert tr.cp_id == "CP001"


def test_reservation_interrupted_before_charging_needs_no_ticket():
    tr = SupplyTracker(D)
    tr.apply(queued())
    tr.apply(auth())
    assert tr.apply(SupplyInterrupted(driver_id=D, session_id="s1", cp_id="CP003",
                                      reason="operator_stop"))
    assert tr.phase == SupplyPhase.INTERRUPTED and not tr.ticket_expected
    assert tr.over and not tr.active


def test_driver_cancel_ends_the_reservation():
    from ev_desktop.core.events import ReservationCancelled

    tr = SupplyTracker(D)
    tr.apply(queued())
    assert not tr.apply(ReservationCancelled("s1", "CP003"))  # nothing authorized yet
    tr.apply(auth())
    assert not tr.apply(ReservationCancelled("other", None))
    assert tr.apply(ReservationCancelled("s1", "CP003"))
    assert tr.phase == SupplyPhase.CANCELLED and tr.over
    assert not tr.apply(started())  # the CP had not heard of the cancel yet: ignored


def test_reservation_interrupted_as_the_engine_starts_still_accepts_the_late_ticket():
    """The Monitor is lost just as the car is plugged in: Central drops the reservation, then
    bills the energy the Engine reports. The driver must end up with that ticket, not 0 kWh."""
    tr = SupplyTracker(D)
    tr.apply(queued())
    tr.apply(auth())
    tr.apply(SupplyInterrupted(driver_id=D, session_id="s1", cp_id="CP003", reason="monitor_lost"))
    assert tr.over and tr.late_ticket_possible and tr.ticket is None
    assert tr.apply(ticket(outcome="monitor_lost"))
    assert tr.ticket is not None and tr.kwh == 2.15 and not tr.late_ticket_possible
    assert tr.phase == SupplyPhase.INTERRUPTED and tr.over
    assert not tr.apply(ticket(outcome="monitor_lost"))  # a redelivery changes nothing


def test_reservation_expired_as_the_car_is_plugged_in_follows_the_supply_central_takes_up():
    """The expiry and the Engine's start cross on the wire: Central takes the supply up after
    all (tests/central/test_late_start.py). The driver follows it to its ticket."""
    tr = SupplyTracker(D)
    tr.apply(queued())
    tr.apply(auth())
    assert tr.apply(ReservationExpired(driver_id=D, session_id="s1", cp_id="CP003"))
    assert tr.phase == SupplyPhase.EXPIRED and tr.over and tr.late_ticket_possible
    assert tr.apply(started())
    assert tr.phase == SupplyPhase.CHARGING and not tr.over and not tr.late_ticket_possible
    assert tr.apply(ticket())
    assert tr.phase == SupplyPhase.FINISHED and tr.kwh == 2.15


def test_late_ticket_of_an_earlier_reservation_does_not_hijack_a_new_request():
    tr = SupplyTracker(D)
    tr.apply(queued())
    tr.apply(auth())
    tr.apply(SupplyInterrupted(driver_id=D, session_id="s1", cp_id="CP003", reason="monitor_lost"))
    tr.apply(queued(rid="r2", cp="CP004"))
    assert not tr.apply(ticket(sid="s1"))
    assert tr.phase == SupplyPhase.QUEUED and tr.request_id == "r2" and tr.ticket is None
