"""ServicesRunner against a scripted core (no Kafka): order, pause, outcomes, timeout, stop."""
from __future__ import annotations

import asyncio
import time

from ev_common.contract import (
    ChargeAuthorized, ChargeDenied, ReservationExpired, SupplyInterrupted, SupplyStartedNotice, Ticket,
)
from ev_common.kafka.status import LinkState
from ev_desktop.core.events import RequestQueued
from ev_desktop.core.services import ServicesRunner
from ev_desktop.core.tracker import SupplyTracker

D = "driver1"


class ScriptedCore:
    """Answers each request on the loop like Central would: CPBAD denied, CPSLOW never ends,
    CPLOST loses its Monitor as the car is plugged in (interruption, then the Engine's energy
    billed on a late ticket), CPGONE loses it before (interruption, no ticket ever)."""

    def __init__(self) -> None:
        self.tracker = SupplyTracker(D)
        self.listeners: list = []
        self.requested: list[tuple[str | None, float]] = []

    def add_listener(self, cb) -> None:
        self.listeners.append(cb)

    def remove_listener(self, cb) -> None:
        self.listeners.remove(cb)

    def emit(self, ev) -> None:
        self.tracker.apply(ev)
        for cb in list(self.listeners):
            cb(ev)

    def request_charge(self, cp_id: str | None) -> str:
        rid = f"r{len(self.requested)}"
        self.requested.append((cp_id, time.monotonic()))
        loop = asyncio.get_running_loop()
        script = [RequestQueued(rid, cp_id, LinkState.CONNECTED, time.time())]
        if cp_id == "CPBAD":
            script.append(ChargeDenied(driver_id=D, request_id=rid, reason="unknown_cp"))
        elif cp_id in ("CPLOST", "CPGONE"):
            sid = f"s{rid}"
            script += [
                ChargeAuthorized(driver_id=D, request_id=rid, session_id=sid, cp_id=cp_id, location="x",
                                 price_eur_kwh=0.3, reservation_expires_at=time.time() + 30),
                SupplyInterrupted(driver_id=D, session_id=sid, cp_id=cp_id, reason="monitor_lost"),
            ]
            if cp_id == "CPLOST":
                script += [None] * 10 + [   # the ticket comes ~0.1 s after the interruption
                    Ticket(driver_id=D, session_id=sid, cp_id=cp_id, started_at=0, ended_at=1,
                           kwh=0.04, eur=0.01, price_eur_kwh=0.3, outcome="monitor_lost")]
        elif cp_id == "CPLATE":  # expired as the car was plugged in: Central takes the start up
            sid = f"s{rid}"
            script += [
                ChargeAuthorized(driver_id=D, request_id=rid, session_id=sid, cp_id=cp_id, location="x",
                                 price_eur_kwh=0.3, reservation_expires_at=time.time()),
                ReservationExpired(driver_id=D, session_id=sid, cp_id=cp_id),
                *[None] * 10,
                SupplyStartedNotice(driver_id=D, session_id=sid, cp_id=cp_id, started_at=time.time()),
                *[None] * 60,   # charging for longer than late_ticket_wait_s below
                Ticket(driver_id=D, session_id=sid, cp_id=cp_id, started_at=0, ended_at=1, kwh=0.02,
                       eur=0.01, price_eur_kwh=0.3, outcome="completed")]
        elif cp_id != "CPSLOW":
            sid = f"s{rid}"
            cp = cp_id or "CP001"
            script += [
                ChargeAuthorized(driver_id=D, request_id=rid, session_id=sid, cp_id=cp, location="x",
                                 price_eur_kwh=0.3, reservation_expires_at=time.time() + 30),
                SupplyStartedNotice(driver_id=D, session_id=sid, cp_id=cp, started_at=time.time()),
                Ticket(driver_id=D, session_id=sid, cp_id=cp, started_at=0, ended_at=1, kwh=1.0,
                       eur=0.3, price_eur_kwh=0.3, outcome="completed"),
            ]
        for i, ev in enumerate(script):
            if ev is not None:
                loop.call_later(0.01 * (i + 1), self.emit, ev)
        return rid


def test_runs_in_order_with_pause_and_outcomes():
    core = ScriptedCore()
    progress = []

    async def go():
        runner = ServicesRunner(core, ["CP001", "CPBAD", "CPSLOW", "CP002"], pause_s=0.3,
                                timeout_s=1.0, progress=progress.append)
        return await runner.run()

    outcomes = asyncio.run(go())
    assert [o.outcome for o in outcomes] == ["completed", "denied", "timeout", "completed"]
    assert [c for c, _ in core.requested] == ["CP001", "CPBAD", "CPSLOW", "CP002"]
    gaps = [b - a for (_, a), (_, b) in zip(core.requested, core.requested[1:])]
    assert all(g >= 0.3 for g in gaps)
    assert outcomes[0].served_cp == "CP001" and outcomes[0].kwh == 1.0
    assert [(p.index, p.outcome is None) for p in progress][:2] == [(1, True), (1, False)]
    assert core.listeners == []


def test_stop_ends_the_wait_and_sends_nothing_more():
    core = ScriptedCore()

    async def go():
        runner = ServicesRunner(core, ["CPSLOW", "CP001"], pause_s=0.1, timeout_s=None)
        task = asyncio.create_task(runner.run())
        while not core.requested:
            await asyncio.sleep(0.01)
        runner.stop()
        return await asyncio.wait_for(task, 5)

    outcomes = asyncio.run(go())
    assert [o.outcome for o in outcomes] == ["stopped"]
    assert len(core.requested) == 1


def test_reservation_interrupted_as_charging_starts_reports_the_late_ticket_energy():
    core = ScriptedCore()

    async def go():
        runner = ServicesRunner(core, ["CPLOST", "CPGONE"], pause_s=0.0, timeout_s=5.0,
                                late_ticket_wait_s=0.5)
        return await runner.run()

    t0 = time.monotonic()
    outcomes = asyncio.run(go())
    assert [(o.outcome, o.kwh) for o in outcomes] == [("monitor_lost", 0.04), ("interrupted", 0.0)]
    assert time.monotonic() - t0 >= 0.5   # the ticket-less one waited its bounded grace, no more
    assert time.monotonic() - t0 < 4.0


def test_open_supply_from_before_is_reported_on_its_own_before_new_requests():
    """An app restarted mid-supply: that supply's end is reported as service 0 with its own
    session id — its ticket is never taken for the first new request's."""
    from ev_desktop.core.events import SupplyResumed

    async def scenario():
        core = ScriptedCore()
        core.emit(SupplyResumed("s-old", "CP004", "charging", time.time() - 60, 1.0, 0.3, 0.3))
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, core.emit, Ticket(driver_id=D, session_id="s-old", cp_id="CP004", started_at=0,
                                               ended_at=1, kwh=2.5, eur=0.75, price_eur_kwh=0.3,
                                               outcome="completed"))
        runner = ServicesRunner(core, ["CP001"], pause_s=0, timeout_s=5)
        old = await runner.finish_open_supply("CP004")
        new = await runner.run()
        return old, new

    old, new = asyncio.run(scenario())
    assert (old.index, old.session_id, old.kwh, old.outcome) == (0, "s-old", 2.5, "completed")
    assert [(o.index, o.session_id) for o in new] == [(1, "sr0")]


def test_reservation_expired_as_the_car_is_plugged_in_reports_the_supply_central_took_up():
    core = ScriptedCore()

    async def go():
        runner = ServicesRunner(core, ["CPLATE"], pause_s=0.0, timeout_s=5.0, late_ticket_wait_s=0.3)
        return await runner.run()

    [outcome] = asyncio.run(go())
    assert (outcome.outcome, outcome.kwh) == ("completed", 0.02)
