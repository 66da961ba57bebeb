"""The diagnostics' TLS, SASL and authorization steps: each failure named in plain Spanish,
with what to do — against the real secure broker and real TLS endpoints."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from ev_common.kafka.broker import BrokerConfig, LocalBroker, free_port
from ev_common.kafka.security import set_process_credentials
from ev_common.pki import CertificateAuthority
from ev_common.topics import Topics
from ev_desktop.diagnostics.runner import StepStatus, run_diagnostics
from tests.diagnostics.servers import tls_server
from tests.helpers import grant_prefix, kafka_credentials

TIMEOUT = 5.0


def test_secure_broker_all_steps_ok_for_admin(kafka_broker, topics) -> None:
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT, credentials=kafka_credentials("admin"))
    for step in ("tls", "handshake", "sasl", "metadata", "topics", "access", "roundtrip"):
        assert report.step(step).status is StepStatus.OK, (step, report.step(step).code)
    assert report.step("sasl").code == "sasl.ok"
    assert "admin" in report.step("sasl").explanation


def test_role_with_its_rights_passes_and_skips_only_the_round_trip(kafka_broker, topics) -> None:
    grant_prefix(kafka_broker, topics.prefix)
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT, credentials=kafka_credentials("driver"))
    assert report.step("access").code == "access.ok"
    assert report.step("roundtrip").code == "roundtrip.not_allowed"
    assert report.diagnosis.code == "ok.no_roundtrip"


def test_missing_permissions_name_the_topics_and_the_grant_command(kafka_broker, topics) -> None:
    """No ACLs for this prefix yet: the driver principal may use none of its topics."""
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT, credentials=kafka_credentials("driver"))
    access = report.step("access")
    assert access.status is StepStatus.FAILED and access.code == "access.denied"
    assert f"escribir en {topics.driver_requests}" in access.explanation
    assert f"leer {topics.cp_state}" in access.explanation
    assert f"ev-kafka grant --topic-prefix {topics.prefix}" in access.action


def test_wrong_password_is_told_apart_from_other_failures(kafka_broker, topics) -> None:
    creds = replace(kafka_credentials("cp"), password="wrong")
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT, credentials=creds)
    assert report.step("tls").status is StepStatus.OK
    assert report.diagnosis.code == "sasl.bad_credentials"
    assert "«cp»" in report.diagnosis.text
    assert "ev-kafka rotate-user cp" in report.step(report.diagnosis.step_id).action


def test_unsupported_mechanism_lists_what_the_broker_offers(kafka_broker, topics) -> None:
    creds = replace(kafka_credentials("cp"), sasl_mechanism="SCRAM-SHA-256")
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT, credentials=creds)
    assert report.diagnosis.code == "sasl.mechanism"
    assert "SCRAM-SHA-512" in report.diagnosis.text


def test_certificate_from_another_ca_is_untrusted(kafka_broker, topics, tmp_path: Path) -> None:
    other = CertificateAuthority.ensure(tmp_path / "other")
    creds = replace(kafka_credentials("cp"), ca_file=other.cert_file)
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT, credentials=creds)
    assert report.diagnosis.code == "tls.untrusted"
    assert str(other.cert_file) in report.diagnosis.text


def test_host_name_not_in_the_certificate_is_a_mismatch(tmp_path: Path) -> None:
    ca = CertificateAuthority.ensure(tmp_path / "ca")
    files = ca.issue(tmp_path / "ca", "elsewhere", ["kafka.example"])
    creds = replace(kafka_credentials("cp"), ca_file=ca.cert_file)
    with tls_server(files.cert, files.key) as port:
        report = run_diagnostics(f"127.0.0.1:{port}", Topics("x"), timeout_s=TIMEOUT, credentials=creds)
    assert report.diagnosis.code == "tls.host_mismatch"
    assert "kafka.example" in report.diagnosis.text and "«127.0.0.1»" in report.diagnosis.text


def test_expired_certificate_is_named_with_its_date(tmp_path: Path) -> None:
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    ca = CertificateAuthority.ensure(tmp_path / "ca", now=lambda: long_ago)
    files = ca.issue(tmp_path / "ca", "old", ["127.0.0.1"], now=lambda: long_ago)
    creds = replace(kafka_credentials("cp"), ca_file=ca.cert_file)
    with tls_server(files.cert, files.key) as port:
        report = run_diagnostics(f"127.0.0.1:{port}", Topics("x"), timeout_s=TIMEOUT, credentials=creds)
    assert report.diagnosis.code == "tls.expired"
    assert "caducado" in report.diagnosis.text and "2022" in report.diagnosis.text


def test_app_without_credentials_facing_the_secure_broker_is_told_to_configure_them(
        kafka_broker, topics) -> None:
    set_process_credentials(None, plaintext=True)   # reset after the test by conftest
    report = run_diagnostics(kafka_broker, topics, timeout_s=TIMEOUT)
    assert report.diagnosis.code == "tls.required"
    assert "--kafka-credentials" in report.step(report.diagnosis.step_id).action


@pytest.fixture(scope="module")
def plaintext_broker(tmp_path_factory):
    cfg = BrokerConfig(data_dir=tmp_path_factory.mktemp("kafka-plain"), port=free_port(),
                       controller_port=free_port(), heap_mb=384, plaintext=True)
    broker = LocalBroker(cfg)
    broker.start(timeout=150)
    yield cfg.bootstrap
    broker.stop()


def test_secure_app_facing_a_plaintext_broker_says_so(plaintext_broker) -> None:
    report = run_diagnostics(plaintext_broker, Topics("x"), timeout_s=TIMEOUT,
                             credentials=kafka_credentials("cp"))
    assert report.diagnosis.code == "tls.not_tls"
    assert "sin cifrar" in report.diagnosis.text


def test_plaintext_app_on_a_plaintext_broker_warns_that_nothing_is_encrypted(plaintext_broker) -> None:
    set_process_credentials(None, plaintext=True)
    report = run_diagnostics(plaintext_broker, Topics("x"), timeout_s=TIMEOUT)
    assert report.step("tls").status is StepStatus.WARNING
    assert report.step("tls").code == "tls.plaintext"
    assert report.step("metadata").status is StepStatus.OK
