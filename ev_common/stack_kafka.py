"""The Kafka part of ``ev-stack``: one local broker, or with ``--brokers N`` a local cluster.

Kept apart from :mod:`ev_common.stack` (which runs the processes) so the choice of Kafka
topology stays one small function: ``up`` asks :func:`local_kafka`, ``down`` asks
:func:`recorded_kafka` for what an ``up`` recorded.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker, kafka_version
from ev_common.kafka.broker_cluster import LocalCluster, is_cluster_dir, node_specs
from ev_common.pki import pki_dir


def local_kafka(args: argparse.Namespace, say: Callable[[str], None]) -> LocalBroker | LocalCluster:
    """The stack's own Kafka: one broker in <stack dir>/kafka, or with ``--brokers N`` a local
    cluster in <stack dir>/kafka-cluster (client ports --kafka-port, +1, ...; controllers +10).
    Either way the machine's pki dir: Central issues its socket certificate from the same CA."""
    if args.brokers > 1:
        data = args.stack_dir / "kafka-cluster"
        cluster = (LocalCluster(data, pki_dir=pki_dir()) if is_cluster_dir(data) else
                   LocalCluster(data, node_specs(args.brokers, args.kafka_port), pki_dir=pki_dir()))
        say(f"  starting a {len(cluster.nodes)}-broker Apache Kafka {kafka_version()} cluster at "
            f"{cluster.bootstrap} ...")
        return cluster
    say(f"  starting Apache Kafka {kafka_version()} on 127.0.0.1:{args.kafka_port} ...")
    return LocalBroker(BrokerConfig(data_dir=args.stack_dir / "kafka", port=args.kafka_port,
                                    pki_dir=pki_dir()))


def recorded_kafka(broker_dir: Path) -> LocalBroker | LocalCluster:
    """The broker (or cluster) an ``up`` recorded, for ``down``."""
    if is_cluster_dir(broker_dir):
        return LocalCluster(broker_dir)
    return LocalBroker(BrokerConfig(data_dir=broker_dir))


def node_pids(kafka: LocalBroker | LocalCluster) -> set[int]:
    """Running nodes of a cluster (empty for a lone broker)."""
    if not isinstance(kafka, LocalCluster):
        return set()
    return {p for p in (kafka.node(n.node_id).pid() for n in kafka.nodes) if p}
