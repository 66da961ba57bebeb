"""Shared fixtures: one real Kafka broker per test session, unique topics per test.

The broker is the real Apache Kafka jar (see ev_common/kafka/broker.py) on free ports in a
temporary directory; tests that stop/restart a broker start their own with
:func:`tests.helpers.start_private_broker` instead of touching this shared one.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from ev_common.kafka.admin import ensure_topics
from ev_common.kafka.broker import BrokerConfig, LocalBroker, free_port
from ev_common.logsetup import setup_logging
from ev_common.topics import Topics

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
setup_logging("tests", os.environ.get("EV_TEST_LOG_LEVEL", "INFO"))


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory):
    """Bootstrap address of a real Kafka broker shared by the whole session."""
    existing = os.environ.get("EV_TEST_BOOTSTRAP")
    if existing:  # run the suite against an already running cluster
        yield existing
        return
    data_dir = tmp_path_factory.mktemp("kafka")
    broker = LocalBroker(BrokerConfig(data_dir=data_dir, port=free_port(),
                                      controller_port=free_port(), heap_mb=768))
    addr = broker.start(timeout=120)
    yield addr
    broker.stop()


@pytest.fixture
def topics(kafka_broker: str) -> Topics:
    """A fresh topic prefix per test, with every topic created: tests never see each other."""
    t = Topics(prefix=f"t{uuid.uuid4().hex[:10]}")
    ensure_topics(kafka_broker, t)
    return t


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI=true) a skipped test is a failure: every skip in this suite stands for a
    missing tool (PostgreSQL, network namespaces, iptables, root for a tmpfs), and a skipped
    test is no coverage. scripts/setup.sh installs what they need; locally they still skip."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: this test may not be skipped ({reason})"
