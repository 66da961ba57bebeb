"""Fixtures for the diagnostics tests: dead ports and a broker with a wrong advertised address."""
from __future__ import annotations

import time
import subprocess

import pytest

from ev_common.kafka.broker import BrokerConfig, LocalBroker, free_port
from ev_common.topics import Topics
from ev_desktop.diagnostics.runner import StepStatus, run_diagnostics
from tests.helpers import seed_secure_dir

UNREACHABLE_ADVERTISED_HOST = "kafka-interno.invalid"


class BootstrapReadyBroker(LocalBroker):
    """A broker whose readiness is checked on its *listen* address.

    ``LocalBroker.wait_ready`` waits for an admin request on the advertised address, which by
    design never answers here (the advertised host does not resolve). Ready instead means: a
    raw Metadata request on the bootstrap connection answers (the diagnostics' own step).
    """

    def wait_ready(self, bootstrap: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
        addr = f"{self.config.listen_host}:{self.config.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"Kafka exited with code {proc.returncode}; see {self.log_file}")
            report = run_diagnostics(addr, Topics("ready"), timeout_s=1.0)
            if report.step("metadata").status is StepStatus.OK:
                return
            time.sleep(0.2)
        raise TimeoutError(f"Kafka at {addr} not ready after {timeout:.0f}s; see {self.log_file}")


@pytest.fixture(scope="session")
def misadvertised_broker(tmp_path_factory: pytest.TempPathFactory):
    """Bootstrap address of a real broker that advertises kafka-interno.invalid:<port>."""
    data_dir = tmp_path_factory.mktemp("kafka-misadvertised")
    seed_secure_dir(data_dir)   # the session's CA and passwords: our clients get in
    cfg = BrokerConfig(data_dir=data_dir, port=free_port(),
                       controller_port=free_port(), listen_host="127.0.0.1",
                       advertised_host=UNREACHABLE_ADVERTISED_HOST, heap_mb=384,
                       cert_hosts=("kafka-central.lan",))  # an alias test_engine dials
    broker = BootstrapReadyBroker(cfg)
    broker.start(timeout=120)
    yield f"127.0.0.1:{cfg.port}"
    broker.stop()


@pytest.fixture
def dead_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    return free_port()
