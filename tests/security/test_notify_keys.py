"""Central's per-driver notification keys on a real SQLite database: created with the driver (or
at first need for a database from before them), rotated by a password change, cached briefly."""
from __future__ import annotations

import sqlite3

import pytest

from central_service import db
from central_service.notify_keys import NotifyKeyring
from central_service.store import Store
from ev_common import contract as c
from ev_common.notify_crypto import open_sealed


@pytest.fixture
def store(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 'central.db'}")
    yield Store()
    db.close()


def test_a_new_driver_gets_a_key_and_a_password_change_rotates_it(store):
    assert store.add_driver("driver1", "pw")
    first = store.notify_key("driver1")
    assert first is not None and len(first[1]) == 43  # 32 bytes, URL-safe base64
    assert not store.add_driver("driver1", "pw")  # re-seed: unchanged
    assert store.notify_key("driver1") == first
    assert store.add_driver("driver1", "new", replace=True)  # ev-db add-driver on an existing one
    second = store.notify_key("driver1")
    assert second is not None and second[0] != first[0] and second[1] != first[1]
    assert store.ensure_notify_key("driver1") == second
    store.add_driver("driver2", "pw")
    assert store.notify_key("driver2")[1] != second[1]  # type: ignore[index]


def test_a_database_from_before_the_keys_gets_the_table_and_keys_on_first_need(tmp_path):
    path = tmp_path / "old.db"
    db.connect(f"sqlite:///{path}")
    Store().add_driver("driver1", "pw")
    db.close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE driver_notify_keys")  # as written by a Central without them
    con.commit()
    con.close()
    db.connect(f"sqlite:///{path}")  # the additive migration creates the missing table
    try:
        store = Store()
        assert store.notify_key("driver1") is None
        key = NotifyKeyring(store).for_login("driver1")  # first login creates it
        assert store.notify_key("driver1") == (key.kid, key.text)
        assert NotifyKeyring(store).for_login("driver1") == key  # and every later login gets the same
    finally:
        db.close()


def test_central_seals_notifications_only_and_picks_up_a_rotation_after_the_cache_time(store):
    now = [0.0]
    ring = NotifyKeyring(store, refresh_s=5.0, clock=lambda: now[0])
    store.add_driver("driver1", "pw")
    before = ring.current("driver1")
    state = c.envelope(c.EngineOnline(cp_id="CP001"), source="central")
    assert ring.seal_if_notification(state) is state
    note = c.envelope(c.ChargeDenied(driver_id="driver1", request_id="r", reason="no_free_cp"), source="central")
    sealed = ring.seal_if_notification(note)
    assert isinstance(sealed.body, c.SealedNotification)
    assert open_sealed(c.decode(c.encode(sealed)), before, "driver1").body == note.body
    store.add_driver("driver1", "new", replace=True)  # ev-db, from another process
    assert ring.current("driver1") == before  # cached for refresh_s
    now[0] = 5.1
    after = ring.current("driver1")
    assert after.kid != before.kid and ring.for_login("driver1") == after
