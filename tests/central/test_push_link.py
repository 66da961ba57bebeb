"""The drivers' WATCH links against a real Central on the real broker (issue 14): an answer
reaches the driver app over its link and is shown once (the Kafka copy that follows is ignored);
without the link it still comes over Kafka; only the driver's own, live session may open a link;
signing out ends it; a link that does not read is cut and Central goes on serving."""
from __future__ import annotations

import asyncio
import base64

import pytest

from ev_common import contract as c
from ev_common.framing import ACK, FrameDecoder
from ev_common.notify_crypto import open_sealed
from ev_desktop.core.driver import DriverConfig, DriverCore
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.central.support import LOGIN_NOTIFY_KEYS, SESSIONS, SyncFramed, login, operator_login
from tests.helpers import async_until as _until, wait_until

pytestmark = [pytest.mark.kafka]


def _of(events: list, kind: type, **match) -> list:
    return [e for e in events if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())]


def _app(svc, kafka_broker, topics, where, push_link: bool = True) -> tuple[DriverCore, list]:
    events: list = []
    cfg = DriverConfig(kafka_broker, "127.0.0.1", svc.port, where, topics.prefix, central_timeout_s=10,
                       push_link=push_link)
    return DriverCore(cfg, events.append), events


def _request_and_start(central, svc, kafka_broker, data_dir, push_link: bool):
    """One request by driver1's app for CP001, then the Engine's SupplyStarted (played by the
    test): returns (answers shown from the link, ChargeAuthorized events, notices, push links)."""
    k, t = central.kafka, central.topics

    async def scenario():
        core, events = _app(svc, kafka_broker, t, data_dir / "app", push_link)
        await core.login("driver1", "pass123")
        core.start()
        try:
            if push_link:
                await _until(lambda: core.push_link_up, 30, "the WATCH link open")
            links = svc.push.links("driver1")
            rid = core.request_charge("CP001")
            [auth] = await _until(lambda: _of(events, c.ChargeAuthorized, request_id=rid), 90, "authorized")
            # the supply starts: its notice comes over Kafka *after* the answer's Kafka copy (same
            # partition), so once it is shown that copy has been read too
            k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=auth.session_id, started_at=1000.0))
            await _until(lambda: _of(events, c.SupplyStartedNotice, session_id=auth.session_id), 90, "notice")
            return core.answers_by_link, _of(events, c.ChargeAuthorized), links
        finally:
            await core.close()

    return asyncio.run(asyncio.wait_for(scenario(), 180))


def test_the_answer_comes_over_the_link_and_is_shown_once(central, kafka_broker, data_dir):
    svc = central()
    central.monitor(svc, "CP001")
    central.kafka.wait_state("CP001", "available")
    by_link, authorized, links = _request_and_start(central, svc, kafka_broker, data_dir, push_link=True)
    assert links == 1
    assert by_link == 1                 # shown from the link...
    assert len(authorized) == 1         # ...and the Kafka copy, read since, was not shown again
    assert svc.counters["push_sent"] >= 1


def test_without_the_link_the_answer_comes_over_kafka(central, kafka_broker, data_dir):
    svc = central()
    central.monitor(svc, "CP001")
    central.kafka.wait_state("CP001", "available")
    by_link, authorized, links = _request_and_start(central, svc, kafka_broker, data_dir, push_link=False)
    assert links == 0 and by_link == 0
    assert len(authorized) == 1
    assert svc.counters["push_sent"] == 0


def _watch(port: int, session_id: str, token: str) -> tuple[SyncFramed, list[str]]:
    link = SyncFramed(port)
    return link, link.request(["WATCH", session_id, token])


class _Pushed:
    """Reads the frames Central pushes on a WATCH link, ACKing each as the app does."""

    def __init__(self, link: SyncFramed) -> None:
        self.link, self.dec, self.pending = link, FrameDecoder(), []

    def next(self, timeout: float) -> list[str]:
        self.link.sock.settimeout(timeout)
        while not self.pending:
            frames = self.dec.feed(self.link._read())
            self.link.sock.sendall(ACK * len(frames))
            self.pending.extend(frames)
        return self.pending.pop(0).fields


def test_only_the_drivers_own_live_session_opens_a_link(central, kafka_broker, data_dir):
    svc = central()
    tok1, tok2, op = login(svc.port, "driver1"), login(svc.port, "driver2"), operator_login(svc.port)
    sid1, sid2, op_sid = SESSIONS[tok1][0], SESSIONS[tok2][0], SESSIONS[op][0]
    refusals = [
        (sid1, tok2),                          # driver2's token with driver1's session
        (sid2, tok1),                          # and the other way round
        (sid1, "driver1.9999999999.forged"),   # a forged token
        (op_sid, op),                          # an operator's session
        ("no-such-session", tok1),
    ]
    for session_id, token in refusals:
        link, answer = _watch(svc.port, session_id, token)
        link.close()
        assert answer[:2] == ["ERR", "invalid_token"], (session_id, answer)
    assert svc.counters["watch_refused"] == len(refusals)
    link, answer = _watch(svc.port, sid1, tok1)
    try:
        assert answer[0] == "OK" and float(answer[1]) > 0
        wait_until(lambda: svc.push.links("driver1") == 1, 10, message="link registered")
        assert svc.push.links("driver2") == 0
    finally:
        link.close()
    wait_until(lambda: svc.push.links() == 0, 10, message="closed link forgotten")


def test_a_pushed_answer_is_the_sealed_kafka_envelope_and_signing_out_ends_the_link(central, kafka_broker,
                                                                                     data_dir):
    """What Central pushes is exactly what it puts on Kafka (sealed for the driver); a LOGOUT
    ends the link at the next ping with ``BYE#session_ended``."""
    svc = central(push_ping_interval=0.3)
    central.monitor(svc, "CP001")
    k, t = central.kafka, central.topics
    k.wait_state("CP001", "available")
    tok = login(svc.port, "driver1")
    sid = SESSIONS[tok][0]
    link, answer = _watch(svc.port, sid, tok)
    pushed = _Pushed(link)
    try:
        assert answer[0] == "OK"
        wait_until(lambda: svc.push.links("driver1") == 1, 10, message="link registered")
        rid = c.new_id()
        k.send(t.driver_requests, c.ChargeRequested(driver_id="driver1", request_id=rid, cp_id="CP001", token=tok))
        while True:
            fields = pushed.next(60)
            if fields[0] == "NOTE":
                break
            assert fields == ["PING"]
        env = c.decode(base64.b64decode(fields[1]))
        assert env.type == "sealed_notification" and rid.encode() not in base64.b64decode(fields[1])
        opened = open_sealed(env, LOGIN_NOTIFY_KEYS["driver1"], "driver1")
        assert isinstance(opened.body, c.ChargeAuthorized) and opened.body.request_id == rid
        kafka_copy = k.wait(c.ChargeAuthorized, 60, request_id=rid)
        assert kafka_copy.session_id == opened.body.session_id
        # sign out (another link, as the app's LOGOUT does): the watch ends at the next ping
        out = SyncFramed(svc.port)
        try:
            assert out.request(["LOGOUT", sid, tok]) == ["OK"]
        finally:
            out.close()
        seen = []
        while not seen or seen[-1][0] != "BYE":
            seen.append(pushed.next(10))
        assert seen[-1] == ["BYE", "session_ended"]
        wait_until(lambda: svc.push.links() == 0, 10, message="ended link forgotten")
    finally:
        link.close()


def test_an_app_that_stops_answering_is_cut_and_central_keeps_serving(central, kafka_broker, data_dir):
    """An app that opens a link and then never ACKs (gone without a word: a cut cable sends no
    RST) is cut after three ping intervals; another driver's link and Central's socket are not
    held up by it."""
    svc = central(push_ping_interval=0.1)
    tok, tok2 = login(svc.port, "driver1"), login(svc.port, "driver2")
    link, answer = _watch(svc.port, SESSIONS[tok][0], tok)
    other = None
    try:
        assert answer[0] == "OK"
        wait_until(lambda: svc.counters["push_links_cut"] == 1, 30, message="silent link cut")
        assert svc.push.links("driver1") == 0
        # an app that answers, at the same pace, keeps its link
        other, other_answer = _watch(svc.port, SESSIONS[tok2][0], tok2)
        assert other_answer[0] == "OK"
        pushed = _Pushed(other)
        assert [pushed.next(10) for _ in range(10)] == [["PING"]] * 10
        assert svc.push.links("driver2") == 1 and svc.counters["push_links_cut"] == 1
        assert login(svc.port, "driver3")  # Central still serves its socket
    finally:
        link.close()
        if other is not None:
            other.close()
