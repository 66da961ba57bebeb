"""The Central-restart race, end to end with real processes.

A driver logs in, Central dies (kill -9), the driver asks for a CP whose Monitor was connected,
Central comes back. Central reads that queued request at once, before the CP's Monitor has
re-authenticated; it must hold the request for its restart grace (not deny it
``cp_disconnected``), because the driver app was told it did not need to repeat it.
Real Kafka, real Central, real CP Engine + Monitor, the real driver core.
"""
from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from ev_common import contract as c
from ev_desktop.core.driver import DriverConfig, DriverCore
from ev_common.kafka.admin import admin_client
from tests.e2e.harness import System
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(400)]


async def _until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _group_empty(bootstrap: str, group: str) -> bool:
    """The dead Central's group membership expired (its session timeout): the next Central
    joins at once and reads the queued request within moments of starting."""
    admin = admin_client(bootstrap)
    try:
        desc = admin.describe_groups([group])[group]
        return not desc.get("members")
    finally:
        admin.close()


def test_request_sent_while_central_down_is_authorized_after_restart_not_denied(system: System):
    s = system
    s.seed(cps=2, drivers=1)
    s.start_central()
    s.start_cp("CP001", duration=3)
    s.watcher.wait_state("CP001", "available", 90)   # its Monitor is connected

    events: list[object] = []

    async def scenario() -> list[object]:
        core = DriverCore(DriverConfig(s.bootstrap, "127.0.0.1", s.central_port, s.tmp / "driver",
                                       topic_prefix=s.topics.prefix), on_event=events.append)
        await core.login("driver1", "pass123")
        core.start()
        monitor = s.cps["CP001"].monitor
        try:
            s.kill_central()
            # the Monitor is slow to come back (as in the field: its reconnect backoff): it is
            # paused until Central has read the request, so the race is certain, not a matter of luck
            os.killpg(monitor.popen.pid, signal.SIGSTOP)
            request_id = core.request_charge("CP001")   # queued while Central is dead
            await _until(lambda: core.link_status() is not None and core.link_status().queued == 0, 60,
                         "the request delivered to Kafka")
            for group in (f"{s.topics.prefix}.central", f"{s.topics.prefix}.central.requests"):
                # both of its consumers' groups (the request is read by the second)
                await asyncio.get_running_loop().run_in_executor(None, lambda group=group: wait_until(
                    lambda: _group_empty(s.bootstrap, group), 90, interval=1.0,
                    message=f"the dead Central's membership of {group} expired"))
            s.start_central()   # default restart grace: nothing passed on the command line
            await _until(lambda: "held: monitor not back yet" in s.central.output(), 60,
                         "Central to read the request while the Monitor is away")
            os.killpg(monitor.popen.pid, signal.SIGCONT)   # the Monitor reconnects within its backoff
            answer = await _until(
                lambda: next((e for e in events if isinstance(e, (c.ChargeAuthorized, c.ChargeDenied))
                              and e.request_id == request_id), None), 120, "an answer to the request")
            assert isinstance(answer, c.ChargeAuthorized), f"denied after Central's restart: {answer}"
            assert answer.cp_id == "CP001"
            # and the supply goes on to its ticket, like any other
            await _until(lambda: any(isinstance(e, c.Ticket) and e.session_id == answer.session_id
                                     for e in events), 120, "the ticket")
            return events
        finally:
            os.killpg(monitor.popen.pid, signal.SIGCONT)
            await core.close()

    asyncio.run(scenario())
    assert not any(isinstance(e, c.ChargeDenied) for e in events)
