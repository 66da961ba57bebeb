"""What ``ev-kafka start`` does once the broker (or every node of a local cluster) serves.

Why one copy: the lone broker (:mod:`broker_cli`) and the cluster (:mod:`broker_cluster_cli`)
must leave the same things behind — the prefix's topics, its ACLs, and the lines a user acts
on (the bootstrap list, where each principal's credentials are) — and used to say them with
two copies of the same code, one of which would drift.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ev_common.kafka.security import KafkaCredentials, is_plaintext


def set_up_and_report(addr: str, topic_prefix: str, creds: KafkaCredentials, clients_dir: Path,
                      label: str = "Kafka") -> int:
    """Create *topic_prefix*'s topics (and, when secure, its ACLs) on *addr*, then print the
    bootstrap servers and the credentials' place (or the plain-text warning). Exit code: 0, or
    1 when the topics could not be made (the broker itself is up)."""
    secure = not is_plaintext(creds)
    if topic_prefix:
        from ev_common.kafka.admin import TopicSetupError, ensure_topics
        from ev_common.topics import Topics
        try:
            ensure_topics(addr, Topics(topic_prefix), credentials=creds)
        except TopicSetupError as exc:
            print(f"Kafka is up, but: {exc}", file=sys.stderr)
            return 1
        if secure:
            from ev_common.kafka.acl import grant
            grant(addr, topic_prefix, creds)
    print(f"{label} is up: bootstrap servers {addr}")
    if secure:
        print(f"Client credentials (0600, one per principal): {clients_dir}/<principal>.toml "
              "— give each process its own with --kafka-credentials or EV_KAFKA_CREDENTIALS")
    else:
        print("WARNING: plain text — anyone who reaches this port can read and write every topic",
              file=sys.stderr)
    return 0
