"""Unit tests of the pure message-authenticity module and of CP credentials files (no Kafka)."""
from __future__ import annotations

import os

import msgspec
import pytest

from ev_common import contract as c
from ev_common import cp_credentials, msgauth
from ev_common.cp_credentials import CpCredentials, CredentialsError

T = 1_800_000_000.0


def _event(**kw) -> c.Envelope:
    body = c.Telemetry(cp_id=kw.pop("cp_id", "CP001"), session_id="s1", seq=3, kw=7, kwh=0.25, eur=0.1)
    return c.envelope(body, source="engine-CP001", msg_id="m1", ts=T)


def test_signed_message_verifies_after_the_wire_round_trip():
    env = msgauth.sign(_event(), "k1", msgauth.CP_EVENT, "CP001")
    received = c.decode(c.encode(env))  # what Central's consumer gets (int kw became a float)
    msgauth.verify(received, "k1", msgauth.CP_EVENT, "CP001")
    assert received.auth == env.auth and received.body.kw == 7.0


@pytest.mark.parametrize("change", [
    {"ts": T + 1}, {"id": "m2"}, {"source": "engine-CP009"},
    {"body": c.Telemetry(cp_id="CP001", session_id="s1", seq=3, kw=7, kwh=25.0, eur=0.1)},
])
def test_any_change_to_a_signed_message_breaks_its_mac(change):
    env = msgspec.structs.replace(msgauth.sign(_event(), "k1", msgauth.CP_EVENT, "CP001"), **change)
    with pytest.raises(msgauth.AuthError, match="bad MAC"):
        msgauth.verify(c.decode(c.encode(env)), "k1", msgauth.CP_EVENT, "CP001")


def test_unsigned_wrong_key_wrong_signer_and_wrong_direction_are_refused():
    env = _event()
    with pytest.raises(msgauth.AuthError, match="unsigned"):
        msgauth.verify(env, "k1", msgauth.CP_EVENT, "CP001")
    signed = msgauth.sign(env, "k1", msgauth.CP_EVENT, "CP001")
    with pytest.raises(msgauth.AuthError, match="bad MAC"):
        msgauth.verify(signed, "other-key", msgauth.CP_EVENT, "CP001")
    with pytest.raises(msgauth.AuthError, match="not 'CP002'"):  # CP001's signature presented for CP002
        msgauth.verify(signed, "k1", msgauth.CP_EVENT, "CP002")
    with pytest.raises(msgauth.AuthError, match="bad MAC"):  # an event never passes as a command
        msgauth.verify(signed, "k1", msgauth.CP_COMMAND, "CP001")


def test_a_kid_rewritten_to_another_cp_does_not_verify_with_that_cps_key():
    signed = msgauth.sign(_event(cp_id="CP002"), "key-of-CP001", msgauth.CP_EVENT, "CP001")
    forged = msgspec.structs.replace(signed, auth=c.Auth(kid="CP002", mac=signed.auth.mac))
    with pytest.raises(msgauth.AuthError, match="bad MAC"):
        msgauth.verify(forged, "key-of-CP002", msgauth.CP_EVENT, "CP002")


def test_canonical_bytes_sort_keys_and_leave_out_the_auth_field():
    env = msgauth.sign(_event(), "k1", msgauth.CP_EVENT, "CP001")
    raw = msgauth.canonical(env, msgauth.CP_EVENT, "CP001")
    assert raw.startswith(b'["ev-msgauth/1","cp-event",1,"m1","telemetry",1800000000.0,"engine-CP001",'
                          b'"CP001","CP001",{"cp_id":"CP001","eur":0.1,"kw":7.0,"kwh":0.25,')
    assert b"mac" not in raw


def test_unsigned_envelopes_keep_their_old_wire_form():
    assert b'"auth"' not in c.encode(_event())


def test_replay_guard_refuses_a_seen_id_and_anything_outside_the_window():
    guard = msgauth.ReplayGuard(msgauth.Window(max_age_s=3600, future_s=300))
    guard.check("a", T - 100, T)
    with pytest.raises(msgauth.AuthError, match="replayed"):
        guard.check("a", T - 100, T + 5)
    with pytest.raises(msgauth.AuthError, match="older than"):
        guard.check("b", T - 3601, T)
    with pytest.raises(msgauth.AuthError, match="future"):
        guard.check("c", T + 301, T)
    with pytest.raises(msgauth.AuthError, match="future"):
        guard.check("d", float("nan"), T)


def test_replay_guard_survives_a_restart_and_forgets_ids_the_window_refuses_anyway():
    guard = msgauth.ReplayGuard(msgauth.Window(max_age_s=3600))
    guard.check("old", T - 3500, T)
    guard.check("new", T - 10, T)
    again = msgauth.ReplayGuard(msgauth.Window(max_age_s=3600))
    again.restore(guard.export(), T + 200)  # "old" is now outside the window: not kept
    assert again.seen("new") and not again.seen("old")
    with pytest.raises(msgauth.AuthError):
        again.check("old", T - 3500, T + 200)  # still refused: by the window


def test_new_keys_are_random_and_long():
    keys = {msgauth.new_key() for _ in range(50)}
    assert len(keys) == 50 and all(len(k) >= 43 for k in keys)


def test_credentials_file_is_0600_and_a_readable_one_is_refused(tmp_path):
    path = cp_credentials.write(tmp_path / "CP001.json", CpCredentials("CP001", "secret"))
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert cp_credentials.load(path).key == "secret"
    assert cp_credentials.load(tmp_path, "CP001").cp_id == "CP001"  # a directory of files
    with pytest.raises(CredentialsError, match="no del CP002"):
        cp_credentials.load(path, "CP002")
    os.chmod(path, 0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        cp_credentials.load(path)


@pytest.mark.parametrize("cp_id", ["../CP001", "a/b", "..", ".hidden", "x\\y"])
def test_a_cp_id_cannot_name_a_file_outside_the_credentials_directory(tmp_path, cp_id):
    with pytest.raises(CredentialsError):
        cp_credentials.load(tmp_path, cp_id)
