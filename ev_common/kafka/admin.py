"""Small admin helpers: readiness probe and topic creation *with the right settings*.

kafka-python 3 admin clients bootstrap in their constructor and block up to
``bootstrap_timeout_ms``; every call here passes a short one so callers stay responsive.

Topics are created only here (the broker has ``auto.create.topics.enable=false`` and our
clients never ask for auto-creation), so each topic gets its settings: the state topic
compacted, the partition counts our keys rely on, a replication factor and
``min.insync.replicas`` fitted to the cluster. Existing topics are checked: a wrong config is
repaired (alter configs), a change that would break per-key order (adding partitions) or that
Kafka cannot make in place (the replication factor) is refused with a sentence saying why.
"""
from __future__ import annotations

import logging
import time

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import InvalidReplicationFactorError, KafkaError, TopicAlreadyExistsError

from ev_common.kafka.security import KafkaCredentials, kafka_kwargs
from ev_common.topics import Topics

log = logging.getLogger(__name__)


class TopicSetupError(RuntimeError):
    """An existing topic has settings that cannot be repaired safely (plain sentence)."""


def admin_client(bootstrap: str, timeout_s: float = 5.0, client_id: str = "ev-admin",
                 credentials: KafkaCredentials | None = None) -> KafkaAdminClient:
    """An admin client on every address of *bootstrap* (a list: any live broker will do);
    ValueError for a malformed list."""
    from ev_common.bootstrap import parse_bootstrap
    from ev_common.kafka.probe import client_bootstrap
    ms = int(timeout_s * 1000)
    return KafkaAdminClient(bootstrap_servers=client_bootstrap(parse_bootstrap(bootstrap)),
                            client_id=client_id,
                            bootstrap_timeout_ms=ms, request_timeout_ms=max(ms, 1000),
                            reconnect_backoff_max_ms=500, **kafka_kwargs(credentials))


def cluster_ready(bootstrap: str, timeout_s: float = 2.0,
                  credentials: KafkaCredentials | None = None) -> bool:
    """True when the cluster answers a describe-cluster request within *timeout_s*."""
    try:
        admin = admin_client(bootstrap, timeout_s, credentials=credentials)
    except (KafkaError, OSError, ValueError):
        return False
    try:
        admin.describe_cluster()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def _env_int(name: str) -> int | None:
    from ev_common.settings import setting
    value = setting(name, "")
    return int(value) if value.strip() else None


def replication_settings(brokers: int, replication_factor: int | None = None,
                         min_insync: int | None = None) -> tuple[int, int]:
    """(replication factor, min.insync.replicas): given, else ``EV_KAFKA_REPLICATION_FACTOR`` /
    ``EV_KAFKA_MIN_INSYNC_REPLICAS``, else min(3, brokers) and one less than that (at least 1),
    so one broker may be down while writes with acks=all go on."""
    rf = replication_factor or _env_int("kafka_replication_factor") or min(3, max(1, brokers))
    isr = min_insync or _env_int("kafka_min_insync_replicas") or max(1, rf - 1)
    if isr > rf:
        raise TopicSetupError(f"min.insync.replicas={isr} is larger than the replication factor {rf}")
    return rf, isr


def ensure_topics(bootstrap: str, topics: Topics, timeout_s: float = 10.0, *,
                  replication_factor: int | None = None, min_insync: int | None = None,
                  credentials: KafkaCredentials | None = None) -> None:
    """Create the missing topics of *topics*, check and repair the existing ones (safe to call
    concurrently). Raises :class:`TopicSetupError` when an existing topic cannot be made right."""
    admin = admin_client(bootstrap, timeout_s, credentials=credentials)
    try:
        # every broker the cluster knows, fenced ones too: a cluster of 3 with one broker down
        # still gets RF 3 (the topic is created once the broker is back or refused with why)
        brokers = len(admin.describe_cluster().get("brokers") or []) or 1
        rf, isr = replication_settings(brokers, replication_factor, min_insync)
        if rf > brokers:
            raise TopicSetupError(f"replication factor {rf} needs {rf} brokers; the cluster has {brokers}")
        existing = set(admin.list_topics())
        configs = topics.creation_configs()
        for name in topics.all():  # one by one: a concurrent creator must not fail the others
            wanted = {**configs.get(name, {}), "min.insync.replicas": str(isr)}
            if name in existing:
                _check_topic(admin, name, topics.partitions(name), rf, wanted)
                continue
            try:
                admin.create_topics([NewTopic(name=name, num_partitions=topics.partitions(name),
                                              replication_factor=rf, topic_configs=wanted)],
                                    timeout_ms=int(timeout_s * 1000))
                log.info("created topic %s (%d partitions, replication %d)", name,
                         topics.partitions(name), rf)
            except TopicAlreadyExistsError:
                _check_topic(admin, name, topics.partitions(name), rf, wanted)
            except InvalidReplicationFactorError as exc:
                raise TopicSetupError(
                    f"topic {name} needs {rf} copies but fewer brokers serve now ({exc}); start "
                    "the missing brokers and try again") from exc
    finally:
        admin.close()


def _check_topic(admin: KafkaAdminClient, name: str, partitions: int, rf: int,
                 wanted: dict[str, str]) -> None:
    # a topic another process is creating right now may show no (or not all) partitions for a
    # moment: only a count that stays short is a wrong topic
    deadline = time.monotonic() + 10.0
    while True:
        meta = admin.describe_topics([name])[0]
        parts = [p for p in meta.get("partitions") or [] if not p.get("error_code")]
        if len(parts) >= partitions or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if len(parts) < partitions:
        raise TopicSetupError(
            f"topic {name} has {len(parts)} partition(s) but needs {partitions}; adding partitions "
            "would move keys to other partitions and break the per-key order, so it is not done "
            "automatically: delete the topic (its records are lost) or recreate it with "
            f"{partitions} partitions")
    copies = min((len(p.get("replica_nodes") or p.get("replicas") or []) for p in parts), default=rf)
    if copies < rf:
        raise TopicSetupError(
            f"topic {name} keeps {copies} cop(ies) of each record but {rf} are wanted; Kafka "
            "cannot change this in place: reassign its partitions (kafka-reassign-partitions) or "
            f"set EV_KAFKA_REPLICATION_FACTOR={copies}")
    current = _topic_configs(admin, name, list(wanted))
    wrong = {k: v for k, v in wanted.items() if current.get(k) != v}
    if wrong:
        log.warning("topic %s: repairing settings %s (were %s)", name, wrong,
                    {k: current.get(k) for k in wrong})
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=wrong)],
                            raise_on_unknown=False)  # no cluster-wide describe needed
        # the broker answers before the change reaches its metadata: return once it is seen
        deadline = time.monotonic() + 15.0
        while time.monotonic() < deadline:
            now = _topic_configs(admin, name, list(wrong))
            if all(now.get(k) == v for k, v in wrong.items()):
                return
            time.sleep(0.1)
        raise TopicSetupError(f"topic {name}: Kafka accepted the new settings {wrong} but does "
                              "not apply them")


def _topic_configs(admin: KafkaAdminClient, name: str, keys: list[str]) -> dict[str, str]:
    res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name,
                                                 configs={k: None for k in keys})],
                                 config_filter="all")
    entries = next(iter(res.values()), {}).get(name, {})
    out = {}
    for key, data in entries.items():
        out[key] = data.get("value") if isinstance(data, dict) else data
    return out
