"""The charger's OCPP 1.6 AuthorizationKey: 20 octets / 40 hex digits derived from the CP key."""
from __future__ import annotations

import base64
import os
import stat

from ocpp_gateway import authorization_key, basic_auth
from ev_common import cp_credentials
from ev_common.cp_credentials import CpCredentials
from ev_common.msgauth import new_key

KEY = new_key()


def _header(user: str, password: bytes) -> str:
    return "Basic " + base64.b64encode(user.encode() + b":" + password).decode()


def test_authorization_key_is_20_octets_and_40_hex_digits_as_the_whitepaper_allows():
    raw = authorization_key.derive(KEY)
    assert len(KEY) > 40 and len(raw) == 20
    hx = authorization_key.hex_key(KEY)
    assert len(hx) == 40 and bytes.fromhex(hx) == raw
    assert authorization_key.derive(new_key()) != raw


def test_gateway_accepts_the_key_as_octets_or_as_hex_text_and_refuses_the_cp_key_itself(tmp_path):
    cp_credentials.write(cp_credentials.file_for(tmp_path, "CP7"), CpCredentials("CP7", KEY))
    raw = authorization_key.derive(KEY)
    for password in (raw, raw.hex().encode(), raw.hex().upper().encode()):
        assert basic_auth.check(tmp_path, "/CP7", _header("CP7", password)) == ("CP7", "")
    assert basic_auth.check(tmp_path, "/CP7", _header("CP7", KEY.encode())) == ("CP7", "bad_key")
    assert basic_auth.check(tmp_path, "/CP7", _header("CP7", b"\xff" * 20)) == ("CP7", "bad_key")


def test_installer_file_holds_the_hex_key_0600_and_nothing_is_printed(tmp_path, capsys):
    cp_credentials.write(cp_credentials.file_for(tmp_path, "CP7"), CpCredentials("CP7", KEY))
    out = tmp_path / "cp7.authkey"
    assert authorization_key.main(["CP7", "--cp-credentials", str(tmp_path), "--out", str(out)]) == 0
    assert out.read_text().strip() == authorization_key.hex_key(KEY)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    printed = capsys.readouterr()
    assert authorization_key.hex_key(KEY) not in printed.out + printed.err
