"""ev-cp-fleet starts N pairs, they authenticate with Central, and SIGTERM leaves nothing running."""
from __future__ import annotations

import os
import re

import pytest

from tests.cp.support import MonitorFacingCentral, credentials_dir, no_traceback, provision
from tests.helpers import Proc, wait_until

pytestmark = [pytest.mark.kafka]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_fleet_starts_and_stops_everything(tmp_path, kafka_broker, topics, data_dir):
    central = MonitorFacingCentral().start()
    for i in (1, 2, 3):
        provision(tmp_path, f"CP00{i}")
    fleet = Proc("fleet", ["-m", "cp_simulator.fleet", "--count", "3", "--bootstrap-servers", kafka_broker,
                           "--topic-prefix", topics.prefix, "--data-dir", str(data_dir),
                           "--central", central.address, "--cp-credentials", str(credentials_dir(tmp_path))],
                 tmp_path)
    try:
        fleet.wait_output("CP(s) en marcha", 30)
        rows = re.findall(r"^(CP\d{3})\s+\S+\s+(\d+)\s+(\d+)$", fleet.output(), re.M)
        assert [r[0] for r in rows] == ["CP001", "CP002", "CP003"]
        pids = [int(x) for r in rows for x in r[1:]]
        wait_until(lambda: {f[1] for f in central.verbs("AUTH")} == {"CP001", "CP002", "CP003"}, 30,
                   message="3 CPs authenticated")
        wait_until(lambda: all((data_dir / f"engine-CP00{i}" / "journal.json").exists()
                               or (data_dir / f"engine-CP00{i}").exists() for i in (1, 2, 3)), 20,
                   message="engine dirs")
        fleet.popen.terminate()
        fleet.popen.wait(30)
        assert fleet.popen.returncode == 0
        assert "Todos los CPs detenidos" in fleet.output() and "forzados" not in fleet.output()
        assert not [p for p in pids if _alive(p)]
        for log in (data_dir / "fleet").glob("*.log"):
            assert "Traceback" not in log.read_text(), log
        no_traceback(fleet)
    finally:
        fleet.stop()
        central.stop()
