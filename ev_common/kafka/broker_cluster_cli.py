"""``ev-kafka start --brokers N`` / ``status`` / ``stop`` for a local cluster (broker_cli's half
that knows about several nodes; the lone broker's commands stay in :mod:`broker_cli`)."""
from __future__ import annotations

import argparse
import sys

from ev_common.kafka.broker import kafka_version
from ev_common.kafka.broker_cluster import LocalCluster, is_cluster_dir, node_specs
from ev_common.kafka.broker_ready import set_up_and_report


def _cluster_from_args(args: argparse.Namespace) -> LocalCluster:
    if is_cluster_dir(args.data_dir) and args.brokers is None and not args.ports:
        return LocalCluster(args.data_dir, heap_mb=args.heap_mb, pki_dir=args.pki_dir)
    specs = node_specs(args.brokers or 1, args.port, args.ports, args.controller_ports)
    return LocalCluster(args.data_dir, specs, heap_mb=args.heap_mb, pki_dir=args.pki_dir)


def start_cluster(args: argparse.Namespace) -> int:
    """Start every node that is not running, create the topics (RF 3, min.insync 2 on three
    nodes) and the ACLs; says so when the whole cluster was already running."""
    if args.plaintext:
        print("A local cluster runs secure only (SASL_SSL); --plaintext is for a lone broker",
              file=sys.stderr)
        return 2
    if args.listen_host not in ("127.0.0.1", "localhost") or args.advertised_host:
        print("A local cluster listens on 127.0.0.1 only (its controllers talk in plain text "
              "there); run a multi-machine cluster with your own Kafka configuration",
              file=sys.stderr)
        return 2
    if (args.data_dir / "logs" / "meta.properties").exists():
        print(f"{args.data_dir} holds a lone broker: give the cluster another --data-dir",
              file=sys.stderr)
        return 2
    try:
        cluster = _cluster_from_args(args)
    except ValueError as exc:
        print(f"Kafka cluster not started: {exc}", file=sys.stderr)
        return 2
    running = cluster.running()
    if len(running) == len(cluster.nodes):
        print(f"The Kafka cluster is already running: bootstrap servers {cluster.bootstrap}")
    else:
        print(f"Starting a {len(cluster.nodes)}-node Apache Kafka {kafka_version()} cluster "
              f"(KRaft, SASL_SSL) in {args.data_dir} ...", flush=True)
    try:
        addr = cluster.start(timeout=args.timeout)
    except (RuntimeError, TimeoutError, OSError) as exc:
        print(f"Kafka cluster did not start: {exc}", file=sys.stderr)
        return 1
    return set_up_and_report(addr, args.topic_prefix, cluster.credentials("admin"), cluster.secrets.clients_dir,
                             label="Kafka cluster")


def cluster_status(args: argparse.Namespace) -> int:
    """One line per node (up / down / not serving) and the active controller; exit 0 only
    when every node serves."""
    cluster = LocalCluster(args.data_dir)
    nodes, controller = cluster.status()
    for n in nodes:
        if n.pid is None:
            state = "down" if not n.registered else "down (the cluster has not noticed yet)"
        elif n.registered:
            state = f"up (pid {n.pid})"
        else:
            state = f"not serving (pid {n.pid}: starting, or fenced)"
        print(f"  broker {n.node_id}  127.0.0.1:{n.port}  {state}")
    serving = sum(1 for n in nodes if n.registered and n.pid is not None)
    print(f"Active controller: {'broker ' + str(controller) if controller is not None else 'unknown'}")
    if serving == len(nodes):
        print(f"Kafka cluster is up: bootstrap servers {cluster.bootstrap}")
        return 0
    if serving:
        print(f"Kafka cluster DEGRADED: {len(nodes) - serving} of {len(nodes)} brokers not serving; "
              f"bootstrap servers {cluster.bootstrap}")
    else:
        print("Kafka cluster is not running")
    return 1


def stop_cluster(args: argparse.Namespace) -> int:
    cluster = LocalCluster(args.data_dir)
    print("Kafka cluster stopped" if cluster.stop() else "Kafka cluster was not running")
    return 0
