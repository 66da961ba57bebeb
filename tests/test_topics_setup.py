"""Topics are created right, against real brokers and a real Central:
never auto-created, compacted state topic even when Kafka starts after Central, existing
topics repaired where safe and refused with a sentence otherwise."""
from __future__ import annotations

from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from ev_common.kafka.admin import TopicSetupError, admin_client, ensure_topics, replication_settings
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.central.support import seed_db, sqlite_url
from tests.helpers import Proc, start_private_broker, wait_until


def topic_config(bootstrap: str, topic: str, key: str) -> str | None:
    admin = admin_client(bootstrap, 10)
    try:
        res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={key: None})],
                                     config_filter="all")
        return res["topic"][topic][key]["value"]
    finally:
        admin.close()


def existing_topics(bootstrap: str) -> set[str]:
    admin = admin_client(bootstrap, 10)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def central_proc(name: str, bootstrap: str, topics: Topics, tmp_path: Path) -> Proc:
    data = tmp_path / name
    data.mkdir()
    url = sqlite_url(data / "central.db")
    seed_db(url)
    return Proc(name, ["-m", "central_service.cli", "--port", str(free_port()), "--host", "127.0.0.1",
                       "--bootstrap-servers", bootstrap, "--db", url, "--data-dir", str(data),
                       "--topic-prefix", topics.prefix, "--heartbeat-interval", "0.2"], tmp_path)


def test_central_started_before_kafka_gets_a_compacted_state_topic(tmp_path: Path) -> None:
    """The field report: Central up first (its outbox already holds heartbeats), Kafka later.
    The state topic must come up compacted, created by Central, not auto-created by a send."""
    broker = start_private_broker(tmp_path)
    topics = Topics("late")
    central = central_proc("central", broker.config.bootstrap, topics, tmp_path)
    try:
        central.wait_output("Central ready", 60)
        bootstrap = broker.start(timeout=120)
        central.wait_output("topics late.* ready", 90)
        wait_until(lambda: set(topics.all()) <= existing_topics(bootstrap), timeout=30,
                   message="every topic visible in the metadata")
        assert topic_config(bootstrap, topics.cp_state, "cleanup.policy") == "compact"
        assert topic_config(bootstrap, topics.central_heartbeat, "retention.ms") == "600000"
        assert "auto-created" not in central.output()
    finally:
        central.stop()
        broker.stop(hard=True)


def test_sending_to_a_topic_nobody_created_does_not_create_it(kafka_broker: str, tmp_path: Path) -> None:
    """The broker has auto.create.topics.enable=false and our clients never ask for it: the
    record waits in the outbox until the topic is created with its settings."""
    from ev_common import contract
    from ev_common.kafka.producer import ReliableProducer
    topics = Topics(f"nc{free_port()}")
    producer = ReliableProducer(kafka_broker, tmp_path / "o.sqlite3", client_id="nc")
    try:
        producer.send(topics.cp_state, contract.envelope(contract.EngineOnline(cp_id="CP1"), source="t"))
        wait_until(lambda: producer.status().last_error, timeout=30, message="send refused: no topic")
        assert topics.cp_state not in existing_topics(kafka_broker)
        ensure_topics(kafka_broker, topics)
        wait_until(lambda: producer.status().queued == 0, timeout=60, message="delivered once created")
        assert topic_config(kafka_broker, topics.cp_state, "cleanup.policy") == "compact"
    finally:
        producer.close()


def test_wrong_cleanup_policy_of_an_existing_state_topic_is_repaired(kafka_broker: str) -> None:
    topics = Topics(f"rp{free_port()}")
    admin = admin_client(kafka_broker, 10)
    try:
        admin.create_topics([NewTopic(topics.cp_state, 6, 1, topic_configs={"cleanup.policy": "delete"})])
    finally:
        admin.close()
    ensure_topics(kafka_broker, topics)
    assert topic_config(kafka_broker, topics.cp_state, "cleanup.policy") == "compact"
    assert topic_config(kafka_broker, topics.cp_state, "min.insync.replicas") == "1"


def test_too_few_partitions_are_refused_with_a_sentence(kafka_broker: str) -> None:
    topics = Topics(f"fp{free_port()}")
    admin = admin_client(kafka_broker, 10)
    try:
        admin.create_topics([NewTopic(topics.cp_events, 2, 1)])
    finally:
        admin.close()
    with pytest.raises(TopicSetupError, match="break the per-key order"):
        ensure_topics(kafka_broker, topics)


def test_central_refuses_to_run_on_a_topic_it_cannot_repair(kafka_broker: str, tmp_path: Path) -> None:
    topics = Topics(f"cr{free_port()}")
    admin = admin_client(kafka_broker, 10)
    try:
        admin.create_topics([NewTopic(topics.driver_requests, 1, 1)])
    finally:
        admin.close()
    central = central_proc("central", kafka_broker, topics, tmp_path)
    try:
        assert central.popen.wait(90) == 1
        assert "would move keys to other partitions" in central.output()
    finally:
        central.stop()


def test_replication_defaults_follow_the_cluster_and_are_configurable(monkeypatch) -> None:
    monkeypatch.delenv("EV_KAFKA_REPLICATION_FACTOR", raising=False)
    monkeypatch.delenv("EV_KAFKA_MIN_INSYNC_REPLICAS", raising=False)
    assert replication_settings(1) == (1, 1)
    assert replication_settings(5) == (3, 2)
    assert replication_settings(5, replication_factor=2) == (2, 1)
    monkeypatch.setenv("EV_KAFKA_REPLICATION_FACTOR", "2")
    monkeypatch.setenv("EV_KAFKA_MIN_INSYNC_REPLICAS", "2")
    assert replication_settings(5) == (2, 2)
    with pytest.raises(TopicSetupError):
        replication_settings(5, replication_factor=1, min_insync=2)
