"""``ev-db add-cp`` / ``rotate-cp-key`` / ``revoke-cp`` as an admin runs them: a random key per
CP, written only to a 0600 credentials file (never printed), the old key dead after rotation,
nothing accepted from a revoked CP."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from central_service import db
from central_service.store import Store
from central_service.tokens import verify_secret
from ev_common import cp_credentials

EV_DB = [sys.executable, "-m", "central_service.db_cli"]


def _ev_db(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env["EV_CONFIG"] = str(tmp_path / "no-config.toml")
    return subprocess.run([*EV_DB, "--db", f"sqlite:///{tmp_path / 'c.db'}", "--data-dir", str(tmp_path / "data"),
                           *args], capture_output=True, text=True, env=env, timeout=60)


def _stored(tmp_path: Path, cp_id: str):
    db.connect(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        return Store().cp_mac_key(cp_id), Store().cp_key_hash(cp_id)
    finally:
        db.close()


def test_add_cp_generates_a_key_only_the_credentials_file_holds(tmp_path):
    out = _ev_db(tmp_path, "add-cp", "CP042", "--location", "X", "--price", "0.3", "--max-kw", "22")
    assert out.returncode == 0, out.stderr
    path = tmp_path / "data" / "cp-credentials" / "CP042.json"
    creds = cp_credentials.load(path, "CP042")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert creds.key not in out.stdout + out.stderr and str(path) in out.stdout
    (key, revoked), key_hash = _stored(tmp_path, "CP042")
    assert key == creds.key and not revoked and verify_secret(key_hash, creds.key)
    other = _ev_db(tmp_path, "add-cp", "CP043", "--location", "X", "--price", "0.3", "--max-kw", "22",
                   "--credentials", str(tmp_path / "box43.json"))
    assert other.returncode == 0 and cp_credentials.load(tmp_path / "box43.json").key != creds.key


def test_rotation_replaces_the_key_and_revocation_disables_it(tmp_path):
    assert _ev_db(tmp_path, "add-cp", "CP001", "--location", "X", "--price", "0.3", "--max-kw", "22").returncode == 0
    path = tmp_path / "data" / "cp-credentials" / "CP001.json"
    old = cp_credentials.load(path).key
    out = _ev_db(tmp_path, "rotate-cp-key", "CP001")
    assert out.returncode == 0, out.stderr
    new = cp_credentials.load(path).key
    (key, _), key_hash = _stored(tmp_path, "CP001")
    assert new != old and key == new and not verify_secret(key_hash, old)
    assert _ev_db(tmp_path, "revoke-cp", "CP001").returncode == 0
    (_, revoked), key_hash = _stored(tmp_path, "CP001")
    assert revoked and key_hash is None  # the Monitor's AUTH finds no key to match
    assert _ev_db(tmp_path, "rotate-cp-key", "CP001").returncode == 0  # re-provisioned: usable again
    (_, revoked), _ = _stored(tmp_path, "CP001")
    assert not revoked
    missing = _ev_db(tmp_path, "revoke-cp", "CP999")
    assert missing.returncode == 1 and "CP999" in missing.stderr


def test_seed_writes_demo_credentials_only_when_asked(tmp_path):
    assert _ev_db(tmp_path, "seed", "--cps", "2", "--drivers", "1").returncode == 0
    assert not (tmp_path / "data" / "cp-credentials").exists()
    assert _ev_db(tmp_path, "seed", "--cps", "2", "--drivers", "1", "--credentials-dir",
                  str(tmp_path / "creds")).returncode == 0
    assert cp_credentials.load(tmp_path / "creds", "CP002").key == "demo-cp-key"
