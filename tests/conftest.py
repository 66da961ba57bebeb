"""Shared fixtures: one real Kafka broker per test session, unique topics per test.

The broker is the real Apache Kafka jar (see ev_common/kafka/broker.py) on free ports in a
temporary directory; tests that stop/restart a broker start their own with
:func:`tests.helpers.start_private_broker` instead of touching this shared one.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from ev_common.kafka.admin import ensure_topics
from ev_common.kafka.broker import BrokerConfig, LocalBroker
from ev_common.ports import free_port
from ev_common.logsetup import setup_logging
from ev_common.pki import CertificateAuthority
from ev_common.topics import Topics
from tests.helpers import SESSION_KAFKA_DIR, credentials_file, make_test_secrets, seed_secure_dir

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# One CA for the whole session, before anything reads the environment: Central (in-process or
# spawned) issues its socket certificate from it; every client verifies against its ca.pem.
# Never the user's own pki dir (EV_PKI_DIR is overridden on purpose).
_TEST_PKI = Path(tempfile.mkdtemp(prefix="ev-test-pki-"))
os.environ["EV_PKI_DIR"] = str(_TEST_PKI)
os.environ["EV_CA_FILE"] = str(_TEST_PKI / "ca.pem")
os.environ.pop("EV_PLAINTEXT_SOCKET", None)
# the key `ev-db seed` gives demo CPs; spawned Monitors read it from the environment (a CP key
# is never a command-line value). Tests of a Monitor without a key remove it.
os.environ["EV_CP_KEY"] = "demo-cp-key"
CertificateAuthority.ensure(_TEST_PKI)
atexit.register(shutil.rmtree, _TEST_PKI, True)
setup_logging("tests", os.environ.get("EV_TEST_LOG_LEVEL", "INFO"))


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory):
    """Bootstrap address of a real Kafka broker shared by the whole session."""
    existing = os.environ.get("EV_TEST_BOOTSTRAP")
    if existing:  # an already running cluster; EV_TEST_KAFKA_DIR names its broker dir (clients/)
        yield existing
        return
    data_dir = tmp_path_factory.mktemp("kafka")
    seed_secure_dir(data_dir)
    broker = LocalBroker(BrokerConfig(data_dir=data_dir, port=free_port(),
                                      controller_port=free_port(), heap_mb=768))
    addr = broker.start(timeout=120)
    yield addr
    broker.stop()


@pytest.fixture(scope="session", autouse=True)
def _kafka_test_identity(tmp_path_factory: pytest.TempPathFactory):
    """Secure like production: one CA and one set of SCRAM passwords for the session, shared
    by the session broker and every private broker (tests.helpers.start_private_broker). Every
    in-process client and child process authenticates as admin through EV_KAFKA_CREDENTIALS
    unless a test hands it its role's file (tests.helpers.principal_env)."""
    if not os.environ.get(SESSION_KAFKA_DIR):
        os.environ[SESSION_KAFKA_DIR] = str(make_test_secrets(tmp_path_factory.mktemp("kafka-secrets")))
    os.environ["EV_KAFKA_CREDENTIALS"] = str(credentials_file("admin"))
    yield


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


@pytest.fixture(autouse=True)
def _reset_process_kafka_identity():
    """A test that runs a process's main() in-process fixes that process's Kafka identity
    (ev_common.kafka.security); the next test starts again from EV_KAFKA_CREDENTIALS."""
    yield
    from ev_common.kafka.security import set_process_credentials
    set_process_credentials(None)


@pytest.fixture(autouse=True)
def _collect_qt_garbage_in_the_gui_thread(request):
    """After a Qt test, collect cyclic garbage here, in the GUI thread. Left to chance, the
    collector runs in whichever thread allocates next — often a Kafka thread — and PySide then
    defers the widgets' deletion to the GUI thread at an arbitrary point of a later test, where
    deleting a widget whose QActions hold Python slots deadlocked once inside Qt's signal-slot
    mutex (a whole CI run hung in ~QObject)."""
    yield
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        import gc
        gc.collect()


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
