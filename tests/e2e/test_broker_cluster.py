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
from ev_common.kafka.producer import ReliableProducer
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.helpers import REPO, grant_prefix, kafka_credentials, seed_secure_dir, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(420)]


def ev_kafka(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """``ev-kafka start --brokers 3`` on free ports, with the session's CA and passwords."""
    data = tmp_path_factory.mktemp("cluster")
    seed_secure_dir(data)  # the session's CA and SCRAM passwords: every test client works
    ports = ",".join(str(free_port()) for _ in range(3))
    cports = ",".join(str(free_port()) for _ in range(3))
    out = ev_kafka("start", "--brokers", "3", "--ports", ports, "--controller-ports", cports,
                   "--data-dir", str(data), "--pki-dir", str(data / "pki"), "--heap-mb", "384",
                   "--topic-prefix", "")
    assert out.returncode == 0, out.stdout + out.stderr
    c = LocalCluster(data)
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
        for meta in admin.describe_topics([topics.driver_requests, topics.cp_state]):
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
