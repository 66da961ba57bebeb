"""The ACL table (ev_common/kafka/acl.py, docs/security.md) enforced by the real secure broker:
for every role principal, every allowed read/write works and every other one is refused."""
from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kerr

from ev_common.kafka.acl import TABLE
from ev_common.topics import Topics
from tests.helpers import grant_prefix, kafka_credentials, kafka_security

ALL = ("driver_requests", "driver_notifications", "cp_events", "cp_commands", "operator_commands",
       "cp_state", "central_heartbeat", "central_activity", "dead_letters")


@pytest.fixture(scope="module")
def granted(kafka_broker: str, tmp_path_factory) -> Topics:
    """Topics of a fresh prefix, its ACLs, and one record (written by admin) in each."""
    from ev_common.kafka.admin import ensure_topics
    t = Topics(prefix=f"acl{time.monotonic_ns() % 10**9}")
    ensure_topics(kafka_broker, t)
    grant_prefix(kafka_broker, t.prefix)
    kp = KafkaProducer(bootstrap_servers=kafka_broker, **kafka_security("admin"))
    for topic in t.all():
        kp.send(topic, key=b"k", value=b"seed", partition=0).get(30)
    kp.close()
    return t


def can_write(bootstrap: str, principal: str, topic: str) -> bool:
    """A fresh producer per try: kafka-python keeps failing a producer that once met an
    unauthorized topic, which would blur the next answer."""
    kp = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=10000, **kafka_security(principal))
    try:
        kp.send(topic, key=b"k", value=principal.encode(), partition=0).get(20)
        return True
    except kerr.TopicAuthorizationFailedError:
        return False
    finally:
        kp.close(timeout=1)


def can_read(bootstrap: str, principal: str, topic: str, timeout: float = 20.0) -> bool:
    """True once the seed record is read; False as soon as the broker refuses (an error from
    the fetch, or the topic's metadata marked unauthorized)."""
    kc = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                       fetch_max_wait_ms=100, **kafka_security(principal))
    try:
        tp = TopicPartition(topic, 0)
        kc.assign([tp])
        kc.seek_to_beginning(tp)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if any(kc.poll(timeout_ms=200).values()):
                    return True
            except kerr.TopicAuthorizationFailedError:
                return False
            if topic in kc._client.cluster.unauthorized_topics:  # noqa: SLF001
                return False
        raise AssertionError(f"{principal} on {topic}: neither a record nor a refusal in {timeout}s")
    finally:
        kc.close()


@pytest.mark.parametrize("principal", sorted(TABLE))
def test_each_role_writes_only_its_topics(kafka_broker: str, granted: Topics, principal: str) -> None:
    allowed = set(TABLE[principal].write)
    result = {attr: can_write(kafka_broker, principal, getattr(granted, attr)) for attr in ALL}
    assert {a for a, ok in result.items() if ok} == allowed, result


@pytest.mark.parametrize("principal", sorted(TABLE))
def test_each_role_reads_only_its_topics(kafka_broker: str, granted: Topics, principal: str) -> None:
    allowed = set(TABLE[principal].read)
    result = {attr: can_read(kafka_broker, principal, getattr(granted, attr)) for attr in ALL}
    assert {a for a, ok in result.items() if ok} == allowed, result


def test_only_central_may_create_topics(kafka_broker: str, granted: Topics) -> None:
    from kafka.admin import NewTopic

    from ev_common.kafka.admin import admin_client
    for principal, allowed in (("cp", False), ("driver", False), ("operator", False), ("central", True)):
        admin = admin_client(kafka_broker, 10, credentials=kafka_credentials(principal))
        try:
            name = f"{granted.prefix}.extra-{principal}"
            try:
                admin.create_topics([NewTopic(name, 1, 1)], timeout_ms=10000)
                created = True
            except kerr.TopicAuthorizationFailedError:
                created = False
            assert created == allowed, principal
        finally:
            admin.close()


def test_a_role_cannot_read_through_a_group_it_has_no_right_to(kafka_broker: str, granted: Topics) -> None:
    """Consumer groups are ACL'd too: the cp principal may read its commands topic manually,
    but not join Central's group."""
    kc = KafkaConsumer(granted.cp_commands, bootstrap_servers=kafka_broker,
                       group_id=f"{granted.prefix}.central", enable_auto_commit=False,
                       **kafka_security("cp"))
    try:
        with pytest.raises(kerr.GroupAuthorizationFailedError):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                kc.poll(timeout_ms=200)
            raise AssertionError("joined Central's group without the right")
    finally:
        kc.close()
