"""Each diagnosis the field needs, proven against real sockets and real Kafka brokers."""
from __future__ import annotations

import re
import threading
import time

import pytest
from kafka import KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata

from ev_common.kafka.broker import free_port
from ev_common.topics import Topics
from ev_desktop.diagnostics import network_steps
from ev_desktop.diagnostics import runner as diagnostics
from ev_desktop.diagnostics.runner import (
    LAG_WARNING, STEPS, Detail, StepStatus, parse_bootstrap, run_diagnostics,
)
from tests.diagnostics.conftest import UNREACHABLE_ADVERTISED_HOST
from tests.diagnostics.netns import (
    DROPPED_ADDR, UNROUTED_ADDR, NetnsUnavailable, blackhole_namespace,
)
from tests.diagnostics.servers import tcp_server
from tests.helpers import wait_until
from tests.helpers import kafka_security

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
    monkeypatch.setattr(network_steps, "_resolve", boom)
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
    # bootstrap on 127.0.0.1: the broker is this machine; its network address is the fix, or
    # the advertised name must resolve
    assert advertised.params["reason"] == Detail("reason.unresolvable", {"host": UNREACHABLE_ADVERTISED_HOST})
    assert "<IP de esta máquina en la red>" in advertised.action
    assert "--listen-host 0.0.0.0" in advertised.action
    assert f"«{UNREACHABLE_ADVERTISED_HOST}» se resuelva" in advertised.action
    assert "PC2" not in advertised.action
    assert_skipped_after(report, "advertised")


def test_advertised_fix_names_the_host_the_user_configured(misadvertised_broker, monkeypatch):
    """Reached through a name (kafka-central.lan → the broker), the advice is that very name."""
    port = misadvertised_broker.rsplit(":", 1)[1]
    real_resolve = network_steps._resolve

    def resolve(host, p):
        return real_resolve("127.0.0.1" if host == "kafka-central.lan" else host, p)

    monkeypatch.setattr(network_steps, "_resolve", resolve)
    report = run_diagnostics(f"kafka-central.lan:{port}", ANY_TOPICS, timeout_s=TIMEOUT)
    advertised = report.step("advertised")
    assert advertised.code == "advertised.unreachable", report.as_text()
    assert advertised.params["advice"][0] == Detail(
        "fix.advertised_configured", {"fix_host": "kafka-central.lan", "port": int(port),
                                      "protocol": "SASL_SSL"})
    assert f"advertised.listeners=SASL_SSL://kafka-central.lan:{port}" in advertised.action
    assert "--advertised-host kafka-central.lan" in advertised.action
    assert "<" not in advertised.action and "PC2" not in advertised.action


def test_healthy_broker_all_ok_with_latency_and_lag(kafka_broker, topics):
    # a consumer group 2 messages behind on one partition of cp_events
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker, bootstrap_timeout_ms=10000, **kafka_security())
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=kafka_broker, bootstrap_timeout_ms=10000, **kafka_security())
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

    report = run_diagnostics(kafka_broker, topics, group_ids=[group], timeout_s=5.0,
                             reader_lags=lambda: {"directory": 0, "central_watch": 1})
    assert all(s.status is StepStatus.OK for s in report.steps), report.as_text()
    assert report.ok and report.diagnosis.code == "ok"
    roundtrip = report.step("roundtrip")
    assert 0 < roundtrip.facts["latency_ms"] < 5000
    assert roundtrip.params["latency_ms"] in report.diagnosis.text
    lag = report.step("lag")
    assert lag.params["groups"] == {group: 2}
    assert lag.facts[group] == Detail("fact.group_lag", {"lag": 2, "partitions": 1})
    assert lag.params["readers"] == {"directory": 0, "central_watch": 1}
    assert f"La CENTRAL está al día: 2 mensajes pendientes de procesar (grupo {group})" in lag.explanation
    assert "Esta aplicación está al día" in lag.explanation
    assert report.step("metadata").facts["brokers"] == f"1={kafka_broker}"

    text = report.as_text()
    assert kafka_broker in text and "Resultado: [ok]" in text
    for step in report.steps:
        assert f"[{step.id}] — CORRECTO" in text
    assert "   - estado de los puntos de carga: 0 mensajes por leer" in text


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


# -- the lag step: Central's group and this app's own readers ------------------------------

def test_lag_step_reports_the_apps_own_readers_behind(kafka_broker, topics):
    """The app's readers keep their positions locally (no group): their lag comes from the
    caller, and a reader far behind is a warning in plain words, with what to do."""
    calls = []

    def reader_lags():
        calls.append(threading.current_thread().name)
        return {"directory": LAG_WARNING + 150, "central_watch": 0, "events": None}

    report = run_diagnostics(kafka_broker, topics, timeout_s=5.0, reader_lags=reader_lags)
    lag = report.step("lag")
    assert len(calls) == 1
    assert lag.status is StepStatus.WARNING and lag.code == "lag.behind", report.as_text()
    assert lag.params["readers"] == {"directory": LAG_WARNING + 150, "central_watch": 0, "events": None}
    assert (f"Esta aplicación va retrasada: le quedan {LAG_WARNING + 150} mensajes por leer"
            in lag.explanation)
    assert "estado de los puntos de carga: 250 por leer" in lag.explanation
    assert "eventos en directo: sin datos todavía" in lag.explanation
    assert "lo que ve en pantalla puede no estar actualizado" in lag.explanation
    assert "reinicie la aplicación" in lag.action
    assert report.diagnosis.code == "ok.warnings"
    assert "Esta aplicación va retrasada" in report.diagnosis.text


def test_lag_step_with_central_behind_and_readers_failing(kafka_broker, topics):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka_broker, bootstrap_timeout_ms=10000, **kafka_security())
    for i in range(LAG_WARNING + 5):
        producer.send(topics.driver_requests, value=b"r%d" % i, partition=0)
    producer.flush(10)
    producer.close()
    group = f"{topics.prefix}.central"
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker, bootstrap_timeout_ms=10000, **kafka_security())
    tp = TopicPartition(topics.driver_requests, 0)

    def committed() -> bool:
        admin.alter_group_offsets(group, {tp: OffsetAndMetadata(0, "", -1)})
        return tp in admin.list_group_offsets(group).get(group, {})

    wait_until(committed, timeout=30, message="group offsets committed")
    admin.close()

    def broken():
        raise RuntimeError("reader gone")

    report = run_diagnostics(kafka_broker, topics, group_ids=[group], timeout_s=5.0, reader_lags=broken)
    lag = report.step("lag")
    # the callable's failure is reported, never raised; Central's part is still there
    assert lag.code == "lag.failed" and lag.status is StepStatus.FAILED, report.as_text()
    assert lag.params["groups"][group] >= LAG_WARNING + 5
    assert "La CENTRAL va retrasada" in lag.explanation
    assert "reader gone" in lag.explanation
    assert report.step("roundtrip").status is StepStatus.OK


def test_engine_results_carry_no_sentences(dead_port):
    """Params and facts are data (addresses, numbers, raw errors, Detail codes): the words are
    the catalogue's, rendered in the caller's language."""
    report = run_diagnostics(f"127.0.0.1:{dead_port}", ANY_TOPICS, timeout_s=TIMEOUT)
    spanish = re.compile(r"[áéíóúñ¿¡«»]|\b(no se|aquí|pendientes|conectado|rechazada|tras)\b")

    def walk(value):
        if isinstance(value, Detail):
            yield value.code
            yield from walk(value.params)
        elif isinstance(value, dict):
            for k, v in value.items():
                yield str(k)
                yield from walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from walk(v)
        else:
            yield str(value)

    for step in report.steps:
        for text in walk([step.params, step.facts]):
            assert not spanish.search(text), (step.id, text)
    assert report.step("tcp").facts[f"127.0.0.1:{dead_port}"].params["reason"] == Detail(
        "reason.refused", {"error": "Connection refused"})
