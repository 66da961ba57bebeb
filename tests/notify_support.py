"""Tests that read the notifications topic raw (as admin) open Central's sealed notifications
the way a driver app does, with the driver's key — read from Central's database, which a test
can see (a driver app gets it at LOGIN instead)."""
from __future__ import annotations

import threading
from collections.abc import Callable

from playhouse.db_url import connect as url_connect

from ev_common import contract as c
from ev_common.notify_crypto import NotifyError, NotifyKey, open_sealed

KeyLookup = Callable[[str], "NotifyKey | None"]


class DbNotifyKeys:
    """driver id → its current notification key in Central's database at *db_url* (own
    connection, so it never disturbs an in-process Central's binding)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._lock = threading.Lock()
        self._cache: dict[str, NotifyKey] = {}

    def __call__(self, driver_id: str, fresh: bool = False) -> NotifyKey | None:
        with self._lock:
            if not fresh and driver_id in self._cache:
                return self._cache[driver_id]
            database = url_connect(self.db_url)
            try:
                row = database.execute_sql(
                    f"SELECT kid, key FROM driver_notify_keys WHERE driver_id = {database.param}",
                    (driver_id,)).fetchone()
            except Exception:  # noqa: BLE001 - no table yet (Central not started): no key
                row = None
            finally:
                database.close()
            if row is None:
                return None
            key = NotifyKey.from_text(row[0], row[1])
            self._cache[driver_id] = key
            return key


def open_if_sealed(env: c.Envelope, keys: KeyLookup | None) -> c.Envelope:
    """*env* opened when it is a sealed notification whose driver's key *keys* knows (the key
    is looked up again once when the cached one is not the one used: a rotation); else as is."""
    if keys is None or not isinstance(env.body, c.SealedNotification):
        return env
    for fresh in (False, True):
        key = keys(env.key, fresh) if fresh else keys(env.key)  # type: ignore[call-arg]
        if key is None:
            continue
        try:
            return open_sealed(env, key, env.key)
        except NotifyError:
            continue
    return env


def fake_notify_key(driver_id: str) -> NotifyKey:
    """The notification key the tests' fake Centrals hand out at LOGIN (deterministic per driver,
    so a fake and the test that plays Central's Kafka side agree without talking)."""
    import hashlib
    return NotifyKey("t" + hashlib.sha256(driver_id.encode()).hexdigest()[:12],
                     hashlib.sha256(b"fake-notify-key/" + driver_id.encode()).digest())


def fake_login_fields(driver_id: str) -> list[str]:
    """LOGIN's ``#notify_kid#notify_key`` fields for :func:`fake_notify_key`."""
    key = fake_notify_key(driver_id)
    return [key.kid, key.text]


def as_fake_central(env: c.Envelope) -> c.Envelope:
    """*env* as a (fake) Central publishes it: a driver notification sealed with
    :func:`fake_notify_key`; anything else unchanged."""
    from ev_common.notify_crypto import NOTIFICATION_TYPES, seal
    if isinstance(env.body, NOTIFICATION_TYPES):
        return seal(env, fake_notify_key(env.key))
    return env
