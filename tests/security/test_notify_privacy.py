"""Driver notification privacy against a real Central on the real (secure) broker: the driver
principal sees only ciphertext of another driver's notifications and that driver's key does not
open them; forged ones are refused and counted by the app; two apps of one driver both read;
after a key rotation the old key's notifications are refused; request → ticket still works."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import msgspec
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ev_common import contract as c
from ev_common.notify_crypto import NotifyError, NotifyKey, open_sealed, seal
from ev_desktop.core.driver import DriverConfig, DriverCore
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.central.support import SyncFramed
from tests.helpers import REPO, grant_prefix, kafka_security, wait_until

pytestmark = [pytest.mark.kafka]


def _login_key(port: int, driver: str) -> NotifyKey:
    """The notification key LOGIN hands to an app of *driver* (over the TLS socket)."""
    cl = SyncFramed(port)
    try:
        answer = cl.request(["LOGIN", driver, "pass123"])
    finally:
        cl.close()
    assert answer[0] == "OK" and len(answer) >= 7, answer[:1]
    return NotifyKey.from_text(answer[5], answer[6])


async def _until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _app(svc, kafka_broker, topics, where) -> tuple[DriverCore, list]:
    events: list = []
    cfg = DriverConfig(kafka_broker, "127.0.0.1", svc.port, where, topics.prefix, central_timeout_s=10)
    return DriverCore(cfg, events.append), events


def _of(events: list, kind: type, **match) -> list:
    return [e for e in events if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())]


def _supply(k, t, sid: str) -> None:
    """Play the Engine of CP001 for session *sid*: start, then finish (a ticket follows)."""
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1000.0))
    k.wait(c.SupplyStartedNotice, 60, session_id=sid)
    k.send(t.cp_events, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1000.0, ended_at=1060.0,
                                         kwh=1.5, eur=0.45, reason="unplugged"))


def test_another_drivers_principal_sees_only_ciphertext_and_its_key_does_not_open_it(central, kafka_broker,
                                                                                      data_dir):
    svc, k, t = central(), central.kafka, central.topics
    grant_prefix(kafka_broker, t.prefix)  # the driver principal's ACLs on this test's topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    key_a = _login_key(svc.port, "driver1")
    key_b = _login_key(svc.port, "driver2")  # what driver B's app holds
    assert key_a.kid != key_b.kid and key_a.key != key_b.key

    async def scenario() -> c.ChargeAuthorized:
        core, events = _app(svc, kafka_broker, t, data_dir / "app-a")
        await core.login("driver1", "pass123")
        core.start()
        try:
            rid = core.request_charge("CP001")
            [auth] = await _until(lambda: _of(events, c.ChargeAuthorized, request_id=rid), 90, "authorized")
            return auth
        finally:
            await core.close()

    auth = asyncio.run(asyncio.wait_for(scenario(), 180))
    # B's Kafka identity may read the topic (ACL) — and gets only ciphertext of A's notification
    consumer = KafkaConsumer(bootstrap_servers=kafka_broker.split(","), group_id=None, enable_auto_commit=False,
                             consumer_timeout_ms=500, **kafka_security("driver"))
    try:
        tps = [TopicPartition(t.driver_notifications, p)
               for p in wait_until(lambda: consumer.partitions_for_topic(t.driver_notifications), 30)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list = []

        def for_a():
            records.extend(r for batch in consumer.poll(timeout_ms=500).values() for r in batch)
            return [r for r in records if r.key == b"driver1"]
        raw = wait_until(for_a, 60, message="driver1's notification read by the driver principal")
    finally:
        consumer.close()
    for rec in raw:
        env = c.decode(rec.value)
        assert env.type == "sealed_notification" and isinstance(env.body, c.SealedNotification)
        for secret in (auth.session_id, auth.request_id, auth.location, b"charge_authorized"):
            assert (secret if isinstance(secret, bytes) else secret.encode()) not in rec.value
        with pytest.raises(NotifyError):  # B's key: not the key it was sealed with
            open_sealed(env, key_b, "driver1")
        relabelled = msgspec.structs.replace(env, body=msgspec.structs.replace(env.body, kid=key_b.kid))
        with pytest.raises(NotifyError) as err:  # nor when B relabels it with its own key id
            open_sealed(relabelled, key_b, "driver1")
        assert err.value.reason == "forged"
    assert any(isinstance(open_sealed(c.decode(r.value), key_a, "driver1").body, c.ChargeAuthorized) for r in raw)


def test_forged_notifications_are_refused_counted_and_never_shown(central, kafka_broker, data_dir):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    key_b = _login_key(svc.port, "driver2")
    forger = KafkaProducer(bootstrap_servers=kafka_broker.split(","), acks="all", **kafka_security())

    def write(env: c.Envelope) -> None:
        forger.send(t.driver_notifications, key=env.key.encode(), value=c.encode(env)).get(30)

    def fake_ticket(sid: str) -> c.Envelope:
        return c.envelope(c.Ticket(driver_id="driver1", session_id=sid, cp_id="CP001", started_at=1.0,
                                   ended_at=2.0, kwh=99.0, eur=999.0, price_eur_kwh=10.0, outcome="completed"),
                          source="forger")

    async def scenario() -> tuple[dict, list]:
        core, events = _app(svc, kafka_broker, t, data_dir / "app")
        await core.login("driver1", "pass123")
        key_a = core.login_result.notify_key
        assert key_a is not None
        write(fake_ticket("forged-clear"))                       # in clear: Central never sends that
        write(seal(fake_ticket("forged-other-key"), key_b))      # another driver's key
        under_b = seal(fake_ticket("forged-relabelled"), key_b)  # another key, wearing A's key id
        write(msgspec.structs.replace(under_b, body=msgspec.structs.replace(under_b.body, kid=key_a.kid)))
        core.start()
        try:
            rid = core.request_charge("CP001")  # Central's real answer comes after them (same partition)
            await _until(lambda: _of(events, c.ChargeAuthorized, request_id=rid), 90, "authorized")
            # the answer may have come first over the app's WATCH link: the forgeries before its
            # Kafka copy are read by the time it is (same partition)
            await _until(lambda: sum(core.refused_notifications.values()) >= 3, 60, "the forgeries read")
            return core.refused_notifications, events
        finally:
            await core.close()

    try:
        refused, events = asyncio.run(asyncio.wait_for(scenario(), 180))
    finally:
        forger.close()
    assert refused == {"unsealed": 1, "other_key": 1, "forged": 1}, refused
    assert not _of(events, c.Ticket)  # none of them reached the app's views
    dead = (data_dir / "app" / "driver-driver1" / "dead-letters.jsonl").read_text().splitlines()
    assert len(dead) == 3 and all('"offset"' in line for line in dead)


def test_two_apps_of_one_driver_both_get_the_ticket_of_a_request(central, kafka_broker, data_dir):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")

    async def scenario() -> tuple[list, list]:
        one, ev1 = _app(svc, kafka_broker, t, data_dir / "phone")
        two, ev2 = _app(svc, kafka_broker, t, data_dir / "desktop")
        for core in (one, two):
            await core.login("driver1", "pass123")
            core.start()
        try:
            assert one.login_result.notify_key == two.login_result.notify_key  # one key per driver
            rid = one.request_charge("CP001")
            [auth] = await _until(lambda: _of(ev1, c.ChargeAuthorized, request_id=rid), 90, "authorized")
            await _until(lambda: _of(ev2, c.ChargeAuthorized, request_id=rid), 60, "authorized (2nd app)")
            await asyncio.to_thread(_supply, k, t, auth.session_id)
            for events in (ev1, ev2):
                await _until(lambda: _of(events, c.Ticket, session_id=auth.session_id), 90, "ticket")
            return ev1, ev2
        finally:
            await one.close()
            await two.close()

    ev1, ev2 = asyncio.run(asyncio.wait_for(scenario(), 240))
    [t1], [t2] = _of(ev1, c.Ticket), _of(ev2, c.Ticket)
    assert t1 == t2 and (t1.kwh, t1.eur, t1.outcome) == (1.5, 0.45, "completed")


def test_after_a_key_rotation_the_old_keys_notifications_are_refused(central, kafka_broker, data_dir):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    url = svc.config.db_url

    def set_password() -> None:  # ev-db add-driver on an existing driver: the password change rotates
        env = {**os.environ, "EV_NEW_PASSWORD": "pass123"}
        out = subprocess.run([sys.executable, "-m", "central_service.db_cli", "--db", url, "add-driver",
                              "driver1"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr

    async def scenario():
        old, ev_old = _app(svc, kafka_broker, t, data_dir / "old")
        await old.login("driver1", "pass123")
        old.start()
        try:
            rid = old.request_charge("CP001")
            [auth] = await _until(lambda: _of(ev_old, c.ChargeAuthorized, request_id=rid), 90, "authorized")
            old.cancel(auth.session_id)
            await asyncio.to_thread(k.wait_state, "CP001", "available", 60)
            await asyncio.to_thread(set_password)
            new, ev_new = _app(svc, kafka_broker, t, data_dir / "new")
            await new.login("driver1", "pass123")  # the new key
            assert new.login_result.notify_key.kid != old.login_result.notify_key.kid
            new.start()
            try:
                rid2 = new.request_charge("CP001")
                await _until(lambda: _of(ev_new, c.ChargeAuthorized, request_id=rid2), 90, "authorized (new key)")
                # the app still on the old key refuses the new notification; the new app refused
                # the old one it re-read from the topic (sealed under the key before the rotation)
                await _until(lambda: old.refused_notifications.get("other_key", 0) >= 1, 60, "old app refuses")
                # (the new app's answer may have come over its WATCH link, before it re-read the
                # old notification from the topic)
                await _until(lambda: new.refused_notifications.get("other_key", 0) >= 1, 60, "new app refuses")
                assert not _of(ev_old, c.ChargeAuthorized, request_id=rid2)
                assert not _of(ev_new, c.ChargeAuthorized, request_id=rid)
                return new.refused_notifications
            finally:
                await new.close()
        finally:
            await old.close()

    refused_by_new = asyncio.run(asyncio.wait_for(scenario(), 300))
    assert refused_by_new.get("other_key", 0) >= 1, refused_by_new
