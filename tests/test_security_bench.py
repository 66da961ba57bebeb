"""The security benchmark's pure helpers and the broker's benchmark-only plain-text listener
(no timings here: the benchmark itself runs with ``python -m benchmarks --only security``)."""
from __future__ import annotations

import math

import pytest

from benchmarks.security_cost import abba, cost_factor, target_met
from ev_common.kafka.broker import BrokerConfig, LocalBroker
from ev_common.ports import free_port


def test_abba_order_puts_each_mode_first_equally_often_and_mirrors_every_pair():
    order = abba(8)
    assert order[:4] == [(0, 1), (1, 0), (1, 0), (0, 1)]
    assert sum(first == 0 for first, _ in order) == sum(first == 1 for first, _ in order) == 4
    assert all(sorted(o) == [0, 1] for o in order)


def test_cost_factor_is_secure_over_plain_for_a_time_and_plain_over_secure_for_a_rate():
    assert cost_factor(12.0, 10.0) == pytest.approx(1.2)
    assert cost_factor(8000.0, 10000.0, higher_is_better=True) == pytest.approx(1.25)


def test_cost_factor_of_a_missing_or_zero_value_is_unknown_not_met_or_missed():
    assert math.isnan(cost_factor(float("nan"), 1.0))
    assert math.isnan(cost_factor(1.0, 0.0))
    assert math.isnan(cost_factor(0.0, 5.0, higher_is_better=True))
    assert target_met(float("nan")) is None
    assert target_met(1.2) is True and target_met(1.21) is False


def test_bench_plaintext_listener_is_refused_on_a_broker_that_is_plain_text_already(tmp_path):
    with pytest.raises(ValueError, match="SECURE broker"):
        BrokerConfig(data_dir=tmp_path, plaintext=True, bench_plaintext_port=free_port())


def test_bench_plaintext_listener_is_a_loopback_plaintext_listener_beside_the_secure_one(tmp_path):
    port, plain = free_port(), free_port()
    cfg = BrokerConfig(data_dir=tmp_path / "kafka", port=port, controller_port=free_port(),
                       bench_plaintext_port=plain)
    assert cfg.bench_plaintext_bootstrap == f"127.0.0.1:{plain}"
    broker = LocalBroker(cfg)
    broker.dir.mkdir(parents=True)
    broker._prepare_users()  # noqa: SLF001 - the config file is what this test checks
    props = dict(line.split("=", 1) for line in broker._write_config().read_text().splitlines()  # noqa: SLF001
                 if "=" in line and not line.startswith("#"))
    assert f"SASL_SSL://127.0.0.1:{port}" in props["listeners"]
    assert f"BENCH_PLAIN://127.0.0.1:{plain}" in props["listeners"].split(",")
    assert f"BENCH_PLAIN://127.0.0.1:{plain}" in props["advertised.listeners"].split(",")
    assert "BENCH_PLAIN:PLAINTEXT" in props["listener.security.protocol.map"].split(",")
    assert props["inter.broker.listener.name"] == "SASL_SSL"


def test_a_broker_without_the_option_has_no_plaintext_client_listener(tmp_path):
    cfg = BrokerConfig(data_dir=tmp_path / "kafka", port=free_port(), controller_port=free_port())
    assert cfg.bench_plaintext_bootstrap is None
    broker = LocalBroker(cfg)
    broker.dir.mkdir(parents=True)
    broker._prepare_users()  # noqa: SLF001
    text = broker._write_config().read_text()  # noqa: SLF001
    assert "BENCH_PLAIN" not in text
