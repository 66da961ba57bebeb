"""The deployment's CA: certificates clients can verify, secret files nobody else can read."""
from __future__ import annotations

import os
import socket
import ssl
import threading
from pathlib import Path

import pytest

from ev_common.pki import (CertificateAuthority, InsecureFileError, cert_hosts, check_secret_file,
                           client_context, server_context, write_secret)


def _serve_once(ctx: ssl.SSLContext) -> tuple[int, threading.Thread]:
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]

    def run() -> None:
        with srv:
            conn, _ = srv.accept()
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(tls.recv(16))
            except (ssl.SSLError, OSError):
                pass

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return port, t


def test_ca_is_created_once_and_reused(tmp_path: Path):
    ca = CertificateAuthority.ensure(tmp_path)
    first = ca.cert_file.read_bytes()
    assert CertificateAuthority.ensure(tmp_path).cert_file.read_bytes() == first
    assert os.stat(ca.key_file).st_mode & 0o777 == 0o600


def test_issued_certificate_is_verified_by_a_client_trusting_the_ca(tmp_path: Path):
    ca = CertificateAuthority.ensure(tmp_path)
    files = ca.issue(tmp_path, "central", ["localhost", "127.0.0.1"])
    assert set(cert_hosts(files.cert)) == {"localhost", "127.0.0.1"}
    for secret in (files.key, files.combined()):
        assert os.stat(secret).st_mode & 0o777 == 0o600
    port, t = _serve_once(server_context(files))
    with client_context(ca.cert_file).wrap_socket(socket.create_connection(("127.0.0.1", port)),
                                                  server_hostname="127.0.0.1") as tls:
        tls.sendall(b"ping")
        assert tls.recv(16) == b"ping"
    t.join(5)


def test_client_refuses_a_host_name_the_certificate_does_not_name(tmp_path: Path):
    ca = CertificateAuthority.ensure(tmp_path)
    port, t = _serve_once(server_context(ca.issue(tmp_path, "central", ["central.example"])))
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch|match"):
        client_context(ca.cert_file).wrap_socket(socket.create_connection(("127.0.0.1", port)),
                                                 server_hostname="127.0.0.1")
    t.join(5)


def test_client_refuses_a_certificate_from_another_ca(tmp_path: Path):
    ours = CertificateAuthority.ensure(tmp_path / "ours")
    theirs = CertificateAuthority.ensure(tmp_path / "theirs")
    port, t = _serve_once(server_context(theirs.issue(tmp_path / "theirs", "evil", ["127.0.0.1"])))
    with pytest.raises(ssl.SSLCertVerificationError):
        client_context(ours.cert_file).wrap_socket(socket.create_connection(("127.0.0.1", port)),
                                                   server_hostname="127.0.0.1")
    t.join(5)


def test_secret_file_readable_by_others_is_refused_with_the_fix(tmp_path: Path):
    p = write_secret(tmp_path / "pw", "s3cret")
    assert check_secret_file(p) == p
    os.chmod(p, 0o644)
    with pytest.raises(InsecureFileError, match="chmod 600"):
        check_secret_file(p)
