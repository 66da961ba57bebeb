"""Requests first (issue 14): driver requests and operator commands have their own consumer, so
they are answered while CP events wait, and an events batch being applied makes way for them.
Asserted by order and counters, never by time."""
from __future__ import annotations

import threading

import pytest

from ev_common import contract as c
from ev_common import msgauth
from ev_common.kafka.consumer import Delivery
from central_service.runtime import EVENT_SLICE, CentralService
from tests.central.support import login, operator_command, operator_login
from tests.helpers import wait_until

pytestmark = pytest.mark.kafka

BACKLOG = 300


def _telemetry(seq: int) -> c.Envelope:
    env = c.envelope(c.Telemetry(cp_id="CP002", session_id="s-none", seq=seq, kw=7.0, kwh=0.1, eur=0.03),
                     source="test")
    return msgauth.sign(env, "demo-cp-key", msgauth.CP_EVENT, "CP002")


def test_a_request_is_answered_while_a_cp_events_backlog_is_held(central, monkeypatch):
    original = CentralService._on_event_batch
    held, release = threading.Event(), threading.Event()
    applied: list[int] = []

    def gated(self, deliveries):
        """The events consumer stops at the first batch with telemetry until released."""
        if any(isinstance(d.envelope.body, c.Telemetry) for d in deliveries) and not release.is_set():
            held.set()
            release.wait(120)
        original(self, deliveries)
        applied.append(sum(isinstance(d.envelope.body, c.Telemetry) for d in deliveries))
    monkeypatch.setattr(CentralService, "_on_event_batch", gated)

    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    token = login(svc.port)
    for seq in range(1, BACKLOG + 1):  # a telemetry backlog the events consumer must read first
        env = _telemetry(seq)
        k.producer.send(t.cp_events, key=env.key.encode(), value=c.encode(env))
    k.producer.flush(30)
    wait_until(held.is_set, 60, message="the events consumer holds the telemetry backlog")

    k.send(t.driver_requests, c.ChargeRequested(driver_id="driver1", token=token, request_id="r1", cp_id="CP001"))
    auth = k.wait(c.ChargeAuthorized, request_id="r1")
    op = operator_login(svc.port)
    k.send(t.operator_commands, operator_command("stop", "CP003", op))
    k.wait(c.SetAvailability, cp_id="CP003", available=False)
    # both answered while no telemetry of the backlog had been applied
    assert auth.cp_id == "CP001" and not release.is_set() and sum(applied) == 0

    release.set()
    wait_until(lambda: sum(applied) == BACKLOG, 60, message="the backlog is applied afterwards")


def test_an_events_batch_makes_way_at_a_slice_boundary_while_a_request_waits(central):
    svc, t = central(), central.topics
    deliveries = [Delivery(topic=t.cp_events, partition=0, offset=i, key="CP002", envelope=_telemetry(i + 1),
                           timestamp_ms=0) for i in range(2 * EVENT_SLICE + 10)]
    svc._requests_waiting = 1  # as while the requests consumer waits for the loop
    try:
        assert svc.call(lambda: svc._apply_batch(deliveries, yield_to_requests=True)) == EVENT_SLICE
    finally:
        svc._requests_waiting = 0
    rest = deliveries[EVENT_SLICE:]
    assert svc.call(lambda: svc._apply_batch(rest, yield_to_requests=True)) == len(rest)
    assert svc.call(lambda: svc._apply_batch(deliveries[:3])) == 3  # the requests' path: all at once


def test_the_requests_consumer_polls_within_its_own_bound_while_cp_events_keep_the_default(central,
                                                                                              monkeypatch):
    """kafka-python 3.0.12 can hold a fetched request until its next fetch returns (up to
    fetch_max_wait): a new poll hands it over, so the requests consumer polls at least every
    ``requests_poll_ms`` (CentralConfig) — from the command line or the environment."""
    from central_service.cli import build_parser

    assert build_parser().parse_args([]).requests_poll_ms == 25
    monkeypatch.setenv("EV_REQUESTS_POLL_MS", "40")
    assert build_parser().parse_args([]).requests_poll_ms == 40
    assert build_parser().parse_args(["--requests-poll-ms", "10"]).requests_poll_ms == 10
    svc = central(requests_poll_ms=30)
    assert svc._requests_consumer._poll_timeout_ms == 30  # noqa: SLF001
    assert svc._consumer._poll_timeout_ms == 200  # noqa: SLF001
