"""Fixtures of the OCPP gateway tests: real broker, real Central, the real gateway process."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from tests.e2e.harness import HostProc, System
from ocpp_gateway import authorization_key
from tests.helpers import grant_prefix, wait_until
from tests.ocpp.client import TestCharger

CP = "OCPP01"


@dataclass
class OcppSystem:
    system: System
    gateway: HostProc
    port: int
    status_file: Path
    chargers: list[TestCharger]

    @property
    def url(self) -> str:
        return f"wss://127.0.0.1:{self.port}"

    def key(self, cp_id: str = CP) -> str:
        """The CP key of the credentials file (what Central and the gateway share)."""
        return json.loads((self.system.credentials_dir / f"{cp_id}.json").read_text())["key"]

    def authorization_key(self, cp_id: str = CP) -> str:
        """What a charger is configured with: the 40 hex digits derived from the CP key."""
        return authorization_key.hex_key(self.key(cp_id))

    def charger(self, cp_id: str = CP, key: str | None = "<own>") -> TestCharger:
        ch = TestCharger(self.url, cp_id, self.authorization_key(cp_id) if key == "<own>" else key)
        self.chargers.append(ch)
        return ch

    def status(self) -> dict:
        return json.loads(self.status_file.read_text()) if self.status_file.exists() else {}

    def wait_status(self, predicate, message: str, timeout: float = 120.0) -> dict:
        return wait_until(lambda: (lambda st: st if st and predicate(st) else None)(self.status()),
                          timeout, interval=0.2, message=message)


def add_cp(system: System, cp_id: str, max_kw: float = 150.0, price: float = 0.40) -> None:
    system.credentials_dir.mkdir(parents=True, exist_ok=True)
    system.ev_db("add-cp", cp_id, "--location", "Garaje OCPP", "--price", f"{price}", "--max-kw", f"{max_kw}",
                 "--credentials", str(system.credentials_dir))


def start_gateway(system: System, port: int, status_file: Path, *extra: str) -> HostProc:
    gw = system._spawn("ocpp-gateway", [  # noqa: SLF001 - the harness's own spawner (role principal)
        "-m", "ocpp_gateway.cli", *system.common(), "--listen", f"127.0.0.1:{port}",
        "--central", system.central_addr, "--cp-credentials", str(system.credentials_dir),
        "--data-dir", str(system.tmp / "gateway"), "--tls-hosts", "127.0.0.1,localhost",
        "--heartbeat-interval", "2", "--lost-grace", "20",  # > Central's 12 s monitor timeout
        # the test chargers send no periodic Heartbeat: while a test waits for Central (seconds
        # on a loaded machine) the gateway must not give them up (3 × 2 s would, and did once)
        "--charger-timeout", "30",
        "--status-file", str(status_file),
        "--status-interval", "0.5", *extra], "cp")
    gw.wait_output("Pasarela OCPP 1.6J escuchando", 60)
    return gw


@pytest.fixture
def ocpp_system(tmp_path, request):
    """Central with the drivers of `ev-db seed` and the CPs OCPP01/OCPP02 (random keys, added
    with `ev-db add-cp`), and one gateway in front of them."""
    kafka_broker = request.getfixturevalue("kafka_broker")
    # Central gives a silent Monitor link 12 s (not the e2e 4 s): on a loaded shared machine a
    # late heartbeat must not flap the CP to disconnected in the middle of a test
    system = System(tmp_path, bootstrap=kafka_broker, monitor_timeout=12.0)
    chargers: list[TestCharger] = []

    def close() -> None:
        for ch in chargers:
            ch.close()
        system.close()
    request.addfinalizer(close)
    ensure_topics(system.bootstrap, system.topics)
    grant_prefix(system.bootstrap, system.topics.prefix)
    system.watch()
    system.seed(cps=0, drivers=2)
    add_cp(system, CP)
    add_cp(system, "OCPP02")
    system.start_central()
    port = free_port()
    status_file = tmp_path / "gateway-status.json"
    gw = start_gateway(system, port, status_file)
    return OcppSystem(system, gw, port, status_file, chargers)
