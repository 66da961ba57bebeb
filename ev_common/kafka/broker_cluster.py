"""A local Kafka cluster: N KRaft nodes (broker + controller each) on this machine.

Why: a single broker is a single copy of every event. Three nodes with replication factor 3
and ``min.insync.replicas=2`` keep serving (and keep every acknowledged event) while one node
is down. Each node is a :class:`~ev_common.kafka.broker.LocalBroker` with its own data dir;
what they share lives in the cluster dir::

    <cluster dir>/cluster.json              nodes (id, client port, controller port), cluster id
    <cluster dir>/bootstrap.txt             the bootstrap list clients take ("h:p1,h:p2,h:p3")
    <cluster dir>/clients/<principal>.toml  one 0600 credentials file per principal (as a lone broker)
    <cluster dir>/pki/                      the CA and the one broker certificate every node uses
    <cluster dir>/node-<id>/                a node's data, config, log and pid

Security is the lone broker's: SASL_SSL + SCRAM on every client listener, which is also the
inter-broker listener (replication is authenticated as the ``broker`` super user over TLS);
deny-by-default ACLs. The KRaft controller listeners are plain text bound to 127.0.0.1 only
(every node of this cluster runs on this machine), so no other machine can reach them — the
same rule as the lone broker's controller listener (see docs/security.md).

The object offers what callers of a lone broker use (``dir``, ``secrets``, ``addr_file``,
``credentials``, ``pid``, ``start``, ``stop``), so ``ev-kafka grant`` / ``rotate-user`` and
``ev-stack`` take either.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker, new_cluster_id
from ev_common.kafka.broker_secrets import BrokerSecrets
from ev_common.kafka.security import KafkaCredentials, load_credentials

log = logging.getLogger(__name__)

CLUSTER_FILE = "cluster.json"
#: default distance between a node's client port and its controller port (a lone broker uses
#: port+1 for its controller, which is the next node's client port here)
CONTROLLER_OFFSET = 10


@dataclass(frozen=True)
class NodeSpec:
    node_id: int
    port: int
    controller_port: int


def node_specs(brokers: int, port: int, ports: list[int] | None = None,
               controller_ports: list[int] | None = None) -> list[NodeSpec]:
    """Client ports P, P+1, ... (or *ports*), controller ports client+10 (or *controller_ports*);
    ValueError when the lists do not fit or a port is used twice."""
    if brokers < 1:
        raise ValueError("a cluster needs at least one broker")
    ports = list(ports) if ports else [port + i for i in range(brokers)]
    cports = list(controller_ports) if controller_ports else [p + CONTROLLER_OFFSET for p in ports]
    if len(ports) != brokers or len(cports) != brokers:
        raise ValueError(f"{brokers} brokers need {brokers} client ports and {brokers} controller "
                         f"ports (got {len(ports)} and {len(cports)})")
    every = ports + cports
    if len(set(every)) != len(every):
        raise ValueError(f"a port is used twice in {every}")
    return [NodeSpec(i + 1, p, c) for i, (p, c) in enumerate(zip(ports, cports))]


def is_cluster_dir(path: Path) -> bool:
    return (Path(path) / CLUSTER_FILE).exists()


@dataclass(frozen=True)
class NodeStatus:
    node_id: int
    port: int
    pid: int | None          # None: no process
    registered: bool         # the cluster knows it and it is not fenced (serves clients)


class LocalCluster:
    """Start/stop/inspect the nodes of a local cluster kept in one dir (see module docstring)."""

    def __init__(self, data_dir: Path, nodes: list[NodeSpec] | None = None, *,
                 heap_mb: int = 384, pki_dir: Path | None = None, host: str = "127.0.0.1",
                 session_timeout_ms: int = 6000) -> None:
        self.dir = Path(data_dir)
        saved = self._load()
        if nodes is None:
            if saved is None:
                raise FileNotFoundError(f"no Kafka cluster in {self.dir} ({CLUSTER_FILE} missing)")
            nodes = [NodeSpec(**n) for n in saved["nodes"]]
        elif saved is not None and [NodeSpec(**n) for n in saved["nodes"]] != nodes:
            raise ValueError(f"the cluster in {self.dir} has other nodes "
                             f"({saved['nodes']}); use its ports or another --data-dir")
        self.nodes = nodes
        self.host = host
        self.cluster_id = saved["cluster_id"] if saved else new_cluster_id()
        self.heap_mb = heap_mb
        self.pki_dir = pki_dir
        self.session_timeout_ms = session_timeout_ms
        self.secrets = BrokerSecrets(self.dir, pki_dir)

    # -- files and addresses
    @property
    def addr_file(self) -> Path:
        return self.dir / "bootstrap.txt"

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{self.host}:{n.port}" for n in self.nodes)

    def node_address(self, node_id: int) -> str:
        return f"{self.host}:{self._spec(node_id).port}"

    def _spec(self, node_id: int) -> NodeSpec:
        return next(n for n in self.nodes if n.node_id == node_id)

    def _load(self) -> dict | None:
        try:
            return json.loads((self.dir / CLUSTER_FILE).read_text())
        except FileNotFoundError:
            return None

    def _save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / CLUSTER_FILE).write_text(json.dumps(
            {"cluster_id": self.cluster_id, "nodes": [n.__dict__ for n in self.nodes]}, indent=1))
        self.addr_file.write_text(self.bootstrap)

    def node(self, node_id: int) -> LocalBroker:
        """The LocalBroker of one node (its own dir, the cluster's secrets and quorum)."""
        spec = self._spec(node_id)
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        rf = min(3, len(self.nodes))
        isr = max(1, rf - 1)
        props = {
            # the internal topics (group offsets, transactions) replicated like ours
            "offsets.topic.replication.factor": str(rf),
            "transaction.state.log.replication.factor": str(rf),
            "transaction.state.log.min.isr": str(isr),
            "share.coordinator.state.topic.replication.factor": str(rf),
            "share.coordinator.state.topic.min.isr": str(isr),
            "default.replication.factor": str(rf),
            "min.insync.replicas": str(isr),
            # a dead node is fenced (and leaves the ISRs) after this long without a heartbeat
            "broker.session.timeout.ms": str(self.session_timeout_ms),
            "broker.heartbeat.interval.ms": str(max(500, self.session_timeout_ms // 6)),
        }
        return LocalBroker(BrokerConfig(
            data_dir=self.dir / f"node-{node_id}", port=spec.port,
            controller_port=spec.controller_port, listen_host=self.host, heap_mb=self.heap_mb,
            pki_dir=self.pki_dir, node_id=node_id, quorum_voters=voters, secrets_dir=self.dir,
            client_bootstrap=self.bootstrap, cluster_id=self.cluster_id, extra_props=props))

    def credentials(self, principal: str = "admin") -> KafkaCredentials:
        return load_credentials(self.secrets.credentials_file(principal))

    # -- lifecycle
    def pid(self) -> int | None:
        """A running node's pid (any), None when no node runs: "is the cluster up at all"."""
        return next((p for p in (self.node(n.node_id).pid() for n in self.nodes) if p), None)

    def running(self) -> list[int]:
        return [n.node_id for n in self.nodes if self.node(n.node_id).pid() is not None]

    def start(self, timeout: float = 120.0) -> str:
        """Start every node that is not running (all of them, or one that died) and return the
        bootstrap list once each node serves clients. Nodes are prepared one after the other
        (the first one creates the shared passwords, the others read them) and then wait
        together: no node can serve before a majority of the controllers is up."""
        self._save()
        procs = {}
        for spec in self.nodes:
            node = self.node(spec.node_id)
            if node.pid() is None:
                procs[spec.node_id] = node.launch()
        deadline = time.monotonic() + timeout
        for spec in self.nodes:
            node = self.node(spec.node_id)
            node.wait_ready(node.config.bootstrap, max(1.0, deadline - time.monotonic()),
                            procs.get(spec.node_id))
        return self.bootstrap

    def start_node(self, node_id: int, timeout: float = 90.0) -> None:
        """(Re)start one node (after a crash) and wait until it serves clients."""
        node = self.node(node_id)
        if node.pid() is None:
            proc = node.launch()
            node.wait_ready(node.config.bootstrap, timeout, proc)

    def kill_node(self, node_id: int) -> None:
        """kill -9 one node (tests and the broker-kill benchmark)."""
        self.node(node_id).stop(hard=True, timeout=10.0)

    def stop(self, timeout: float = 30.0, hard: bool = False) -> bool:
        """Stop every node; True if one was running. All get SIGTERM at once: stopped one by
        one, the last ones would wait for a controller quorum that is already gone."""
        import threading
        running = [self.node(n.node_id) for n in self.nodes]
        running = [b for b in running if b.pid() is not None]
        threads = [threading.Thread(target=b.stop, kwargs={"timeout": timeout, "hard": hard})
                   for b in running]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return bool(running)

    def status(self, timeout_s: float = 3.0) -> tuple[list[NodeStatus], int | None]:
        """Every node (process alive? registered and unfenced?) and the active controller's id
        (None when no answer)."""
        from ev_common.kafka.cluster_health import describe
        from ev_common.kafka.security import CredentialsError

        info = None
        if self.pid():
            try:
                info = describe(self.bootstrap, timeout_s, self.credentials("admin"))
            except CredentialsError as exc:  # say what is missing instead of a traceback
                log.warning("cannot ask the cluster: %s", exc)
        live = info.live if info else set()
        nodes = [NodeStatus(n.node_id, n.port, self.node(n.node_id).pid(), n.node_id in live)
                 for n in self.nodes]
        return nodes, info.controller if info else None
