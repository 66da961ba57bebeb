"""A real, secure 3-broker KRaft cluster started by ``ev-kafka start --brokers 3``.

One cluster per module (it takes ~20 s to start on this machine): the CLI, topic replication,
clients given the whole bootstrap list while a broker is dead, the degraded state, and the
whole system surviving ``kill -9`` of the broker that leads the driver requests. Tests that
kill a node restart it before they end, so the next test sees three brokers again.
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from ev_common import contract
from ev_common.kafka.admin import admin_client, ensure_topics
from ev_common.kafka.broker_cluster import LocalCluster
from ev_common.kafka.cluster_health import ClusterWatch, describe
from ev_common.kafka.consumer import ResilientConsumer
from ev_common.kafka.partition_leader import leader_of
from ev_common.kafka.producer import ReliableProducer
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.helpers import REPO, grant_prefix, kafka_credentials, seed_secure_dir, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(420)]


def ev_kafka(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start_test_cluster(data: Path) -> LocalCluster:
    """``ev-kafka start --brokers 3`` in *data* on free ports, with the session's CA and SCRAM
    passwords (every test client and child process authenticates as usual). Other suites that
    need a real cluster may use it; stop it with ``.stop(hard=True)``."""
    seed_secure_dir(data)
    ports = ",".join(str(free_port()) for _ in range(3))
    cports = ",".join(str(free_port()) for _ in range(3))
    out = ev_kafka("start", "--brokers", "3", "--ports", ports, "--controller-ports", cports,
                   "--data-dir", str(data), "--pki-dir", str(data / "pki"), "--heap-mb", "384",
                   "--topic-prefix", "")
    assert out.returncode == 0, out.stdout + out.stderr
    return LocalCluster(data)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """One secure 3-broker cluster for the module."""
    c = start_test_cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop(hard=True, timeout=15)


def dead_first(c: LocalCluster, node_id: int) -> str:
    """The bootstrap list with *node_id*'s address first."""
    first = c.node_address(node_id)
    return ",".join([first] + [a for a in c.bootstrap.split(",") if a != first])


# ------------------------------------------------------------------------------ the CLI
def test_start_again_says_running_and_status_lists_every_node_and_the_controller(cluster: LocalCluster):
    again = ev_kafka("start", "--data-dir", str(cluster.dir), "--pki-dir", str(cluster.dir / "pki"),
                     "--topic-prefix", "")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    status = ev_kafka("status", "--data-dir", str(cluster.dir))
    assert status.returncode == 0, status.stdout + status.stderr
    for n in cluster.nodes:
        assert f"broker {n.node_id}  127.0.0.1:{n.port}  up" in status.stdout
    assert "Active controller: broker " in status.stdout
    assert cluster.bootstrap in status.stdout


def test_nodes_listen_securely_and_controllers_on_loopback_only(cluster: LocalCluster):
    for n in cluster.nodes:
        props = (cluster.dir / f"node-{n.node_id}" / "server.properties")
        assert props.stat().st_mode & 0o077 == 0, "server.properties holds a password: 0600"
        text = props.read_text()
        assert f"listeners=SASL_SSL://127.0.0.1:{n.port},CONTROLLER://127.0.0.1:{n.controller_port}" in text
        assert "allow.everyone.if.no.acl.found=false" in text
        assert "inter.broker.listener.name=SASL_SSL" in text
        voters = ",".join(f"{m.node_id}@127.0.0.1:{m.controller_port}" for m in cluster.nodes)
        assert f"controller.quorum.voters={voters}" in text
    for f in (cluster.dir / "clients").glob("*.toml"):
        assert f.stat().st_mode & 0o077 == 0
        assert cluster.bootstrap in f.read_text()


def test_topics_get_three_copies_and_min_insync_two(cluster: LocalCluster):
    topics = Topics(f"rf{uuid.uuid4().hex[:8]}")
    ensure_topics(cluster.bootstrap, topics)
    admin = admin_client(cluster.bootstrap, 10)
    try:
        wanted = [topics.driver_requests, topics.cp_state]

        def complete() -> list[dict] | None:
            # a broker that did not create them may not list their partitions yet
            metas = admin.describe_topics(wanted)
            ok = all(len(t["partitions"]) == topics.partitions(t["name"]) for t in metas)
            return metas if ok else None

        for meta in wait_until(complete, 30, message="every partition in the metadata"):
            assert {len(p["replica_nodes"]) for p in meta["partitions"]} == {3}, meta["name"]
        res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topics.driver_requests,
                                                     configs={"min.insync.replicas": None})])
        assert res["topic"][topics.driver_requests]["min.insync.replicas"]["value"] == "2"
    finally:
        admin.close()


# --------------------------------------------------------------- bootstrap list, degraded
def test_clients_given_the_list_work_when_the_first_broker_is_dead_and_status_says_degraded(
        cluster: LocalCluster, tmp_path: Path):
    """Broker 1 is dead before the clients start and is first in their list: they bootstrap
    from the others, deliver with acks=all (2 copies in sync), the group's offsets topic has 3
    copies, and the cluster watch says degraded until broker 1 is back."""
    topics = Topics(f"bl{uuid.uuid4().hex[:8]}")
    ensure_topics(cluster.bootstrap, topics)
    seen: list = []
    watch = ClusterWatch(cluster.bootstrap, seen.append, interval_s=0.5,
                         credentials=kafka_credentials("operator"))
    watch.start()
    cluster.kill_node(1)
    bootstrap = dead_first(cluster, 1)
    producer = ReliableProducer(bootstrap, tmp_path / "outbox.sqlite3", client_id="bl-test")
    got: list = []
    consumer = ResilientConsumer(bootstrap, [topics.cp_events], group_id=f"{topics.prefix}.central",
                                 client_id="bl-test-c", start_from="earliest",
                                 on_batch=lambda b: got.extend(b))
    try:
        consumer.start()
        ids = [producer.send(topics.cp_events, contract.envelope(
            contract.Telemetry(cp_id="CP1", session_id="s1", seq=i, kw=7.0, kwh=i / 10, eur=i / 20),
            source="test")) for i in range(5)]
        wait_until(lambda: producer.queued == 0, 90, message="acknowledged with broker 1 dead")
        wait_until(lambda: len(got) >= 5, 90, message="consumed with broker 1 dead")
        assert sorted(d.envelope.id for d in got[:5]) == sorted(ids)
        wait_until(lambda: seen and seen[-1] is not None and seen[-1].missing == {1}, 60,
                   message="watch: broker 1 missing")
        assert seen[-1].degraded
        admin = admin_client(bootstrap, 10)
        try:
            [offsets] = admin.describe_topics(["__consumer_offsets"])
            assert {len(p["replica_nodes"]) for p in offsets["partitions"]} == {3}
        finally:
            admin.close()
    finally:
        consumer.stop()
        producer.close()
        cluster.start_node(1)
    wait_until(lambda: seen[-1] is not None and not seen[-1].degraded, 60, message="watch: recovered")
    watch.stop()
    info = describe(cluster.bootstrap, 5, kafka_credentials("admin"))
    assert info is not None and info.live == {1, 2, 3} and info.controller in (1, 2, 3)


# ------------------------------------------------------------------ kill -9 mid-run (e2e)
def test_kill9_of_the_driver_requests_leader_loses_nothing_and_the_status_bar_says_degradado(
        cluster: LocalCluster, tmp_path: Path, qtbot):
    """Central, three CPs and three drivers (two supplies each) on the cluster, as their role
    principals. The broker leading driver1's request partition is killed while the first
    supplies run: every request is still answered (the second ones are sent after the kill),
    every supply's ticket matches the Engine's journal and the DB, nobody dies, and the status
    bar is yellow with the reason while the broker is down, green after it is back."""
    from ev_desktop.kafka.qt_bridge import LinkAggregator, QtDispatcher
    from ev_desktop.views.status_widgets import KafkaIndicator
    from tests.e2e.harness import System
    from tests.e2e.test_resilience import assert_ledger, assert_no_tracebacks

    s = System(tmp_path, bootstrap=cluster.bootstrap, auto_duration=6.0)
    victim: int | None = None
    try:
        ensure_topics(s.bootstrap, s.topics)
        grant_prefix(s.bootstrap, s.topics.prefix)
        w = s.watch()
        # the desktop's status bar, fed by the same watch the app runs (as the operator)
        ind = KafkaIndicator()
        qtbot.addWidget(ind)
        agg = LinkAggregator(cluster.bootstrap)
        agg.changed.connect(ind.set_summary)
        dispatch = QtDispatcher()
        agg.update_producer("producer", type("St", (), {"state": "connected", "last_error": None,
                                                         "queued": 0})())
        watch = ClusterWatch(cluster.bootstrap, lambda i: dispatch(agg.update_cluster, i),
                             interval_s=0.5, credentials=kafka_credentials("operator"))
        watch.start()
        s.seed(cps=3, drivers=3)
        s.start_central()
        cps = ("CP001", "CP002", "CP003")
        for cp in cps:
            s.start_cp(cp)
        for cp in cps:
            w.wait_state(cp, "available", 90)
        qtbot.waitUntil(lambda: "Kafka: conectado" in ind.text(), timeout=30000)
        victim = leader_of(s.bootstrap, s.topics.driver_requests, "driver1")
        drivers = []
        for i, cp in enumerate(cps, start=1):
            services = tmp_path / f"services{i}.txt"
            services.write_text(f"{cp}\n{cp}\n")
            drivers.append(s.start_driver(f"driver{i}", "--services", str(services)))
        for cp in cps:
            s.wait_supplying(cp, min_seq=1)

        cluster.kill_node(victim)
        assert all(not d.results() for d in drivers), "the kill must land during the first supplies"
        qtbot.waitUntil(lambda: "1 de 3 brokers no responde" in ind.text(), timeout=60000)
        assert "Kafka: degradado" in ind.text()
        status = ev_kafka("status", "--data-dir", str(cluster.dir))
        assert "DEGRADED" in status.stdout and f"broker {victim}" in status.stdout, status.stdout
        # every request is answered, the second ones sent after the kill
        results = [r for d in drivers for r in s.wait_results(d, 2, 180)]
        assert [r.outcome for r in results] == ["completed"] * 6, results
        assert all(p.alive() for p in s.procs() if p not in drivers), \
            [p.name for p in s.procs() if not p.alive()]
        assert_ledger(s, {r.session for r in results})

        cluster.start_node(victim)
        qtbot.waitUntil(lambda: "Kafka: conectado" in ind.text(), timeout=60000)
        assert "brokers" not in ind.text()
        assert_no_tracebacks(s)
        watch.stop()
        dispatch.close()
    finally:
        s.close()
        if victim is not None:  # the next test sees three brokers again
            cluster.start_node(victim)
