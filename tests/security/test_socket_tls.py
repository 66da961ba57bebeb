"""Central's socket link is TLS by default: a plain-text client and a client trusting another
CA (or dialling a name the certificate does not carry) get no service; LOGIN over TLS works
end to end against a real ``ev-central`` process, whose secrets are nowhere on its command line."""
from __future__ import annotations

import asyncio
import os
import socket
import stat
from pathlib import Path

import pytest

from central_service.cli import build_parser as central_parser
from cp_simulator.engine_cli import build_parser as engine_parser
from cp_simulator.fleet import build_parser as fleet_parser
from cp_simulator.monitor_cli import build_parser as monitor_parser
from ev_common.framing import ACK, FrameError, FramedStream, encode_frame
from ev_common.pki import CertificateAuthority
from ev_common.tls_links import LinkTLS, server_ssl
from ev_desktop.core.central_client import CentralClient, LoginError
from tests.central.support import seed_db, sqlite_url
from tests.helpers import Proc, free_port, wait_until
from tests.security.support import TlsStub


@pytest.fixture
def stub():
    s = TlsStub()
    yield s
    s.stop()


def test_a_plain_text_client_gets_no_service(stub):
    with socket.create_connection(("127.0.0.1", stub.port), timeout=10) as sock:
        sock.sendall(encode_frame(["LOGIN", "d", "p"]))
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    assert ACK not in received and b"OK" not in received  # no ACK, no answer: the link was closed
    wait_until(lambda: stub.counters["tls_handshake_failures"] >= 1, 10, message="handshake failure counted")


def test_a_client_trusting_another_ca_is_refused(stub, tmp_path):
    other = CertificateAuthority.ensure(tmp_path / "other-ca")

    async def attempt():
        return await CentralClient("127.0.0.1", stub.port, tls=LinkTLS(other.cert_file)).login("d", "p")

    with pytest.raises(LoginError) as refused:
        asyncio.run(attempt())
    assert refused.value.code == "tls"


def test_a_certificate_for_another_host_name_is_refused(tmp_path):
    """The CA is right but the certificate names another host: the client checks the name."""
    wrong_name = TlsStub(tls=server_ssl(None, None, ["central.example"]))

    async def attempt():
        await FramedStream.connect("127.0.0.1", wrong_name.port, 5.0, tls=LinkTLS().context())

    try:
        with pytest.raises(FrameError, match="TLS"):
            asyncio.run(attempt())
    finally:
        wrong_name.stop()


def test_login_over_tls_works_end_to_end_with_a_real_central_process(kafka_broker, topics, tmp_path):
    url = sqlite_url(tmp_path / "central.db")
    seed_db(url)
    port = free_port()
    central = Proc("central", ["-m", "central_service.cli", "--bootstrap-servers", kafka_broker,
                               "--topic-prefix", topics.prefix, "--port", str(port), "--host", "127.0.0.1",
                               "--db", url, "--data-dir", str(tmp_path / "central")], tmp_path)
    try:
        central.wait_output("Central ready", 90)
        client = CentralClient("127.0.0.1", port, timeout=10)
        result = asyncio.run(client.login("driver1", "pass123"))
        assert result.driver_id == "driver1" and result.token
        assert client.secure and client.last_tls_version in ("TLSv1.2", "TLSv1.3")
        assert "TLS" in central.output() and "PLAIN TEXT" not in central.output()
        # the token secret was generated into a 0600 file, not taken from the command line
        secret = tmp_path / "central" / "token-secret"
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
        cmdline = open(f"/proc/{central.popen.pid}/cmdline", "rb").read().decode()
        assert secret.read_text().strip() not in cmdline
    finally:
        central.stop()


@pytest.mark.parametrize("parser", [central_parser, monitor_parser, engine_parser, fleet_parser],
                         ids=["ev-central", "ev-cp-monitor", "ev-cp-engine", "ev-cp-fleet"])
def test_no_secret_is_taken_as_a_command_line_value(parser):
    """Options that name a secret (secret, password, key) take a *file* path, never the value:
    a value would show in `ps` to every user of the machine."""
    for action in parser()._actions:  # noqa: SLF001 - argparse keeps no public list
        for opt in action.option_strings:
            name = opt.lstrip("-")
            if any(word in name for word in ("secret", "password", "key")):
                assert name.endswith("-file") or action.type is Path, f"{opt} takes a secret value"
