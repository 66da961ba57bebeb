"""Transport and identity of the real secure broker: only TLS clients that trust our CA and
present a valid SCRAM password get in."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka import errors as kerr

from ev_common.kafka.admin import cluster_ready
from ev_common.pki import CertificateAuthority
from tests.helpers import kafka_credentials


def _bootstraps(bootstrap: str, **security) -> bool:
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, bootstrap_timeout_ms=6000,
                                 request_timeout_ms=6000, **security)
    except (kerr.KafkaError, OSError):
        return False
    try:
        admin.describe_cluster()
        return True
    finally:
        admin.close()


def test_the_right_credentials_get_in(kafka_broker: str) -> None:
    """The control for the refusals below: same broker, same timeouts."""
    assert _bootstraps(kafka_broker, **kafka_credentials("admin").kafka_kwargs())


def test_anonymous_plaintext_client_is_refused(kafka_broker: str) -> None:
    assert not _bootstraps(kafka_broker, security_protocol="PLAINTEXT")


def test_tls_without_sasl_is_refused(kafka_broker: str) -> None:
    creds = kafka_credentials("admin")
    assert not _bootstraps(kafka_broker, security_protocol="SSL", ssl_cafile=str(creds.ca_file))


def test_wrong_scram_password_is_refused(kafka_broker: str) -> None:
    creds = replace(kafka_credentials("central"), password="not-the-password")
    assert not cluster_ready(kafka_broker, 6.0, credentials=creds)


def test_unknown_user_is_refused(kafka_broker: str) -> None:
    creds = replace(kafka_credentials("central"), username="mallory")
    assert not cluster_ready(kafka_broker, 6.0, credentials=creds)


def test_client_that_does_not_trust_our_ca_is_refused(kafka_broker: str, tmp_path: Path) -> None:
    """A client with another CA cannot verify the broker: a man in the middle with his own
    certificate would be refused the same way."""
    other = CertificateAuthority.ensure(tmp_path / "other-ca", name="Someone else's CA")
    creds = replace(kafka_credentials("admin"), ca_file=other.cert_file)
    assert not cluster_ready(kafka_broker, 6.0, credentials=creds)


def test_broker_certificate_names_the_hosts_clients_use(kafka_broker: str) -> None:
    from ev_common.pki import cert_hosts
    from tests.helpers import session_kafka_dir
    certs = list(Path(session_kafka_dir()).parent.glob("kafka*/pki/kafka-broker.pem"))
    assert certs, "the session broker's certificate"
    assert {"localhost", "127.0.0.1"} <= set(cert_hosts(certs[0]))


@pytest.mark.parametrize("host", ["localhost"])
def test_host_name_in_the_certificate_is_accepted(kafka_broker: str, host: str) -> None:
    port = kafka_broker.rsplit(":", 1)[1]
    assert cluster_ready(f"{host}:{port}", 6.0, credentials=kafka_credentials("admin"))
