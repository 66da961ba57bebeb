"""The driver app's WATCH link (ev_desktop.core.notify_link) against a scripted Central on a
real TLS socket and the real broker: a pushed answer is shown at once and its Kafka copy is not
shown again; what a forger pushes is refused like on Kafka; only answers are taken from the
link; a dropped link is re-opened; ``BYE`` ends it until the next sign-in."""
from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import pytest

from ev_common import contract
from ev_common.contract import ChargeAuthorized, SupplyStartedNotice
from ev_common.notify_crypto import seal
from ev_common.topics import Topics
from ev_desktop.core.driver import DriverConfig, DriverCore
from tests.driver.driver_facing_central import DriverFacingCentral
from tests.driver.test_driver_kafka import central  # noqa: F401 - the fixture
from tests.helpers import Stubborn
from tests.helpers import async_until as until
from tests.notify_support import as_fake_central, fake_notify_key

pytestmark = pytest.mark.kafka


def _answer(request_id: str, driver: str = "driver1") -> contract.Envelope:
    body = ChargeAuthorized(driver_id=driver, request_id=request_id, session_id=f"S-{request_id[:6]}",
                            cp_id="CP001", location="Alicante", price_eur_kwh=0.35,
                            reservation_expires_at=time.time() + 30)
    return as_fake_central(contract.envelope(body, source="central"))


def _note(env: contract.Envelope) -> list[str]:
    return ["NOTE", base64.b64encode(contract.encode(env)).decode()]


def _authorized(events: list, request_id: str | None = None) -> list:
    return [e for e in events if isinstance(e, ChargeAuthorized)
            and (request_id is None or e.request_id == request_id)]


def _run(central: DriverFacingCentral, kafka_broker: str, topics: Topics, data_dir: Path, body) -> None:
    async def scenario():
        events: list = []
        core = DriverCore(DriverConfig(kafka_broker, "127.0.0.1", central.port, data_dir, topics.prefix,
                                       central_timeout_s=10), events.append)
        await core.login("driver1", "pass123")
        core.start()
        try:
            await until(lambda: core.push_link_up and "driver1" in central.watch_links, 30, "link open")
            await body(core, events)
        finally:
            await core.close()
    asyncio.run(asyncio.wait_for(scenario(), 180))


def test_a_pushed_answer_is_shown_at_once_and_its_kafka_copy_is_ignored(central, kafka_broker, topics,
                                                                       data_dir):
    async def body(core: DriverCore, events: list) -> None:
        env = _answer("R-pushed")
        central.push("driver1", _note(env))
        await until(lambda: _authorized(events, "R-pushed"), 30, "the pushed answer shown")
        assert core.answers_by_link == 1
        # the same envelope over Kafka, then a later notification: once that is shown, the
        # copy has been read — and was not shown a second time
        central.producer.send(topics.driver_notifications, env)
        later = SupplyStartedNotice(driver_id="driver1", session_id="S-R-push", cp_id="CP001", started_at=1.0)
        central.producer.send(topics.driver_notifications,
                              as_fake_central(contract.envelope(later, source="central")))
        await until(lambda: [e for e in events if isinstance(e, SupplyStartedNotice)], 60, "the later notice")
        assert len(_authorized(events, "R-pushed")) == 1

    _run(central, kafka_broker, topics, data_dir, body)


def test_forged_pushes_are_refused_and_never_shown(central, kafka_broker, topics, data_dir):
    async def body(core: DriverCore, events: list) -> None:
        clear = contract.envelope(ChargeAuthorized(driver_id="driver1", request_id="R-clear", session_id="S",
                                                   cp_id="CP001", location="x", price_eur_kwh=9.0,
                                                   reservation_expires_at=time.time() + 30), source="central")
        other_key = seal(contract.envelope(ChargeAuthorized(driver_id="driver1", request_id="R-other",
                                                            session_id="S", cp_id="CP001", location="x",
                                                            price_eur_kwh=9.0,
                                                            reservation_expires_at=time.time() + 30),
                                           source="central"), fake_notify_key("driver2"))
        for fields in (["NOTE", "not base64 !"], ["NOTE", base64.b64encode(b'{"no":"envelope"}').decode()],
                       _note(clear), _note(other_key), ["SHOW", "x"]):
            central.push("driver1", fields)
        central.push("driver1", _note(_answer("R-marker")))  # pushed last: once shown, all were read
        await until(lambda: _authorized(events, "R-marker"), 30, "the genuine answer")
        assert [e.request_id for e in _authorized(events)] == ["R-marker"]
        assert core._link is not None and core._link.bad == 3  # two undecodable NOTEs, one unknown verb
        assert sum(core.refused_notifications.values()) == 2   # in clear; under another driver's key

    _run(central, kafka_broker, topics, data_dir, body)


def test_only_answers_are_taken_from_the_link(central, kafka_broker, topics, data_dir):
    async def body(core: DriverCore, events: list) -> None:
        notice = SupplyStartedNotice(driver_id="driver1", session_id="S-N", cp_id="CP001", started_at=1.0)
        central.push("driver1", _note(as_fake_central(contract.envelope(notice, source="central"))))
        central.push("driver1", _note(_answer("R-after")))
        await until(lambda: _authorized(events, "R-after"), 30, "the answer")
        assert not [e for e in events if isinstance(e, SupplyStartedNotice)]  # left to Kafka, in order
        assert core.answers_by_link == 1

    _run(central, kafka_broker, topics, data_dir, body)


def test_a_dropped_link_is_reopened_and_bye_ends_it_until_the_next_sign_in(central, kafka_broker, topics,
                                                                          data_dir):
    async def body(core: DriverCore, events: list) -> None:
        assert central.watch_opened == 1
        central.drop_watch("driver1")
        await until(lambda: central.watch_opened == 2 and core.push_link_up, 30, "link re-opened")
        central.push("driver1", _note(_answer("R-again")))
        await until(lambda: _authorized(events, "R-again"), 30, "an answer on the new link")
        central.push("driver1", ["BYE", "session_ended"])
        await until(lambda: core._link_task is not None and core._link_task.done(), 30, "link ended")
        assert not core.push_link_up and central.watch_opened == 2
        await core.login("driver1", "pass123")  # a new sign-in: a new link
        await until(lambda: central.watch_opened == 3 and core.push_link_up, 30, "link for the new session")

    _run(central, kafka_broker, topics, data_dir, body)


def test_closing_stops_the_consumer_even_when_a_link_task_will_not_end(central, kafka_broker, topics,
                                                                       data_dir):
    """The field case (load e2e): a link that ignores its cancel must not keep the app alive
    with its consumer retrying "driver core closing" forever."""
    async def scenario() -> tuple[bool, bool, int]:
        core = DriverCore(DriverConfig(kafka_broker, "127.0.0.1", central.port, data_dir, topics.prefix,
                                       central_timeout_s=10), lambda e: None)
        await core.login("driver1", "pass123")
        core.start()
        await until(lambda: core.push_link_up, 30, "link open")
        consumer = core._consumer
        stubborn = Stubborn()
        real_link = core._link_task
        core._link_task = asyncio.create_task(stubborn.run(), name="stubborn-link")
        await asyncio.sleep(0)  # it runs up to its first await
        await core.close(link_timeout=0.5)
        alive = consumer._thread.is_alive()
        stubborn.release.set()
        real_link_done = real_link is not None and real_link.done()
        return alive, real_link_done, stubborn.cancels

    consumer_alive, real_link_ended, cancels = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert not consumer_alive
    assert real_link_ended  # stop() ended the real link although its task was not the one awaited
    assert cancels >= 1
