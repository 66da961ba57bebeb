"""Unit tests of ev_common.notify_crypto: a sealed notification opens only for its driver under
its key, after the wire round trip; any change to what the associated data binds is refused."""
from __future__ import annotations

import msgspec
import pytest

from ev_common import contract as c
from ev_common.notify_crypto import PAD_TO, NotifyError, NotifyKey, open_sealed, seal

TS = 1_800_000_000.25


def _ticket(driver: str = "driver1") -> c.Envelope:
    return c.envelope(c.Ticket(driver_id=driver, session_id="s1", cp_id="CP001", started_at=TS - 600,
                               ended_at=TS, kwh=12.5, eur=3.75, price_eur_kwh=0.3, outcome="completed"),
                      source="central-1", msg_id="m1", ts=TS)


def _wire(env: c.Envelope) -> c.Envelope:
    return c.decode(c.encode(env))


def test_a_sealed_notification_opens_for_its_driver_after_the_wire_round_trip():
    key = NotifyKey.generate()
    plain = _ticket()
    sealed = _wire(seal(plain, key))
    assert sealed.type == "sealed_notification" and sealed.key == "driver1"
    assert (sealed.id, sealed.ts, sealed.source) == ("m1", TS, "central-1")
    assert b"CP001" not in c.encode(sealed) and b"3.75" not in c.encode(sealed)
    opened = open_sealed(sealed, key, "driver1")
    assert opened.body == plain.body and (opened.id, opened.type, opened.ts) == ("m1", "ticket", TS)


def test_ciphertext_size_does_not_tell_a_ticket_from_a_progress_tick():
    key = NotifyKey.generate()
    progress = c.envelope(c.SupplyProgress(driver_id="driver1", session_id="s1", cp_id="CP001", kw=7.0,
                                           kwh=1.0, eur=0.3), source="central-1")
    sizes = {len(seal(e, key).body.ct) for e in (_ticket(), progress)}
    assert len(sizes) == 1 and PAD_TO > 0


TAMPER = {
    "type": lambda e: msgspec.structs.replace(e, type="ticket"),
    "id": lambda e: msgspec.structs.replace(e, id="m2"),
    "ts": lambda e: msgspec.structs.replace(e, ts=TS + 1),
    "source": lambda e: msgspec.structs.replace(e, source="someone-else"),
    "version": lambda e: msgspec.structs.replace(e, v=2),
    "ciphertext": lambda e: msgspec.structs.replace(e, body=msgspec.structs.replace(
        e.body, ct=("A" if e.body.ct[0] != "A" else "B") + e.body.ct[1:])),
    "nonce": lambda e: msgspec.structs.replace(e, body=msgspec.structs.replace(
        e.body, nonce=("A" if e.body.nonce[0] != "A" else "B") + e.body.nonce[1:])),
}


@pytest.mark.parametrize("field", sorted(TAMPER))
def test_tampering_with_any_bound_field_is_refused_as_forged(field):
    key = NotifyKey.generate()
    sealed = _wire(seal(_ticket(), key))
    with pytest.raises(NotifyError) as err:
        open_sealed(TAMPER[field](sealed), key, "driver1")
    assert err.value.reason == "forged"


def test_a_kid_rewritten_to_the_holders_key_id_still_does_not_open():
    key = NotifyKey.generate()
    sealed = seal(_ticket(), key)
    other = NotifyKey("feedfacefeedface", NotifyKey.generate().key)
    relabelled = msgspec.structs.replace(sealed, body=msgspec.structs.replace(sealed.body, kid=other.kid))
    with pytest.raises(NotifyError) as err:
        open_sealed(relabelled, other, "driver1")
    assert err.value.reason == "forged"


def test_moving_a_ciphertext_to_another_driver_is_refused():
    key = NotifyKey.generate()
    sealed = seal(_ticket("driver1"), key)
    moved = msgspec.structs.replace(sealed, key="driver2",
                                    body=msgspec.structs.replace(sealed.body, driver_id="driver2"))
    with pytest.raises(NotifyError) as err:  # even by someone holding driver1's key for driver2
        open_sealed(moved, key, "driver2")
    assert err.value.reason == "forged"
    with pytest.raises(NotifyError) as err:
        open_sealed(sealed, key, "driver2")
    assert err.value.reason == "wrong_driver"


def test_another_drivers_key_an_old_key_and_a_notification_in_clear_are_refused():
    a, b = NotifyKey.generate(), NotifyKey.generate()
    sealed = seal(_ticket(), a)
    with pytest.raises(NotifyError) as err:
        open_sealed(sealed, b, "driver1")
    assert err.value.reason == "other_key"
    with pytest.raises(NotifyError) as err:
        open_sealed(_ticket(), a, "driver1")
    assert err.value.reason == "unsealed"


def test_keys_are_random_32_bytes_and_never_shown_by_repr():
    a, b = NotifyKey.generate(), NotifyKey.generate()
    assert a.key != b.key and len(a.key) == 32 and a.kid != b.kid
    assert NotifyKey.from_text(a.kid, a.text) == a
    assert a.text not in repr(a) and "hidden" in repr(a)
    with pytest.raises(ValueError):
        NotifyKey.from_text("k", "c2hvcnQ")  # 5 bytes


def test_only_driver_notifications_are_sealed():
    with pytest.raises(TypeError):
        seal(c.envelope(c.EngineOnline(cp_id="CP001"), source="x"), NotifyKey.generate())


def test_the_documented_example_opens_with_the_documented_key():
    import hashlib
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    raw = re.search(r"#### `sealed_notification`.*?```json\n(.*?)```", text, re.S).group(1)
    key = NotifyKey("5e1f0a9b3c7d2e4f", hashlib.sha256(b"example-notify-key").digest())
    opened = open_sealed(c.decode(raw.encode()), key, "driver1")
    assert opened.type == "ticket" and opened.body.cp_id == "CP003"
