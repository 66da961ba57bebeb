"""Driver and operator sessions on a real Central (real broker, real SQLite): requests and
operator commands count only with the MAC of a live session of their sender; a bearer token in
a message, another driver's session, a signed-out or expired session are refused and counted;
RENEW keeps a long session working (injected clock: no waiting minutes)."""
from __future__ import annotations

import asyncio
import time

import pytest

from ev_common import contract as c
from ev_common import msgauth
from central_service.runtime import CentralConfig, CentralService
from ev_desktop.core.central_client import CentralClient
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.central.support import Kafka, Monitor, SyncFramed, seed_db, sqlite_url
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka]


class OffsetClock:
    """Real time plus an offset the test moves forward (Central's and the app's clock)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _sign_in(port: int, verb: str = "LOGIN", who: str = "driver1", pw: str = "pass123") -> dict:
    cl = SyncFramed(port)
    try:
        a = cl.request([verb, who, pw])
    finally:
        cl.close()
    assert a[0] == "OK" and len(a) == 5, a
    return {"token": a[1], "expires_at": float(a[2]), "sid": a[3], "key": a[4], "who": who}


def _call(port: int, *fields: str) -> list[str]:
    cl = SyncFramed(port)
    try:
        return cl.request(list(fields))
    finally:
        cl.close()


def _request(k: Kafka, s: dict | None, rid: str, driver: str = "driver1", ts: float | None = None,
             token: str = "") -> None:
    env = c.envelope(c.ChargeRequested(driver_id=driver, request_id=rid, cp_id="CP001", token=token),
                     source="app", ts=ts)
    if s is not None:
        env = msgauth.sign(env, s["key"], msgauth.DRIVER_REQUEST, s["sid"])
    k.producer.send(k.topics.driver_requests, key=env.key.encode(), value=c.encode(env)).get(30)


def _counter(svc, name: str, n: int = 1) -> None:
    wait_until(lambda: svc.counters.get(name, 0) >= n, 30, message=f"counter {name} >= {n}")


def test_only_a_session_mac_of_the_driver_itself_authorizes_a_request(central):
    svc, k = central(), central.kafka
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    d1, d2 = _sign_in(svc.port), _sign_in(svc.port, who="driver2")
    _request(k, None, "bearer", token=d1["token"])              # the old way: a token in the message
    _request(k, d2, "foreign")                                   # driver2's session claims driver1
    _request(k, {**d1, "key": "guessed"}, "forged")              # driver1's session id, wrong key
    for rid in ("bearer", "foreign", "forged"):
        assert k.wait(c.ChargeDenied, request_id=rid).reason == "invalid_token"
    assert svc.counters["session_unsigned"] >= 1 and svc.counters["session_forged"] >= 2
    _request(k, d1, "real")
    assert k.wait(c.ChargeAuthorized, request_id="real").driver_id == "driver1"


def test_a_signed_out_session_is_refused_at_once(central):
    svc, k = central(), central.kafka
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    s = _sign_in(svc.port)
    assert _call(svc.port, "LOGOUT", s["sid"], s["token"]) == ["OK"]
    _request(k, s, "after-logout", ts=s["expires_at"] - 500)  # even "signed" while it was valid
    assert k.wait(c.ChargeDenied, request_id="after-logout").reason == "invalid_token"
    _counter(svc, "session_revoked")
    assert _call(svc.port, "RENEW", s["sid"], s["token"])[:2] == ["ERR", "invalid_token"]
    op = _sign_in(svc.port, "OPLOGIN", "operator1", "admin123")
    assert _call(svc.port, "LOGOUT", op["sid"], op["token"]) == ["OK"]
    env = msgauth.sign(c.envelope(c.OperatorCommand(action="stop", cp_id="*", operator="operator1"), source="op"),
                       op["key"], msgauth.OPERATOR_COMMAND, op["sid"])
    k.producer.send(k.topics.operator_commands, key=env.key.encode(), value=c.encode(env)).get(30)
    _counter(svc, "operator_unauthorized")
    assert svc.call(lambda: svc.core.cps["CP001"].stopped_by_operator) is False


def test_a_live_operator_session_is_obeyed_and_another_operators_is_not(central):
    svc, k = central(), central.kafka
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    op = _sign_in(svc.port, "OPLOGIN", "operator1", "admin123")
    drv = _sign_in(svc.port)
    for session, rid in ((drv, "driver-session"), (op, "real")):
        env = msgauth.sign(c.envelope(c.OperatorCommand(action="stop", cp_id="CP001", operator="operator1"),
                                      source=rid), session["key"], msgauth.OPERATOR_COMMAND, session["sid"])
        k.producer.send(k.topics.operator_commands, key=env.key.encode(), value=c.encode(env)).get(30)
    k.wait_state("CP001", "out_of_order")
    assert svc.counters["session_unknown"] >= 1  # a driver's session is no operator session


@pytest.fixture
def clocked_central(kafka_broker, topics, data_dir):
    """Central with an injected clock and 60 s sessions (1 h grace)."""
    clock = OffsetClock()
    url = sqlite_url(data_dir / "central.db")
    seed_db(url)
    svc = CentralService(CentralConfig(port=0, host="127.0.0.1", bootstrap_servers=kafka_broker, data_dir=data_dir,
                                       topic_prefix=topics.prefix, db_url=url, heartbeat_interval=0.5,
                                       monitor_timeout=3600.0, reservation_timeout=3600.0, token_ttl=60.0,
                                       session_grace=3600.0, billing_time_scale=3600.0), clock=clock)
    svc.start_in_thread()
    wait_until(lambda: svc.consumer_partitions() == 18, 90, interval=0.2, message="consumer assigned")
    k = Kafka(kafka_broker, topics)
    mon = Monitor(svc.port, "CP001").start()
    k.wait_state("CP001", "available")
    yield svc, k, clock
    mon.stop()
    svc.stop()
    k.close()


def test_an_expired_session_is_refused_but_its_queued_messages_count(clocked_central):
    svc, k, clock = clocked_central
    s = _sign_in(svc.port)
    clock.offset = 120  # the session ended 60 s ago; nobody renewed it
    _request(k, s, "signed-after-expiry", ts=clock())
    assert k.wait(c.ChargeDenied, request_id="signed-after-expiry").reason == "invalid_token"
    _counter(svc, "session_expired")
    assert _call(svc.port, "RENEW", s["sid"], s["token"])[:2] == ["ERR", "invalid_token"]  # too late
    # signed while valid, delivered late (e.g. from the outbox after a Kafka outage): accepted
    _request(k, s, "queued-while-valid", ts=clock() - 100)
    assert k.wait(c.ChargeAuthorized, request_id="queued-while-valid").driver_id == "driver1"
    clock.offset = 60 + 3600 + 10  # past the grace: nothing of that session counts any more
    _request(k, s, "way-too-late", ts=time.time())
    assert k.wait(c.ChargeDenied, request_id="way-too-late").reason == "invalid_token"


def test_renewal_keeps_a_long_session_working(clocked_central):
    svc, k, clock = clocked_central
    host, port = "127.0.0.1", svc.port

    async def app_side() -> dict:
        from ev_desktop.core.session_keeper import SessionKeeper
        client = CentralClient(host, port)
        login = await client.login("driver1", "pass123")
        keeper = SessionKeeper(client, login.session_id, login.session_key, login.token, login.expires_at,
                               clock=clock)
        runner = asyncio.ensure_future(keeper.run())
        try:
            for _ in range(5):  # five lifetimes of the session, in 40 s steps of the clock
                before = keeper.expires_at
                clock.offset += 40
                for _ in range(200):  # the keeper renews by itself once a third of the lifetime is left
                    if keeper.expires_at > before:
                        break
                    await asyncio.sleep(0.05)
                assert keeper.expires_at > clock(), "session expired although the app was open"
            return {"sid": keeper.session_id, "key": keeper.key, "token": keeper.token}
        finally:
            runner.cancel()

    s = asyncio.run(app_side())
    assert svc.counters.get("renew_refused", 0) == 0
    _request(k, s, "after-200s", ts=clock())  # 200 s after a 60 s login: still a valid session
    assert k.wait(c.ChargeAuthorized, request_id="after-200s").driver_id == "driver1"
