"""Fast checks of the cluster's pure parts: node ports, the lone broker's unchanged defaults,
and how a DescribeCluster answer becomes "degraded". The real cluster: tests/e2e/test_broker_cluster.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from ev_common.kafka.broker import BrokerConfig, LocalBroker
from ev_common.kafka.broker_cluster import LocalCluster, NodeSpec, node_specs
from ev_common.kafka.cluster_health import assess


def test_nodes_default_to_consecutive_client_ports_and_controllers_ten_above() -> None:
    assert node_specs(3, 9092) == [NodeSpec(1, 9092, 9102), NodeSpec(2, 9093, 9103), NodeSpec(3, 9094, 9104)]


def test_nodes_take_given_client_and_controller_ports() -> None:
    specs = node_specs(3, 9092, [7001, 7005, 7009], [8001, 8002, 8003])
    assert [(n.port, n.controller_port) for n in specs] == [(7001, 8001), (7005, 8002), (7009, 8003)]


@pytest.mark.parametrize("ports,cports", [([1, 2], None), ([7001, 7002, 7003], [7003, 8002, 8003])])
def test_port_lists_that_do_not_fit_are_refused(ports, cports) -> None:
    with pytest.raises(ValueError):
        node_specs(3, 9092, ports, cports)


def test_a_lone_broker_keeps_its_defaults(tmp_path: Path) -> None:
    """Node id 1, its controller on port+1, a quorum of itself, internal topics with one copy."""
    broker = LocalBroker(BrokerConfig(data_dir=tmp_path, port=9500, plaintext=True))
    text = broker._write_config().read_text()
    assert "node.id=1\n" in text
    assert "controller.quorum.voters=1@127.0.0.1:9501\n" in text
    assert "listeners=PLAINTEXT://127.0.0.1:9500,CONTROLLER://127.0.0.1:9501\n" in text
    assert "offsets.topic.replication.factor=1\n" in text


def test_a_cluster_node_knows_every_voter_and_replicates_internal_topics(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path, node_specs(3, 9600))
    cfg = cluster.node(2).config
    assert cfg.node_id == 2 and cfg.port == 9601 and cfg.controller_port == 9611
    assert cfg.quorum_voters == "1@127.0.0.1:9610,2@127.0.0.1:9611,3@127.0.0.1:9612"
    assert cfg.client_bootstrap == "127.0.0.1:9600,127.0.0.1:9601,127.0.0.1:9602"
    assert cfg.extra_props["offsets.topic.replication.factor"] == "3"
    assert cfg.extra_props["transaction.state.log.min.isr"] == "2"
    assert cfg.data_dir == tmp_path / "node-2" and cfg.secrets_dir == tmp_path


def test_a_fenced_broker_makes_the_cluster_degraded() -> None:
    info = assess({"brokers": [{"broker_id": 1, "is_fenced": True}, {"broker_id": 2, "is_fenced": False},
                               {"broker_id": 3}], "controller_id": 2}, controller=3)
    assert info.known == {1, 2, 3} and info.live == {2, 3} and info.missing == {1}
    assert info.degraded and info.controller == 3


def test_every_broker_serving_is_not_degraded_and_the_client_controller_id_is_ignored() -> None:
    info = assess({"brokers": [{"broker_id": 1}, {"broker_id": 2}], "controller_id": 2})
    assert not info.degraded and info.controller is None  # KRaft gives clients a random broker there


def test_a_lone_broker_is_never_degraded() -> None:
    assert not assess({"brokers": [{"broker_id": 1}]}).degraded
