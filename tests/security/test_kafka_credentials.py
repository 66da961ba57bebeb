"""Credentials files: 0600, refused when others may read them, never on the command line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ev_common.kafka.security import CredentialsError, configure_process, load_credentials
from tests.helpers import REPO, credentials_file


def test_every_credentials_file_written_by_the_broker_is_0600(kafka_broker: str) -> None:
    from tests.helpers import session_kafka_dir
    broker_dirs = list(Path(session_kafka_dir()).parent.glob("kafka*/clients"))
    files = [f for d in broker_dirs for f in d.glob("*.toml")]
    assert len(files) >= 6
    for f in files:
        assert (f.stat().st_mode & 0o777) == 0o600, f


def test_group_readable_credentials_are_refused_with_the_chmod_hint(tmp_path: Path) -> None:
    copy = tmp_path / "central.toml"
    copy.write_bytes(credentials_file("central").read_bytes())
    copy.chmod(0o644)
    with pytest.raises(CredentialsError) as err:
        load_credentials(copy)
    assert f"chmod 600 {copy}" in str(err.value)


def test_a_process_with_world_readable_credentials_refuses_to_start(tmp_path: Path) -> None:
    copy = tmp_path / "cp.toml"
    copy.write_bytes(credentials_file("cp").read_bytes())
    copy.chmod(0o644)
    out = subprocess.run([sys.executable, "-m", "cp_simulator.engine_cli", "--kafka-credentials",
                          str(copy), "--data-dir", str(tmp_path / "d"), "--no-menu",
                          "--listen", "127.0.0.1:9"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"chmod 600 {copy}" in out.stderr


def test_no_credentials_and_no_plaintext_opt_out_is_a_plain_refusal(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="--kafka-credentials"):
        configure_process(None, role=None)


def test_password_is_not_in_the_repr_or_the_log(caplog) -> None:
    creds = load_credentials(credentials_file("driver"))
    assert creds.password not in repr(creds)
    with caplog.at_level("DEBUG"):
        configure_process(credentials_file("driver"))
    assert creds.password not in caplog.text


def test_environment_variable_names_the_file(monkeypatch) -> None:
    from ev_common.kafka import security
    monkeypatch.setenv("EV_KAFKA_CREDENTIALS", str(credentials_file("operator")))
    security.set_process_credentials(None)
    assert security.principal_name() == "operator"
    assert security.link_encrypted()
    assert os.environ["EV_KAFKA_CREDENTIALS"].endswith("operator.toml")
