"""The real driver core (as in ev-desktop and ev-driver) against a real Central: its requests
carry the session MAC and no token, "Cerrar sesión" revokes the session on Central, and a
request signed with the revoked key is refused."""
from __future__ import annotations

import asyncio

import pytest

from ev_common import contract as c
from ev_common import msgauth
from ev_desktop.core.driver import DriverConfig, DriverCore
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka]


def test_driver_app_signs_requests_and_logout_revokes_its_session(central, kafka_broker, data_dir):
    svc, k, t = central(), central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    cfg = DriverConfig(kafka_broker, "127.0.0.1", svc.port, data_dir / "app", t.prefix, central_timeout_s=10)

    async def scenario() -> tuple[str, str]:
        core = DriverCore(cfg)
        await core.login("driver1", "pass123")
        assert core.session is not None and core.session.usable
        core.start()
        rid = core.request_charge("CP001")
        auth = await asyncio.to_thread(k.wait, c.ChargeAuthorized, 60, request_id=rid)
        assert auth.driver_id == "driver1"
        sid, key = core.session.session_id, core.session.key
        await core.logout()  # "Cerrar sesión"
        return sid, key

    sid, key = asyncio.run(asyncio.wait_for(scenario(), 180))
    assert svc.counters.get("session_unsigned", 0) == 0  # the app never sent a bearer token
    env = msgauth.sign(c.envelope(c.ChargeRequested(driver_id="driver1", request_id="after-logout", cp_id="CP002"),
                                  source="stolen-key"), key, msgauth.DRIVER_REQUEST, sid)
    k.producer.send(t.driver_requests, key=env.key.encode(), value=c.encode(env)).get(30)
    assert k.wait(c.ChargeDenied, request_id="after-logout").reason == "invalid_token"
    wait_until(lambda: svc.counters.get("session_revoked", 0) >= 1, 30, message="revoked session refused")
