"""The CP Monitor process talks TLS to Central with its key from a file or the environment (never
a default, never the command line), and refuses a Central its CA does not vouch for."""
from __future__ import annotations

import os

from ev_common import cp_credentials
from ev_common.pki import CertificateAuthority
from tests.helpers import Proc, free_port, wait_until
from tests.security.support import TlsStub


def _monitor(tmp_path, stub: TlsStub, *extra: str, env: dict[str, str] | None = None) -> Proc:
    return Proc("monitor", ["-m", "cp_simulator.monitor_cli", "--engine", f"127.0.0.1:{free_port()}",
                            "--central", f"127.0.0.1:{stub.port}", "--cp-id", "CPX", *extra], tmp_path, env=env)


def test_monitor_authenticates_over_tls_with_its_key_from_a_0600_file(tmp_path, monkeypatch):
    monkeypatch.delenv("EV_CP_KEY")
    key = cp_credentials.write(tmp_path / "CPX.json", cp_credentials.CpCredentials("CPX", "k"))
    stub = TlsStub()
    mon = _monitor(tmp_path, stub, "--cp-credentials", str(key))
    try:
        mon.wait_output("autenticado", 30)
        assert "enlace TLS" in mon.output()
        assert "k" not in open(f"/proc/{mon.popen.pid}/cmdline", "rb").read().split(b"\0")
    finally:
        mon.stop()
        stub.stop()


def test_monitor_without_a_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("EV_CP_KEY")
    stub = TlsStub()
    try:
        mon = _monitor(tmp_path, stub)
        wait_until(lambda: mon.popen.poll() is not None, 30, message="monitor exited")
        assert mon.popen.returncode == 2 and "Faltan las credenciales del CP" in mon.output()
    finally:
        stub.stop()


def test_monitor_refuses_a_key_file_others_can_read(tmp_path, monkeypatch):
    monkeypatch.delenv("EV_CP_KEY")
    key = cp_credentials.write(tmp_path / "CPX.json", cp_credentials.CpCredentials("CPX", "k"))
    os.chmod(key, 0o644)
    stub = TlsStub()
    try:
        mon = _monitor(tmp_path, stub, "--cp-credentials", str(key))
        wait_until(lambda: mon.popen.poll() is not None, 30, message="monitor exited")
        assert mon.popen.returncode == 2 and "chmod 600" in mon.output()
    finally:
        stub.stop()


def test_monitor_trusting_another_ca_never_authenticates(tmp_path):
    other = CertificateAuthority.ensure(tmp_path / "other-ca")
    stub = TlsStub()
    mon = _monitor(tmp_path, stub, "--ca-file", str(other.cert_file), "--log-level", "INFO")
    try:
        mon.wait_output("no es de confianza", 30)
        assert "autenticado" not in mon.output()
        assert not any(kind == "hb" for kind, *_ in stub.server.gateway.events)
    finally:
        mon.stop()
        stub.stop()
