"""Central end to end against the real broker: real sockets, real Kafka messages.

Central runs in-process in a thread (kill -9 cases are in test_central_restart.py). The test
plays the Monitor over the socket and the Engine / driver by producing and consuming contract
messages.
"""
from __future__ import annotations

import pytest

from ev_common import contract as c
from ev_common.framing import ACK, NACK, encode_frame
from central_service.db import EventLog, Supply, TicketRow
from central_service.tokens import TokenSigner, load_or_create_secret
from tests.central.support import Kafka, SyncFramed, login, operator_command, operator_login
from tests.helpers import wait_until

pytestmark = pytest.mark.kafka


def request(k: Kafka, token: str, cp_id: str | None, rid: str, driver: str = "driver1") -> c.Envelope:
    return k.send(k.topics.driver_requests, c.ChargeRequested(driver_id=driver, token=token, request_id=rid,
                                                              cp_id=cp_id))


def test_full_supply_flow(central):
    svc, k, t = central(), central.kafka, central.topics
    for cp in ("CP001", "CP002", "CP003"):  # published at start, all disconnected
        k.wait_state(cp, "disconnected")
    k.wait(c.CentralHeartbeat)
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    token = login(svc.port)
    request(k, token, "CP001", "r1")
    auth = k.wait(c.ChargeAuthorized, request_id="r1")
    assert auth.cp_id == "CP001" and auth.price_eur_kwh == 0.30
    cmd = k.wait(c.AuthorizeSupply, session_id=auth.session_id)
    assert cmd.driver_id == "driver1" and cmd.cp_id == "CP001"
    k.wait_state("CP001", "reserved")
    sid = auth.session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1000.0))
    k.wait(c.SupplyStartedNotice, session_id=sid)
    k.wait_state("CP001", "charging")
    for seq in (1, 2):
        k.send(t.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=seq, kw=11.0, kwh=0.5 * seq,
                                        eur=0.15 * seq))
    k.send(t.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=1, kw=1.0, kwh=0.1, eur=0.01))  # stale
    k.wait(c.SupplyProgress, session_id=sid, kwh=1.0)
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1000.0, ended_at=1060.0,
                                         kwh=1.234, eur=0.37, reason="unplugged"))
    ticket = k.wait(c.Ticket, session_id=sid)
    assert (ticket.kwh, ticket.eur, ticket.outcome, ticket.driver_id) == (1.234, 0.37, "completed", "driver1")
    k.wait_state("CP001", "available")
    # stale seq not forwarded; two fresh ticks in one consumer batch are coalesced into the
    # latest one (Central forwards superseded live values once per batch)
    progress = k.bodies(c.SupplyProgress, session_id=sid)
    assert 1 <= len(progress) <= 2
    assert [p.kwh for p in progress] == sorted(p.kwh for p in progress)
    cl = SyncFramed(svc.port)
    answer = cl.request(["HISTORY", token])
    cl.close()
    import base64
    import json
    rows = json.loads(base64.b64decode(answer[1]))
    assert answer[0] == "OK" and rows[0]["session_id"] == sid and rows[0]["status"] == "finished"
    assert rows[0]["location"] == auth.location and rows[0]["location"]  # where it happened
    assert svc.call(lambda: Supply.get_by_id(sid).eur) == 0.37


def test_denials(central):
    svc, k = central(), central.kafka
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    token = login(svc.port)
    request(k, "driver1.9999999999.forged", "CP001", "bad-token")
    assert k.wait(c.ChargeDenied, request_id="bad-token").reason == "invalid_token"
    request(k, token, "CP404", "unknown")
    assert k.wait(c.ChargeDenied, request_id="unknown").reason == "unknown_cp"
    request(k, token, "CP002", "no-monitor")
    denied = k.wait(c.ChargeDenied, request_id="no-monitor")
    assert denied.reason == "cp_disconnected" and "desconectado" in denied.detail
    request(k, token, "CP001", "ok")
    k.wait(c.ChargeAuthorized, request_id="ok")
    request(k, login(svc.port, "driver2"), "CP001", "busy", driver="driver2")
    assert k.wait(c.ChargeDenied, request_id="busy").reason == "cp_unavailable"
    wait_until(lambda: svc.counters.get("invalid_token") == 1, message="counter")
    cl = SyncFramed(svc.port)
    assert cl.request(["LOGIN", "driver1", "wrong"])[:2] == ["ERR", "bad_credentials"]
    assert cl.request(["AUTH", "CP002", "wrong-key", "x", "1", "1"])[:2] == ["ERR", "bad_credentials"]
    # an unknown CP gets the answer a wrong key gets: AUTH does not tell which CP ids exist
    assert cl.request(["AUTH", "CP999", "k", "x", "1", "1"])[:2] == ["ERR", "bad_credentials"]
    assert cl.request(["HB", "CP002", "OK"])[:2] == ["ERR", "not_authenticated"]
    cl.close()


def test_reservation_expires(central):
    svc, k = central(reservation_timeout=2.0), central.kafka
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    request(k, login(svc.port), "CP001", "r1")
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
    k.wait_state("CP001", "reserved")
    assert k.wait(c.CancelAuthorization, session_id=sid).reason == "expired"
    k.wait(c.ReservationExpired, session_id=sid)
    k.wait_state("CP001", "available")


def test_signed_in_operator_stops_and_resumes_one_and_all(central):
    svc, k, t = central(), central.kafka, central.topics
    op = operator_login(svc.port)
    for cp in ("CP001", "CP002"):
        central.monitor(svc, cp)
        k.wait_state(cp, "available")
    request(k, login(svc.port), "CP001", "r1")
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1.0))
    k.wait_state("CP001", "charging")
    k.send(t.operator_commands, operator_command("stop", "CP001", op))
    assert k.wait(c.StopSupply, session_id=sid).reason == "operator_stop"
    assert k.wait(c.SupplyInterrupted, session_id=sid).reason == "operator_stop"
    k.wait(c.SetAvailability, cp_id="CP001", available=False)
    k.wait_state("CP001", "out_of_order")
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1.0, ended_at=5.0,
                                         kwh=0.5, eur=0.15, reason="operator_stop"))
    assert k.wait(c.Ticket, session_id=sid).outcome == "operator_stop"
    k.send(t.operator_commands, operator_command("stop", "*", op))
    k.wait_state("CP002", "out_of_order")
    k.wait(c.SetAvailability, cp_id="CP003", available=False)
    k.send(t.operator_commands, operator_command("resume", "*", op))
    k.wait_state("CP001", "available")
    k.wait_state("CP002", "available")
    k.send(t.operator_commands, operator_command("stop", "CP002", op))
    k.wait_state("CP002", "out_of_order")
    k.send(t.operator_commands, operator_command("resume", "CP002", op))
    k.wait_state("CP002", "available")


def test_commands_without_a_signed_in_operator_are_refused_and_change_nothing(central):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    op = operator_login(svc.port)
    secret = load_or_create_secret(svc.config.data_dir, svc.config.token_secret)
    past = TokenSigner(secret, ttl_s=-10)  # Central's own secret: a genuine token, already expired
    refused = {
        "unsigned": c.OperatorCommand(action="stop", cp_id="CP001"),
        "forged": operator_command("stop", "CP001", "op:operator1.9999999999.forged"),
        "expired": operator_command("stop", "CP001", past.issue_operator("operator1").token),
        "driver token": operator_command("stop", "CP001", login(svc.port)),
        "driver token as its driver": operator_command("stop", "*", login(svc.port), operator="driver1"),
        "another operator's name": operator_command("stop", "*", op, operator="operator2"),
    }
    for body in refused.values():
        k.send(t.operator_commands, body)
    wait_until(lambda: svc.counters.get("operator_unauthorized", 0) == len(refused), 30,
               message="every unauthorized command counted")
    assert svc.call(lambda: svc.core.cps["CP001"].state) == "available"
    assert not k.bodies(c.SetAvailability)
    assert svc.call(lambda: EventLog.select().where(EventLog.kind == "operator_unauthorized").count()) == len(refused)
    assert svc.call(lambda: EventLog.select().where(EventLog.kind == "operator_stop").count()) == 0
    # the signed-in operator is still obeyed
    k.send(t.operator_commands, operator_command("stop", "CP001", op))
    k.wait_state("CP001", "out_of_order")


def test_oplogin_wrong_password_refused_and_throttled(central):
    svc = central(login_max_failures=3, login_lockout=30.0)
    cl = SyncFramed(svc.port)
    try:
        assert cl.request(["OPLOGIN", "operator1", "guess"])[:2] == ["ERR", "bad_credentials"]
        assert cl.request(["OPLOGIN", "nobody", "admin123"])[:2] == ["ERR", "bad_credentials"]
        assert cl.request(["OPLOGIN", "driver1", "pass123"])[:2] == ["ERR", "bad_credentials"]  # not an operator
        assert cl.request(["LOGIN", "operator1", "admin123"])[:2] == ["ERR", "bad_credentials"]  # not a driver
        for _ in range(2):
            assert cl.request(["OPLOGIN", "operator1", "guess"])[:2] == ["ERR", "bad_credentials"]
        locked = cl.request(["OPLOGIN", "operator1", "admin123"])  # even the right one, for now
        assert locked[:2] == ["ERR", "too_many_attempts"] and int(locked[3]) >= 1
        assert cl.request(["LOGIN", "driver2", "pass123"])[0] == "OK"  # drivers are not affected
    finally:
        cl.close()
    assert svc.counters["login_throttled"] >= 1


def test_fault_then_late_finish_billed_once(central):
    svc, k, t = central(), central.kafka, central.topics
    mon = central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    request(k, login(svc.port), "CP001", "r1")
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1.0))
    k.wait_state("CP001", "charging")
    mon.engine_ok = False
    assert k.wait(c.SupplyInterrupted, session_id=sid).reason == "fault"
    k.wait_state("CP001", "faulted")
    mon.engine_ok = True
    k.wait_state("CP001", "available")
    finished = c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1.0, ended_at=9.0, kwh=2.0, eur=0.6,
                                reason="interrupted")
    k.send(t.cp_events, finished)
    k.send(t.cp_events, finished)  # a second report (new id) after an Engine restart
    assert k.wait(c.Ticket, session_id=sid).outcome == "fault"
    wait_until(lambda: svc.counters.get("duplicate_finish") == 1, message="duplicate finish seen")
    assert len(k.bodies(c.Ticket, session_id=sid)) == 1
    assert svc.call(lambda: TicketRow.select().count()) == 1


def test_duplicate_envelope_one_effect(central):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    env = c.envelope(c.ChargeRequested(driver_id="driver1", token=login(svc.port), request_id="r1",
                                       cp_id="CP001"), source="test")
    k.send_env(t.driver_requests, env)
    k.send_env(t.driver_requests, env)
    wait_until(lambda: svc.counters.get("duplicates") == 1, message="duplicate detected")
    k.wait(c.ChargeAuthorized, request_id="r1")
    assert len(k.bodies(c.ChargeAuthorized, request_id="r1")) == 1
    assert len(k.bodies(c.AuthorizeSupply)) == 1
    assert svc.call(lambda: Supply.select().count()) == 1


def test_malformed_frames_and_messages(central):
    svc, k, t = central(), central.kafka, central.topics
    cl = SyncFramed(svc.port)
    assert cl.raw(b"garbage without framing") == NACK
    bad_lrc = bytearray(encode_frame(["HB", "CP001", "OK"]))
    bad_lrc[-1] ^= 0xFF
    assert cl.raw(bytes(bad_lrc)) == NACK
    assert cl.request(["NONSENSE"])[:2] == ["ERR", "bad_request"]
    assert cl.request(["AUTH", "CP001", "demo-cp-key", "x", "1", "1"])[0] == "OK"  # same link still works
    cl.close()
    assert svc.counters["bad_frames"] >= 2
    k.send_raw(t.cp_events, b"{not json")
    k.send_raw(t.driver_requests, b'{"id":"1","type":"charge_requested","v":1,"ts":1,"source":"x","key":"d",'
                                  b'"body":{"driver_id":"d"}}')
    dl = wait_until(lambda: len(k.bodies(c.DeadLetter)) >= 2 and k.bodies(c.DeadLetter), message="dead letters")
    assert {d.origin_topic for d in dl} == {t.cp_events, t.driver_requests}
    central.monitor(svc, "CP002")
    k.wait_state("CP002", "available")  # still serving after the bad input
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP404", session_id="x", started_at=1.0))
    wait_until(lambda: svc.counters.get("unknown_cp") == 1, message="unknown cp counted")


def test_monitor_silence_disconnects_and_stops_supply(central):
    svc, k, t = central(), central.kafka, central.topics
    mon = central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    request(k, login(svc.port), "CP001", "r1")
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1.0))
    k.wait_state("CP001", "charging")
    mon.stop()
    assert k.wait(c.StopSupply, session_id=sid).reason == "monitor_lost"
    assert k.wait(c.SupplyInterrupted, session_id=sid).reason == "monitor_lost"
    assert k.wait_state("CP001", "disconnected").last_seen is not None
    k.send(t.cp_events, c.ManualSupplyRequested(cp_id="CP001", request_id="m1"))
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1.0, ended_at=3.0, kwh=0.2,
                                         eur=0.06, reason="monitor_lost"))
    assert k.wait(c.Ticket, session_id=sid).outcome == "monitor_lost"
    assert not [a for a in k.bodies(c.AuthorizeSupply) if a.driver_id == "manual"]
