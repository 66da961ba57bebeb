"""Central (in-process, real broker, real SQLite) believes a CP event only when it carries the
MAC of the CP it names, and bills only what it can compute and what is physically possible.

Every refusal is counted (heartbeat counters), dead-lettered with its reason and changes
nothing; the legitimate message that follows still works."""
from __future__ import annotations

import time

import msgspec
import pytest

from ev_common import contract as c
from ev_common import msgauth
from central_service.db import EventLog, TicketRow
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.central.support import login
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka]
DEMO_KEY = "demo-cp-key"


def _reserve(svc, k, cp_id: str = "CP001", rid: str = "r1") -> str:
    k.send(k.topics.driver_requests, c.ChargeRequested(driver_id="driver1", token=login(svc.port),
                                                       request_id=rid, cp_id=cp_id))
    return k.wait(c.ChargeAuthorized, request_id=rid).session_id


def _counter(svc, name: str, n: int) -> None:
    wait_until(lambda: svc.counters.get(name, 0) >= n, 30, message=f"counter {name} >= {n}")


def _signed(body: c.Payload, key: str, kid: str, **env) -> c.Envelope:
    return msgauth.sign(c.envelope(body, source="test", **env), key, msgauth.CP_EVENT, kid)


def test_cp_events_without_the_cps_mac_are_refused_counted_and_dead_lettered(central):
    svc, k, t = central(billing_time_scale=1.0), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    sid = _reserve(svc, k)
    start = c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=time.time())
    k.send(t.cp_events, start, cp_key=None)                               # unsigned
    k.send(t.cp_events, start, cp_key="a-guess")                          # wrong key
    k.send_env(t.cp_events, _signed(start, DEMO_KEY, "CP001", ts=time.time() - 30 * 24 * 3600))  # too old
    _counter(svc, "msgauth_unsigned", 1)
    _counter(svc, "msgauth_forged", 1)
    _counter(svc, "msgauth_stale", 1)
    wait_until(lambda: len(k.bodies(c.DeadLetter, origin_topic=t.cp_events)) >= 3, 30, message="3 dead letters")
    reasons = [d.reason for d in k.bodies(c.DeadLetter, origin_topic=t.cp_events)]
    assert any("unsigned" in r for r in reasons) and any("bad MAC" in r for r in reasons)
    assert any("window" in r for r in reasons)
    assert svc.call(lambda: svc.core.cps["CP001"].state) == "reserved"  # nothing happened
    k.send(t.cp_events, start)  # the Engine's own, signed: accepted
    k.wait_state("CP001", "charging")
    beat = wait_until(lambda: next((b for b in reversed(k.bodies(c.CentralHeartbeat))
                                    if b.counters.get("msgauth_forged")), None), 30, message="heartbeat")
    assert beat.counters["msgauth_unsigned"] >= 1 and beat.counters["msgauth_stale"] >= 1


def test_a_cp_credential_cannot_pass_as_another_cp(central):
    svc, k, t = central(billing_time_scale=1.0), central.kafka, central.topics
    for cp in ("CP001", "CP002"):
        central.monitor(svc, cp)
        k.wait_state(cp, "available")
    svc.call(lambda: svc.store.set_cp_key("CP001", "key-of-CP001", time.time()))
    svc._keyring.refresh_s = 0.0  # see the new key at once
    sid = _reserve(svc, k, "CP002")
    start = c.SupplyStarted(cp_id="CP002", session_id=sid, started_at=time.time())
    k.send_env(t.cp_events, _signed(start, "key-of-CP001", "CP001"))  # CP001's box claims CP002's event
    k.send_env(t.cp_events, _signed(start, "key-of-CP001", "CP002"))  # … and its kid too
    _counter(svc, "msgauth_forged", 2)
    assert svc.call(lambda: svc.core.cps["CP002"].state) == "reserved"
    k.send_env(t.cp_events, _signed(start, DEMO_KEY, "CP002"))
    k.wait_state("CP002", "charging")


def test_rotation_and_revocation_take_effect_without_a_restart(central):
    svc, k, t = central(billing_time_scale=1.0), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    svc._keyring.refresh_s = 0.0
    svc.call(lambda: svc.store.set_cp_key("CP001", "new-key", time.time()))
    k.send(t.cp_events, c.ManualSupplyRequested(cp_id="CP001", request_id="m-old"))  # old demo key
    _counter(svc, "msgauth_forged", 1)
    k.send_env(t.cp_events, _signed(c.ManualSupplyRequested(cp_id="CP001", request_id="m-new"), "new-key", "CP001"))
    k.wait_state("CP001", "reserved")
    # commands for CP001 are now signed with the new key
    auth = wait_until(lambda: k.poll() or next((e for topic, e in k.seen if topic == t.cp_commands
                                    and isinstance(e.body, c.AuthorizeSupply)), None), 30, message="command")
    msgauth.verify(auth, "new-key", msgauth.CP_COMMAND, "CP001")
    svc.call(lambda: svc.store.revoke_cp("CP001"))
    k.send_env(t.cp_events, _signed(c.EngineOnline(cp_id="CP001"), "new-key", "CP001"))
    _counter(svc, "msgauth_revoked", 1)
    assert svc.call(lambda: svc.store.cp_key_hash("CP001")) is None  # its Monitor cannot AUTH either


def test_a_replayed_final_report_bills_once(central):
    svc, k, t = central(billing_time_scale=3600.0), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    sid = _reserve(svc, k)
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=time.time()))
    k.wait_state("CP001", "charging")
    fin = k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=time.time() - 60,
                                               ended_at=time.time(), kwh=1.0, eur=0.3, reason="unplugged"),
                 msg_id=f"final-{sid}")
    k.wait(c.Ticket, session_id=sid)
    k.send_env(t.cp_events, fin)  # replayed byte for byte
    _counter(svc, "duplicates", 1)
    assert svc.call(lambda: TicketRow.select().count()) == 1


def test_central_bills_its_own_price_and_refuses_impossible_energy(central):
    svc, k, t = central(billing_time_scale=1.0), central.kafka, central.topics
    central.monitor(svc, "CP001")  # seeded CP001: 22 kW, 0.30 €/kWh
    k.wait_state("CP001", "available")
    sid = _reserve(svc, k)
    now = time.time()
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=now))
    k.wait_state("CP001", "charging")
    # authentic, but 50 kWh a few seconds after the reservation: more than 22 kW can deliver
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=now - 36000, ended_at=now,
                                         kwh=50.0, eur=15.0, reason="unplugged"))
    _counter(svc, "implausible_energy", 1)
    assert svc.call(lambda: TicketRow.select().count()) == 0
    assert svc.call(lambda: svc.core.cps["CP001"].state) == "charging"
    # a plausible energy with a made-up € figure: billed at Central's price, not the CP's €
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=now, ended_at=now + 1,
                                         kwh=0.01, eur=999.0, reason="unplugged"))
    ticket = k.wait(c.Ticket, session_id=sid)
    assert (ticket.kwh, ticket.eur, ticket.price_eur_kwh) == (0.01, 0.0, 0.30)
    beat = wait_until(lambda: next((b for b in reversed(k.bodies(c.CentralHeartbeat))
                                    if b.counters.get("implausible_energy")), None), 30, message="heartbeat")
    assert beat.counters["implausible_energy"] == 1
    kinds = svc.call(lambda: [e.kind for e in EventLog.select().where(EventLog.session_id == sid)])
    assert "bill_refused" in kinds


def test_commands_from_central_carry_the_cps_mac(central):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    _reserve(svc, k)
    env = wait_until(lambda: k.poll() or next((e for topic, e in k.seen if topic == t.cp_commands), None), 30,
                     message="authorize_supply")
    msgauth.verify(env, DEMO_KEY, msgauth.CP_COMMAND, "CP001")
    with pytest.raises(msgauth.AuthError):
        msgauth.verify(msgspec.structs.replace(env, id="other"), DEMO_KEY, msgauth.CP_COMMAND, "CP001")
