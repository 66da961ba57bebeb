"""Central refuses logins for a while after repeated wrong passwords (real Central, real sockets)."""
from __future__ import annotations

import asyncio

import pytest

from ev_desktop.core.central_client import CentralClient, LoginError
from tests.central.support import SyncFramed
from tests.helpers import wait_until

pytestmark = pytest.mark.kafka


def test_wrong_passwords_lock_the_driver_out_then_the_right_one_works_again(central):
    svc = central(login_max_failures=3, login_lockout=2.0)
    cl = SyncFramed(svc.port)
    try:
        for _ in range(3):
            assert cl.request(["LOGIN", "driver1", "guess"])[:2] == ["ERR", "bad_credentials"]
        locked = cl.request(["LOGIN", "driver1", "pass123"])     # even the right one, for now
        assert locked[:2] == ["ERR", "too_many_attempts"]
        assert "espere" in locked[2] and 1 <= int(locked[3]) <= 2
        assert cl.request(["LOGIN", "driver2", "pass123"])[0] == "OK"   # others are not affected
    finally:
        cl.close()

    async def client_login():
        return await CentralClient("127.0.0.1", svc.port).login("driver1", "pass123")

    with pytest.raises(LoginError) as err:
        asyncio.run(client_login())
    assert err.value.code == "too_many_attempts" and err.value.retry_after_s is not None
    assert svc.counters["login_throttled"] >= 2

    def logged_in():
        try:
            return asyncio.run(client_login()).token
        except LoginError as exc:
            assert exc.code == "too_many_attempts", exc.code
            return None
    assert wait_until(logged_in, 10, interval=0.25, message="login accepted after the lockout")
