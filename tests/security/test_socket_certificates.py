"""Central's socket certificate: issued from the local CA for the names clients dial, reused
while it covers them and is far from expiry, re-issued otherwise; a clear refusal when this
machine cannot issue one and none was given. Time is injected."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from ev_common.pki import CERT_DAYS, CertificateAuthority, cert_hosts
from ev_common.tls_links import default_hosts, ensure_server_cert, server_ssl

T0 = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def at(when: dt.datetime):
    return lambda: when


def test_the_certificate_is_reused_while_valid_and_reissued_near_expiry(tmp_path):
    first = ensure_server_cert(tmp_path, "central", ["localhost", "127.0.0.1"], now=at(T0))
    pem = first.cert.read_bytes()
    again = ensure_server_cert(tmp_path, "central", ["127.0.0.1", "localhost"], now=at(T0 + dt.timedelta(days=100)))
    assert again == first and again.cert.read_bytes() == pem
    late = T0 + dt.timedelta(days=CERT_DAYS - 10)  # less than 30 days left
    renewed = ensure_server_cert(tmp_path, "central", ["localhost", "127.0.0.1"], now=at(late))
    assert renewed.cert.read_bytes() != pem


def test_other_host_names_get_their_own_certificate(tmp_path):
    a = ensure_server_cert(tmp_path, "central", ["localhost"], now=at(T0))
    b = ensure_server_cert(tmp_path, "central", ["pc2.local", "192.168.1.20"], now=at(T0))
    assert a.cert != b.cert
    assert set(cert_hosts(b.cert)) == {"pc2.local", "192.168.1.20"}
    assert cert_hosts(a.cert) == ["localhost"]  # the first one was not overwritten


def test_the_ca_is_created_when_the_pki_dir_is_empty(tmp_path):
    server_ssl(None, None, ["localhost"], tmp_path / "pki")
    assert (tmp_path / "pki" / "ca.pem").exists() and (tmp_path / "pki" / "ca-key.pem").exists()


def test_without_the_ca_key_central_asks_for_a_certificate(tmp_path):
    ca = CertificateAuthority.ensure(tmp_path / "full")
    client_side = tmp_path / "client"
    client_side.mkdir()
    shutil.copy(ca.cert_file, client_side / "ca.pem")  # a machine with the CA certificate only
    with pytest.raises(FileNotFoundError, match="--tls-cert"):
        server_ssl(None, None, ["localhost"], client_side)


def test_a_certificate_without_its_key_is_refused(tmp_path):
    files = ensure_server_cert(tmp_path, "central", ["localhost"])
    with pytest.raises(FileNotFoundError, match="--tls-key"):
        server_ssl(files.cert, None, ["localhost"])
    assert server_ssl(files.cert, files.key, []) is not None  # both given: used as they are


def test_default_names_cover_loopback_and_a_specific_listen_address():
    hosts = default_hosts("192.168.1.20")
    assert hosts[0] == "192.168.1.20" and {"localhost", "127.0.0.1"} <= set(hosts)
    assert "0.0.0.0" not in default_hosts("0.0.0.0")
