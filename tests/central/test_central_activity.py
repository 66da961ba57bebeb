"""Central tells operators what it did (``<prefix>.central.activity``) and drivers can undo:
cancel a reservation, cancel a request by its id, stop a running supply (a StopSupply reaches
the Engine; its final report is billed). Real broker, Central in-process."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from tests.central.support import login, operator_command, operator_login
from tests.central.test_central_kafka import request

pytestmark = pytest.mark.kafka


def cancel(k, token, *, session_id: str = "", request_id: str | None = None, driver: str = "driver1"):
    return k.send(k.topics.driver_requests, c.ChargeCancelled(driver_id=driver, token=token,
                                                              session_id=session_id, request_id=request_id))


def test_driver_stops_running_supply_engine_is_told_and_ticket_follows(central):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    token = login(svc.port)
    request(k, token, "CP001", "r1")
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=10.0))
    k.wait_state("CP001", "charging")
    cancel(k, token, session_id=sid)
    stop = k.wait(c.StopSupply, session_id=sid)
    assert (stop.cp_id, stop.reason) == ("CP001", "driver_stop")
    # the Engine obeys and reports: billed as a normal end
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=10.0, ended_at=40.0,
                                         kwh=0.8, eur=0.24, reason="driver_stop"))
    ticket = k.wait(c.Ticket, session_id=sid)
    assert (ticket.kwh, ticket.outcome) == (0.8, "completed")
    k.wait_state("CP001", "available")
    # the operators' log saw it all, from Central
    kinds = [a.kind for a in k.bodies(c.CentralActivity) if a.session_id == sid or a.kind == "request"]
    for kind in ("request", "authorized", "supply_started", "cancelled", "ticket"):
        assert kind in kinds, kinds


def test_cancel_by_request_id_cancels_the_reservation_that_request_got(central):
    svc, k, _ = central(), central.kafka, central.topics
    central.monitor(svc, "CP002")
    k.wait_state("CP002", "available")
    token = login(svc.port)
    request(k, token, "CP002", "q1")
    cancel(k, token, request_id="q1")   # sent while the request was still unanswered
    sid = k.wait(c.ChargeAuthorized, request_id="q1").session_id
    assert k.wait(c.CancelAuthorization, session_id=sid).reason == "cancelled"
    k.wait_state("CP002", "available")


def test_operator_commands_applied_and_refused_are_reported_with_their_message_id(central):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP003")
    k.wait_state("CP003", "available")
    good = k.send(t.operator_commands, operator_command("stop", "CP003", operator_login(svc.port)))
    bad = k.send(t.operator_commands, operator_command("resume", "CP003", "op:forged.1.x"))
    applied = k.wait(c.CentralActivity, ref_id=good.id)
    refused = k.wait(c.CentralActivity, ref_id=bad.id)
    assert (applied.kind, applied.action, applied.cp_id) == ("operator_command", "stop", "CP003")
    assert refused.kind == "operator_refused"
    # no tokens in what operators read
    assert all("op:" not in (a.ref_id or "") for a in k.bodies(c.CentralActivity))
