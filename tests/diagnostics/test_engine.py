"""Each diagnosis the field needs, proven against real sockets and real Kafka brokers."""
from __future__ import annotations

import threading
import time

import pytest
from kafka import KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata

from ev_common.kafka.broker import free_port
from ev_common.topics import Topics
from ev_desktop.kafka import diagnostics
from ev_desktop.kafka.diagnostics import STEPS, StepStatus, parse_bootstrap, run_diagnostics
from tests.diagnostics.conftest import UNREACHABLE_ADVERTISED_HOST
from tests.diagnostics.netns import (
    DROPPED_ADDR, UNROUTED_ADDR, NetnsUnavailable, blackhole_namespace,
)
from tests.diagnostics.servers import tcp_server
from tests.helpers import wait_until

TIMEOUT = 2.0
ANY_TOPICS = Topics("diagtest")


def statuses(report) -> dict[str, StepStatus]:
    return {s.id: s.status for s in report.steps}


def assert_skipped_after(report, step_id: str) -> None:
    ids = [sid for sid, _ in STEPS]
    for later in ids[ids.index(step_id) + 1:]:
        step = report.step(later)
        assert step.status is StepStatus.SKIPPED, later
        assert step.code == "skipped.after_failure"


# -- unit level ----------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("127.0.0.1:9092", [("127.0.0.1", 9092)]),
    ("pc2", [("pc2", 9092)]),
    (" a:1 , b:2 ", [("a", 1), ("b", 2)]),
    ("[::1]:9093", [("::1", 9093)]),
])
def test_parse_bootstrap(value, expected):
    assert parse_bootstrap(value) == expected


@pytest.mark.parametrize("value", ["", "host:port", "host:0", "host:70000", ":9092"])
def test_parse_bootstrap_rejects(value):
    with pytest.raises(ValueError):
        parse_bootstrap(value)


def test_bad_address_is_reported_not_raised():
    report = run_diagnostics("pc2:notaport", ANY_TOPICS, timeout_s=TIMEOUT)
    assert report.diagnosis.code == "resolve.bad_address"
    assert "pc2:notaport" in report.diagnosis.text
    assert_skipped_after(report, "resolve")


def test_engine_never_raises(monkeypatch):
    def boom(host, port):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(diagnostics, "_resolve", boom)
    report = run_diagnostics("127.0.0.1:1", ANY_TOPICS, timeout_s=TIMEOUT)
    assert report.diagnosis.code == "internal.error"
    assert "disk on fire" in report.diagnosis.text
    assert "disk on fire" in report.as_text()


def test_cancel_skips_remaining_steps(dead_port):
    cancel = threading.Event()
    cancel.set()
    report = run_diagnostics(f"127.0.0.1:{dead_port}", ANY_TOPICS, cancel=cancel)
    assert all(s.code == "skipped.cancelled" for s in report.steps)
    assert report.diagnosis.code == "cancelled"


def test_on_step_sees_every_step_in_order_and_its_errors_are_ignored(dead_port):
    seen = []

    def on_step(step):
        seen.append(step.id)
        raise ValueError("a buggy listener must not break the diagnostics")

    report = run_diagnostics(f"127.0.0.1:{dead_port}", ANY_TOPICS, on_step=on_step)
    assert seen == [sid for sid, _ in STEPS] == [s.id for s in report.steps]


# -- the required diagnoses ----------------------------------------------------------------

def test_no_broker_running_is_connection_refused(dead_port):
    report = run_diagnostics(f"127.0.0.1:{dead_port}", ANY_TOPICS, timeout_s=TIMEOUT)
    assert report.step("resolve").status is StepStatus.OK
    tcp = report.step("tcp")
    assert tcp.status is StepStatus.FAILED and tcp.code == "tcp.refused"
    assert report.diagnosis.code == "tcp.refused"
    assert f"no hay nada escuchando en 127.0.0.1:{dead_port}" in report.diagnosis.text
    assert "¿está Kafka arrancado?" in report.diagnosis.text
    assert_skipped_after(report, "tcp")
    assert report.duration_ms < 1000


def test_wrong_port_names_the_port(kafka_broker):
    broker_port = int(kafka_broker.rsplit(":", 1)[1])
    wrong = free_port()
    assert wrong != broker_port
    report = run_diagnostics(f"127.0.0.1:{wrong}", ANY_TOPICS, timeout_s=TIMEOUT)
    assert report.diagnosis.code == "tcp.refused"
    assert f"127.0.0.1:{wrong}" in report.diagnosis.text
    assert str(broker_port) not in report.diagnosis.text
    assert "¿es el puerto correcto?" in report.diagnosis.text


def test_unresolvable_host():
    report = run_diagnostics("kafka-noexiste.invalid:9092", ANY_TOPICS, timeout_s=TIMEOUT)
    step = report.step("resolve")
    assert step.status is StepStatus.FAILED and step.code == "resolve.unresolvable"
    assert report.diagnosis.code == "resolve.unresolvable"
    assert "kafka-noexiste.invalid" in report.diagnosis.text
    assert "no se puede resolver" in report.diagnosis.text.lower()
    assert_skipped_after(report, "resolve")


def test_dropped_packets_are_a_timeout_blaming_a_firewall():
    """A genuine SYN drop (see netns.py): connect times out after exactly our timeout."""
    try:
        with blackhole_namespace() as run_inside:
            t0 = time.monotonic()
            report = run_inside(lambda: run_diagnostics(f"{DROPPED_ADDR}:9092", ANY_TOPICS,
                                                        timeout_s=TIMEOUT))
            elapsed = time.monotonic() - t0
    except NetnsUnavailable as exc:
        pytest.skip(f"no way to drop packets on this machine: {exc}")
    assert report.diagnosis.code == "tcp.timeout"
    assert f"{DROPPED_ADDR}:9092" in report.diagnosis.text
    assert "cortafuegos" in report.diagnosis.text
    assert TIMEOUT <= elapsed < TIMEOUT + 2.0
    assert_skipped_after(report, "tcp")


def test_no_route_is_network_unreachable():
    try:
        with blackhole_namespace() as run_inside:
            report = run_inside(lambda: run_diagnostics(f"{UNROUTED_ADDR}:9092", ANY_TOPICS,
                                                        timeout_s=TIMEOUT))
    except NetnsUnavailable as exc:
        pytest.skip(f"no network namespace on this machine: {exc}")
    assert report.diagnosis.code == "tcp.unreachable"
    assert UNROUTED_ADDR in report.diagnosis.text
    assert report.duration_ms < 1000


def test_silent_listener_is_not_kafka():
    with tcp_server(reply=None) as port:
        t0 = time.monotonic()
        report = run_diagnostics(f"127.0.0.1:{port}", ANY_TOPICS, timeout_s=TIMEOUT)
        elapsed = time.monotonic() - t0
    assert report.step("tcp").status is StepStatus.OK
    assert report.diagnosis.code == "handshake.silent"
    assert f"127.0.0.1:{port}" in report.diagnosis.text
    assert "no es Kafka" in report.diagnosis.text
    assert elapsed < TIMEOUT + 1.5
    assert_skipped_after(report, "handshake")


def test_garbage_speaking_listener_is_not_kafka():
    with tcp_server(reply=b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as port:
        report = run_diagnostics(f"127.0.0.1:{port}", ANY_TOPICS, timeout_s=TIMEOUT)
    assert report.diagnosis.code == "handshake.garbage"
    assert "HTTP/1.1" in report.diagnosis.text
    assert "no es Kafka" in report.diagnosis.text
    assert_skipped_after(report, "handshake")


def test_listener_that_hangs_up_is_not_kafka():
    with tcp_server(reply=b"") as port:
        report = run_diagnostics(f"127.0.0.1:{port}", ANY_TOPICS, timeout_s=TIMEOUT)
    assert report.diagnosis.code == "handshake.closed"
    assert "no es un broker Kafka" in report.diagnosis.text


def test_unreachable_advertised_address_is_the_advertised_listeners_mistake(misadvertised_broker):
    port = int(misadvertised_broker.rsplit(":", 1)[1])
    report = run_diagnostics(misadvertised_broker, ANY_TOPICS, timeout_s=TIMEOUT)
    for step_id in ("resolve", "tcp", "handshake", "metadata"):
        assert report.step(step_id).status is StepStatus.OK, report.as_text()
    metadata = report.step("metadata")
    assert metadata.facts["brokers"] == f"1={UNREACHABLE_ADVERTISED_HOST}:{port}"
    assert metadata.facts["cluster_id"]
    advertised = report.step("advertised")
    assert advertised.status is StepStatus.FAILED
    assert report.diagnosis.code == "advertised.unreachable"
    text = report.diagnosis.text
    assert f"El broker se anuncia como {UNREACHABLE_ADVERTISED_HOST}:{port}" in text
    assert "Ajuste advertised.listeners" in text
    assert "IP de PC2" in advertised.action
    assert_skipped_after(report, "advertised")


def test_healthy_broker_all_ok_with_latency_and_lag(kafka_broker, topics):
    # a consumer group 2 messages behind on one partition of cp_events
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker, bootstrap_timeout_ms=10000)
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=kafka_broker, bootstrap_timeout_ms=10000)
    for i in range(3):
        producer.send(topics.cp_events, key=b"k", value=b"v%d" % i, partition=0).get(10)
    producer.close()
    group = f"{topics.prefix}.lag-test"
    # a fresh broker may not have its group coordinator yet: retry until it does
    tp = TopicPartition(topics.cp_events, 0)

    def committed() -> bool:
        admin.alter_group_offsets(group, {tp: OffsetAndMetadata(1, "", -1)})
        return tp in admin.list_group_offsets(group).get(group, {})

    wait_until(committed, timeout=30, message="group offsets committed")
    admin.close()

    report = run_diagnostics(kafka_broker, topics, group_ids=[group], timeout_s=5.0)
    assert all(s.status is StepStatus.OK for s in report.steps), report.as_text()
    assert report.ok and report.diagnosis.code == "ok"
    roundtrip = report.step("roundtrip")
    assert 0 < roundtrip.facts["latency_ms"] < 5000
    assert roundtrip.params["latency_ms"] in report.diagnosis.text
    assert report.step("lag").facts[group].startswith("2 mensajes pendientes")
    assert report.step("metadata").facts["brokers"] == f"1={kafka_broker}"

    text = report.as_text()
    assert kafka_broker in text and "Resultado: [ok]" in text
    for step in report.steps:
        assert f"[{step.id}] — OK" in text


def test_missing_topics_fail_but_round_trip_still_runs(kafka_broker):
    report = run_diagnostics(kafka_broker, Topics("nonexistent-prefix"), timeout_s=5.0)
    assert report.diagnosis.code == "topics.missing"
    assert "nonexistent-prefix.driver.requests" in report.diagnosis.text
    assert report.step("roundtrip").status is StepStatus.OK
    assert report.step("lag").code == "lag.none"


def test_one_dead_bootstrap_server_among_good_ones_is_a_warning(kafka_broker, topics, dead_port):
    report = run_diagnostics(f"127.0.0.1:{dead_port},{kafka_broker}", topics, timeout_s=5.0)
    assert report.step("tcp").status is StepStatus.WARNING
    assert report.step("roundtrip").status is StepStatus.OK
    assert report.diagnosis.code == "ok.warnings", report.as_text()
    assert f"127.0.0.1:{dead_port}" in report.diagnosis.text
