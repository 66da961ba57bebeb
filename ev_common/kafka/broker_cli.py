"""``ev-kafka start|status|stop`` — the local development/demo broker, one command away."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker, default_broker_dir, ensure_jars, kafka_version
from ev_common.logsetup import setup_logging
from ev_common.settings import DEFAULT_TOPIC_PREFIX, setting


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-kafka", description="Local Apache Kafka (KRaft) broker")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, text in (("start", "start the broker and wait until it serves clients"),
                       ("status", "exit 0 and print the address if the broker is up"),
                       ("stop", "stop the broker cleanly"),
                       ("fetch", "only download the Kafka jars (Maven) into the cache")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--data-dir", type=Path, default=default_broker_dir(),
                        help="broker files (env EV_KAFKA_DATA_DIR; default %(default)s)")
        if name == "start":
            sp.add_argument("--port", type=int, default=int(setting("kafka_port", "9092")),
                            help="client port (env EV_KAFKA_PORT; default %(default)s)")
            sp.add_argument("--controller-port", type=int, default=None,
                            help="KRaft controller port (default: port+1)")
            sp.add_argument("--listen-host", default=setting("kafka_listen_host", "127.0.0.1"),
                            help="interface to bind (default %(default)s; 0.0.0.0 for other hosts)")
            sp.add_argument("--advertised-host", default=setting("kafka_advertised_host", ""),
                            help="address given to clients (default: the listen host); must be "
                            "reachable from every client machine")
            sp.add_argument("--heap-mb", type=int, default=512)
            sp.add_argument("--topic-prefix", default=setting("topic_prefix", DEFAULT_TOPIC_PREFIX),
                            help="create this prefix's topics once up (default %(default)s)")
            sp.add_argument("--timeout", type=float, default=120.0)
        if name == "status":
            sp.add_argument("--port", type=int, default=None,
                            help="check the broker answering on 127.0.0.1:PORT (as given to start) "
                                 "instead of the one recorded in --data-dir")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging("ev-kafka", "WARNING")
    if args.cmd == "fetch":
        print(f"Kafka {kafka_version()} jars in {ensure_jars(quiet=False)}")
        return 0
    if args.cmd == "start":
        cfg = BrokerConfig(data_dir=args.data_dir, port=args.port,
                           controller_port=args.controller_port, listen_host=args.listen_host,
                           advertised_host=args.advertised_host or None, heap_mb=args.heap_mb)
        broker = LocalBroker(cfg)
        from ev_common.netcheck import ephemeral_warning, port_in_use_hint
        warning = ephemeral_warning("Kafka", args.port)
        if warning:
            print(f"Warning: {warning}", file=sys.stderr)
        print(f"Starting Apache Kafka {kafka_version()} (KRaft) in {args.data_dir} ...", flush=True)
        try:
            addr = broker.start(timeout=args.timeout)
        except (RuntimeError, TimeoutError, OSError) as exc:
            print(f"Kafka did not start: {exc}{port_in_use_hint(args.port)}", file=sys.stderr)
            return 1
        if args.topic_prefix:
            from ev_common.kafka.admin import ensure_topics
            from ev_common.topics import Topics
            ensure_topics(addr, Topics(args.topic_prefix))
        print(f"Kafka is up: bootstrap servers {addr}")
        return 0
    broker = LocalBroker(BrokerConfig(data_dir=args.data_dir))
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
        addr = broker.addr_file.read_text().strip() if broker.addr_file.exists() else "?"
        from ev_common.kafka.admin import cluster_ready
        ready = cluster_ready(addr, 3.0)
        print(f"Kafka is {'up' if ready else 'starting (process alive, not answering yet)'}: "
              f"pid {pid}, bootstrap servers {addr}")
        return 0 if ready else 1
    if broker.stop():
        print("Kafka stopped")
    else:
        print("Kafka was not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
