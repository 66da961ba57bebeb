"""``ev-kafka start|status|stop|grant|rotate-user|fetch`` — the local broker, one command away.

``start --brokers 3`` runs a local 3-node cluster instead (see
:mod:`ev_common.kafka.broker_cluster`); ``status`` and ``stop`` then cover every node, and the
other commands work on it unchanged (they find ``cluster.json`` in the data dir).

``start`` runs it secure (SASL_SSL, SCRAM-SHA-512, ACLs deny by default) and writes one 0600
credentials file per principal to ``<data dir>/clients/<principal>.toml``: hand each process
its own (``--kafka-credentials FILE`` or ``EV_KAFKA_CREDENTIALS``). ``--plaintext`` is the
explicit opt-out for a legacy setup.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker, default_broker_dir, ensure_jars, kafka_version
from ev_common.kafka.broker_cluster import LocalCluster, is_cluster_dir, node_specs
from ev_common.kafka.broker_ready import set_up_and_report
from ev_common.logsetup import setup_logging
from ev_common.pki import pki_dir
from ev_common.settings import DEFAULT_TOPIC_PREFIX, setting


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-kafka", description="Local Apache Kafka (KRaft) broker")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, text in (("start", "start the broker and wait until it serves clients"),
                       ("status", "exit 0 and print the address if the broker is up"),
                       ("stop", "stop the broker cleanly"),
                       ("grant", "create the ACLs of a topic prefix (deny by default otherwise)"),
                       ("rotate-user", "give a principal a new random password (also adds it)"),
                       ("fetch", "only download the Kafka jars (Maven) into the cache")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--data-dir", type=Path, default=default_broker_dir(),
                        help="broker files (env EV_KAFKA_DATA_DIR; default %(default)s)")
        if name in ("start", "grant"):
            sp.add_argument("--topic-prefix", default=setting("topic_prefix", DEFAULT_TOPIC_PREFIX),
                            help="create this prefix's topics and ACLs (default %(default)s)")
        if name == "rotate-user":
            sp.add_argument("principal", help="e.g. central, cp, driver, operator")
        if name == "status":
            sp.add_argument("--port", type=int, default=None,
                            help="check the broker answering on 127.0.0.1:PORT (as given to start) "
                                 "instead of the one recorded in --data-dir")
        if name != "start":
            continue
        sp.add_argument("--port", type=int, default=int(setting("kafka_port", "9092")),
                        help="client port (env EV_KAFKA_PORT; default %(default)s)")
        sp.add_argument("--controller-port", type=int, default=None,
                        help="KRaft controller port, always on 127.0.0.1 (default: port+1)")
        sp.add_argument("--brokers", type=int, default=None,
                        help="nodes of a local cluster (default 1, or as the data dir holds); 3 "
                        "gives replication factor 3 and min.insync.replicas 2")
        sp.add_argument("--ports", type=_port_list, default=None,
                        help="client ports of the nodes, comma-separated (default: port, port+1, ...)")
        sp.add_argument("--controller-ports", type=_port_list, default=None,
                        help="controller ports of the nodes, on 127.0.0.1 (default: each client port+10)")
        sp.add_argument("--listen-host", default=setting("kafka_listen_host", "127.0.0.1"),
                        help="interface to bind (default %(default)s; 0.0.0.0 for other hosts)")
        sp.add_argument("--advertised-host", default=setting("kafka_advertised_host", ""),
                        help="address given to clients (default: the listen host); must be "
                        "reachable from every client machine (it is put in the certificate)")
        sp.add_argument("--heap-mb", type=int, default=512)
        sp.add_argument("--plaintext", action="store_true",
                        default=setting("kafka_plaintext", "").lower() in ("1", "true", "yes"),
                        help="NO TLS, NO authentication, NO ACLs (legacy setups only; env "
                        "EV_KAFKA_PLAINTEXT=1)")
        sp.add_argument("--pki-dir", type=Path, default=pki_dir(),
                        help="where the CA and the broker certificate are made: the machine's pki dir, "
                        "shared with Central's socket certificate so one ca.pem serves every link "
                        "(env EV_PKI_DIR; default %(default)s)")
        sp.add_argument("--ca-file", type=Path, default=None, help="your own CA certificate (PEM)")
        sp.add_argument("--cert-file", type=Path, default=None,
                        help="your own broker certificate (PEM; its subjectAltName must list the "
                        "host names clients use)")
        sp.add_argument("--key-file", type=Path, default=None, help="its private key (PEM, 0600)")
        sp.add_argument("--cert-host", action="append", default=[],
                        help="another name clients use for this broker (DNS alias), put in its "
                        "certificate; repeatable")
        sp.add_argument("--timeout", type=float, default=120.0)
    return p


def _port_list(text: str) -> list[int]:
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of ports: {text!r}") from None


def _admin_creds(broker: LocalBroker):
    from ev_common.kafka.security import CredentialsError
    try:
        return broker.credentials("admin")
    except CredentialsError as exc:
        raise SystemExit(f"No admin credentials in {broker.dir}: {exc}") from exc


def _address(broker: LocalBroker) -> str:
    return broker.addr_file.read_text().strip() if broker.addr_file.exists() else "?"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging("ev-kafka", "WARNING")
    if args.cmd == "fetch":
        print(f"Kafka {kafka_version()} jars in {ensure_jars(quiet=False)}")
        return 0
    if args.cmd == "start":
        if args.brokers and args.brokers > 1 or (args.brokers is None and is_cluster_dir(args.data_dir)):
            from ev_common.kafka.broker_cluster_cli import start_cluster
            return start_cluster(args)
        return _start(args)
    if is_cluster_dir(args.data_dir) and args.cmd in ("status", "stop"):
        from ev_common.kafka.broker_cluster_cli import cluster_status, stop_cluster
        return (cluster_status if args.cmd == "status" else stop_cluster)(args)
    broker = (LocalCluster(args.data_dir) if is_cluster_dir(args.data_dir)
              else LocalBroker(BrokerConfig(data_dir=args.data_dir)))
    if args.cmd == "status" and args.port is not None:
        from ev_common.kafka.admin import cluster_ready
        from ev_common.netcheck import port_in_use_hint
        addr = f"127.0.0.1:{args.port}"
        if cluster_ready(addr, 3.0):
            print(f"Kafka is up: bootstrap servers {addr}")
            return 0
        print(f"No Kafka answers at {addr}{port_in_use_hint(args.port)}")
        return 1
    if args.cmd == "status":
        pid = broker.pid()
        if pid is None:
            print("Kafka is not running")
            return 1
        addr = _address(broker)
        from ev_common.kafka.admin import cluster_ready
        ready = cluster_ready(addr, 3.0, credentials=broker.credentials("admin"))
        print(f"Kafka is {'up' if ready else 'starting (process alive, not answering yet)'}: "
              f"pid {pid}, bootstrap servers {addr}")
        return 0 if ready else 1
    if args.cmd == "grant":
        from ev_common.kafka.acl import grant
        n = grant(_address(broker), args.topic_prefix, _admin_creds(broker))
        print(f"{n} ACLs in place for topic prefix {args.topic_prefix}")
        return 0
    if args.cmd == "rotate-user":
        from ev_common.kafka.users import rotate_user
        path = rotate_user(broker, args.principal)
        print(f"New password for {args.principal} written to {path} (0600); restart the "
              "processes that use it")
        return 0
    if broker.stop():
        print("Kafka stopped")
    else:
        print("Kafka was not running")
    return 0


def _start(args: argparse.Namespace) -> int:
    if (args.data_dir / "node-1").exists() or args.ports or args.controller_ports:
        print("This data dir holds a cluster, or --ports was given: use --brokers N", file=sys.stderr)
        return 2
    cfg = BrokerConfig(data_dir=args.data_dir, port=args.port,
                       controller_port=args.controller_port, listen_host=args.listen_host,
                       advertised_host=args.advertised_host or None, heap_mb=args.heap_mb,
                       plaintext=args.plaintext, pki_dir=args.pki_dir, ca_file=args.ca_file,
                       cert_file=args.cert_file, key_file=args.key_file,
                       cert_hosts=tuple(args.cert_host))
    broker = LocalBroker(cfg)
    from ev_common.netcheck import ephemeral_warning, port_in_use_hint
    warning = ephemeral_warning("Kafka", args.port)
    if warning:
        print(f"Warning: {warning}", file=sys.stderr)
    mode = "PLAIN TEXT (no TLS, no authentication)" if args.plaintext else "SASL_SSL"
    print(f"Starting Apache Kafka {kafka_version()} (KRaft, {mode}) in {args.data_dir} ...", flush=True)
    try:
        addr = broker.start(timeout=args.timeout)
    except (RuntimeError, TimeoutError, OSError) as exc:
        print(f"Kafka did not start: {exc}{port_in_use_hint(args.port)}", file=sys.stderr)
        return 1
    return set_up_and_report(addr, args.topic_prefix, broker.credentials("admin"), broker.secrets.clients_dir)


if __name__ == "__main__":
    sys.exit(main())
