"""Small admin helpers: readiness probe and idempotent topic creation.

kafka-python 3 admin clients bootstrap in their constructor and block up to
``bootstrap_timeout_ms``; every call here passes a short one so callers stay responsive.
"""
from __future__ import annotations

import logging

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from ev_common.topics import Topics

log = logging.getLogger(__name__)


def admin_client(bootstrap: str, timeout_s: float = 5.0, client_id: str = "ev-admin") -> KafkaAdminClient:
    ms = int(timeout_s * 1000)
    return KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id=client_id,
                            bootstrap_timeout_ms=ms, request_timeout_ms=max(ms, 1000),
                            reconnect_backoff_max_ms=500)


def cluster_ready(bootstrap: str, timeout_s: float = 2.0) -> bool:
    """True when the cluster answers a describe-cluster request within *timeout_s*."""
    try:
        admin = admin_client(bootstrap, timeout_s)
    except (KafkaError, OSError, ValueError):
        return False
    try:
        admin.describe_cluster()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def ensure_topics(bootstrap: str, topics: Topics, timeout_s: float = 10.0) -> None:
    """Create every topic of *topics* that does not exist yet (safe to call concurrently)."""
    admin = admin_client(bootstrap, timeout_s)
    try:
        existing = set(admin.list_topics())
        configs = topics.creation_configs()
        missing = [NewTopic(name=t, num_partitions=topics.partitions(t), replication_factor=1,
                            topic_configs=configs.get(t, {}))
                   for t in topics.all() if t not in existing]
        for topic in missing:  # one by one: a concurrent creator must not fail the others
            try:
                admin.create_topics([topic], timeout_ms=int(timeout_s * 1000))
                log.info("created topic %s", topic.name)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
