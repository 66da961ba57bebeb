"""Central against hostile Kafka input, end to end on the real broker: forged ids (another
driver's token or session, a session of another CP or of nobody, an unknown CP, a key that is
not the body's), impossible values, and poison messages that used to stop Central's input or
output for good. Expected: rejected with a counter or a dead letter, no state change, nothing
billed, and Central keeps serving the legitimate flow that follows."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from central_service.db import Supply, TicketRow
from tests.central.support import Kafka, login, operator_command, operator_login
from tests.helpers import wait_until

pytestmark = pytest.mark.kafka


def _request(k: Kafka, driver: str, token: str, rid: str, cp_id: str | None = "CP001") -> None:
    k.send(k.topics.driver_requests, c.ChargeRequested(driver_id=driver, token=token, request_id=rid, cp_id=cp_id))


def _counters_reach(svc, **expected: int) -> None:
    wait_until(lambda: all(svc.counters.get(name, 0) >= n for name, n in expected.items()), 30,
               message=f"counters {expected} (have {dict(svc.counters)})")


def test_forged_ids_and_impossible_values_change_nothing_and_bill_nothing(central):
    svc, k, t = central(), central.kafka, central.topics
    for cp in ("CP001", "CP002"):
        central.monitor(svc, cp)
        k.wait_state(cp, "available")
    tok1, tok2 = login(svc.port, "driver1"), login(svc.port, "driver2")
    op = operator_login(svc.port)  # a signed-in operator: its commands are judged on their CP

    # driver1's token in a request for driver2: denied, nothing reserved for driver2
    _request(k, "driver2", tok1, "stolen-token")
    assert k.wait(c.ChargeDenied, request_id="stolen-token").reason == "invalid_token"
    _request(k, "driver1", tok1, "r1")
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id

    # cancelling driver1's reservation: by driver2 (own valid token), by driver1's id with driver2's token
    k.send(t.driver_requests, c.ChargeCancelled(driver_id="driver2", token=tok2, session_id=sid))
    k.send(t.driver_requests, c.ChargeCancelled(driver_id="driver1", token=tok2, session_id=sid))
    _request(k, "driver2", "driver2.1.x", "sync-d2")  # after driver2's cancel in its partition
    k.wait(c.ChargeDenied, request_id="sync-d2")
    _counters_reach(svc, invalid_token=3)
    assert svc.call(lambda: svc.core.cps["CP001"].reservation.session_id) == sid  # still reserved

    # CP events for the session on the wrong CP, for a session that never existed, from an unknown CP
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP002", session_id=sid, started_at=1.0))
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id="never-existed", started_at=1.0))
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP404", session_id=sid, started_at=1.0))
    # an envelope about CP001 keyed (hence partitioned, hence ordered) as CP002: dead-lettered
    body = c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1.0)
    k.send_env(t.cp_events, c.Envelope(id=c.new_id(), type=body.TYPE, v=c.SCHEMA_VERSION, ts=1.0,
                                       source="forger", key="CP002", body=body))
    # two dead letters, in no fixed order (other partitions, other writers): the unknown CP's
    # event (Central refuses its signer) and the mis-keyed envelope (the consumer refuses it)
    dl = k.wait(c.DeadLetter, origin_topic=t.cp_events, key="CP002")
    assert "key" in dl.reason and "CP001" in dl.value
    assert "CP404" in k.wait(c.DeadLetter, origin_topic=t.cp_events, key="CP404").reason
    _counters_reach(svc, unknown_session=2, unknown_cp=1)
    assert svc.call(lambda: svc.core.cps["CP001"].state) == "reserved"

    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1000.0))
    k.wait_state("CP001", "charging")
    k.send(t.cp_events, c.Telemetry(cp_id="CP002", session_id=sid, seq=1, kw=1.0, kwh=1.0, eur=1.0))
    k.send(t.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=2**64, kw=1.0, kwh=1.0, eur=1.0))
    k.send(t.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=3, kw=1.0, kwh=-5.0, eur=-1.0))
    for cp, session in (("CP002", sid), ("CP001", "never-existed")):
        k.send(t.cp_events, c.SupplyFinished(cp_id=cp, session_id=session, started_at=1000.0, ended_at=1060.0,
                                             kwh=9.0, eur=2.7, reason="unplugged"))
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1000.0, ended_at=1060.0,
                                         kwh=-50.0, eur=-25.0, reason="unplugged"))
    k.send(t.operator_commands, operator_command("stop", "CP404", op))
    _counters_reach(svc, unknown_session=5, unknown_cp=2, invalid_values=3)
    assert svc.call(lambda: (svc.core.cps["CP001"].state, svc.core.cps["CP001"].session.seq)) == ("charging", -1)
    assert svc.call(lambda: TicketRow.select().count()) == 0
    assert svc.call(lambda: Supply.select().where(Supply.driver_id == "driver2").count()) == 0

    # the legitimate flow still works: telemetry, operator stop, the Engine's final report
    k.send(t.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=1, kw=11.0, kwh=0.5, eur=0.15))
    k.wait(c.SupplyProgress, session_id=sid, kwh=0.5)
    k.send(t.operator_commands, operator_command("stop", "CP001", op))
    assert k.wait(c.StopSupply, session_id=sid).reason == "operator_stop"
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1000.0, ended_at=1060.0,
                                         kwh=1.5, eur=0.45, reason="operator_stop"))
    ticket = k.wait(c.Ticket, session_id=sid)
    assert (ticket.driver_id, ticket.kwh, ticket.eur, ticket.outcome) == ("driver1", 1.5, 0.45, "operator_stop")
    k.send(t.operator_commands, operator_command("resume", "CP001", op))
    k.wait_state("CP001", "available")  # another topic than the request: wait, or they may race
    _request(k, "driver2", tok2, "after")
    assert k.wait(c.ChargeAuthorized, request_id="after").driver_id == "driver2"
    assert svc.call(lambda: TicketRow.select().count()) == 1
    assert svc.counters.get("handler_errors", 0) == 0


def test_poison_messages_are_dead_lettered_and_central_keeps_serving(central):
    svc, k, t = central(), central.kafka, central.topics
    head = b'{"id":"p1","type":"engine_online","v":1,"ts":1,"source":"x","key":"CP001","body":'
    poison = {
        b"CP001": head + b'{"cp_id":"CP\xe1"}}',  # invalid UTF-8 inside a JSON string
        b"CP002": head + b"[" * 5000 + b"]" * 5000 + b"}",  # nested deeper than the JSON decoder allows
        b"CP003": b"\xff" * 300_000,  # its dead letter, escaped, would be 1.5 MB: more than Kafka takes
    }
    for key, value in poison.items():
        k.send_raw(t.cp_events, value, key=key)
    k.producer.send(t.driver_requests, key=b"driver1", value=None).get(30)  # a tombstone
    k.send_raw(t.operator_commands, b"\x00\x01 not json", key=b"*")

    def dead_letters():
        return len(k.bodies(c.DeadLetter)) >= 5 and k.bodies(c.DeadLetter)
    dls = wait_until(dead_letters, 30, message="5 dead letters")
    assert sorted(d.origin_topic for d in dls) == sorted([t.cp_events] * 3 + [t.driver_requests, t.operator_commands])
    huge = next(d for d in dls if d.key == "CP003")
    assert huge.value.startswith("\\xff\\xff") and "more bytes not shown" in huge.value
    # input and output both still flow
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available", timeout=20)
    _request(k, "driver1", login(svc.port), "after-poison")
    assert k.wait(c.ChargeAuthorized, request_id="after-poison", timeout=20).cp_id == "CP001"


def test_a_forged_message_that_takes_the_final_reports_id_does_not_stop_its_billing(central):
    """Session ids are public (cp.state) and the Engine's final report has the id
    ``final-<session>``: a message of another type sent first under that id must not make Central
    skip the real report as a duplicate."""
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    _request(k, "driver1", login(svc.port, "driver1"), "r-final")
    sid = k.wait(c.ChargeAuthorized, request_id="r-final").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1000.0), msg_id=f"start-{sid}")
    k.wait_state("CP001", "charging")
    k.send(t.cp_events, c.EngineOnline(cp_id="CP001"), msg_id=f"final-{sid}")   # the squatter
    real = c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1000.0, ended_at=1060.0,
                            kwh=2.0, eur=0.6, reason="unplugged")
    k.send(t.cp_events, real, msg_id=f"final-{sid}")
    ticket = k.wait(c.Ticket, session_id=sid)
    assert (ticket.kwh, ticket.eur) == (2.0, 0.6)
    k.send(t.cp_events, real, msg_id=f"final-{sid}")                             # redelivered
    _counters_reach(svc, id_conflicts=2)
    assert svc.call(lambda: TicketRow.select().count()) == 1                      # still billed once
