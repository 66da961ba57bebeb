"""A driver stops a running supply, from an app reopened mid-supply — real processes: Kafka,
Central, CP Engine + Monitor, and the real driver core (twice: closed and reopened).

The reopened app first learns from Central that its supply is still running (not a new
request Central would deny), the stop reaches the Engine, the Engine ends the supply and its
final report is billed: one ticket for that session, with the energy the Engine recorded."""
from __future__ import annotations

import asyncio
import time

import pytest

from ev_common import contract as c
from ev_desktop.core.driver import DriverConfig, DriverCore
from ev_desktop.core.events import SupplyResumed
from ev_desktop.core.tracker import SupplyPhase
from tests.e2e.harness import System

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(400)]


async def _until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_reopened_app_sees_its_running_supply_and_stops_it_to_a_ticket(system: System):
    s = system
    s.seed(cps=1, drivers=1)
    s.start_central()
    s.start_cp("CP001", duration=300)   # would charge for 5 minutes unless stopped
    s.watcher.wait_state("CP001", "available", 90)
    config = DriverConfig(s.bootstrap, "127.0.0.1", s.central_port, s.tmp / "driver", topic_prefix=s.topics.prefix)

    async def scenario() -> tuple[str, list[object]]:
        first = DriverCore(config)
        await first.login("driver1", "pass123")
        first.start()
        first.request_charge("CP001")
        await _until(lambda: first.tracker.phase == SupplyPhase.CHARGING, 120, "the supply to start")
        session_id = first.tracker.session_id
        await first.close()                       # the app is closed mid-supply

        events: list[object] = []
        second = DriverCore(config, on_event=events.append)
        await second.login("driver1", "pass123")
        second.start()
        try:
            resumed = await second.resume_open_supply()
            assert isinstance(resumed, SupplyResumed) and resumed.session_id == session_id
            assert second.tracker.phase == SupplyPhase.CHARGING and second.tracker.can_cancel == "supply"
            assert second.cancel_current() == "supply"
            ticket = await _until(lambda: next((e for e in events if isinstance(e, c.Ticket)
                                                and e.session_id == session_id), None), 120, "the ticket")
            assert ticket.outcome == "completed" and ticket.kwh > 0
            assert second.tracker.phase == SupplyPhase.FINISHED
            return session_id, events
        finally:
            await second.close()

    session_id, _ = asyncio.run(scenario())
    s.watcher.wait_state("CP001", "available", 60)
    finals = s.watcher.finals()[session_id]
    assert {f.reason for f in finals} == {"driver_stop"}     # the Engine ended it because the driver asked
    led = s.wait_ledger_settled({session_id}, 120)
    assert not led.mismatches()


def test_ev_driver_restarted_mid_supply_prints_one_result_per_supply(system: System):
    """kill -9 of ev-driver while its supply runs; restarted, it first waits for that supply and
    reports it (RESULT index=0 with its own session id), then makes its own request — the old
    ticket is never reported as the new request's."""
    s = system
    s.seed(cps=1, drivers=1)
    s.start_central()
    s.start_cp("CP001", duration=12)
    s.watcher.wait_state("CP001", "available", 90)
    first = s.start_driver("driver1", "--cp", "CP001")
    old = s.wait_supplying("CP001")["session_id"]
    first.kill9()
    again = s.start_driver("driver1", "--cp", "CP001", log_level="INFO")
    results = s.wait_results(again, 2, 240)
    assert [(r.index, r.session) for r in results][0] == (0, old)
    assert results[0].outcome == "completed" and results[0].kwh > 0
    assert results[1].index == 1 and results[1].session not in (old, "-")
    assert results[1].outcome == "completed"
    led = s.wait_ledger_settled({old, results[1].session}, 120)
    assert not led.mismatches()
