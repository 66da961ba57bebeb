"""``ev-stack up --brokers 3``: the demo system on a local secure 3-broker cluster."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ev_common.ports import free_port
from tests.e2e.stack_support import alive, detached_stack, pids_with
from tests.helpers import REPO, seed_secure_dir

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(400)]


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def cluster_base_port() -> int:
    """P with P..P+2 and P+10..P+12 free (the stack's default node and controller ports)."""
    for _ in range(50):
        p = free_port()
        if p + 12 < 65536 and all(_free(p + i) for i in (1, 2, 10, 11, 12)):
            return p
    raise AssertionError("no free port block for a 3-broker cluster")


def test_stack_up_with_three_brokers_hands_everyone_the_list_and_down_stops_every_node(tmp_path: Path):
    stack_dir = tmp_path / "stack"
    kport = cluster_base_port()
    cport = free_port()
    while kport <= cport <= kport + 12:  # not one of the cluster's ports
        cport = free_port()
    prefix = "sc" + tmp_path.name[-6:].replace("_", "").replace("-", "")
    seed_secure_dir(stack_dir / "kafka-cluster")  # the session's CA and passwords
    with detached_stack(stack_dir, "--brokers", "3", "--cps", "2", "--drivers", "1", "--auto-duration", "4",
                        "--kafka-port", str(kport), "--central-port", str(cport), "--topic-prefix", prefix,
                        timeout=300) as up:
        bootstrap = f"127.0.0.1:{kport},127.0.0.1:{kport + 1},127.0.0.1:{kport + 2}"
        assert f"Kafka ready at {bootstrap}" in up.stdout, up.stdout
        status = subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", "status",
                                 "--data-dir", str(stack_dir / "kafka-cluster")],
                                cwd=REPO, capture_output=True, text=True, timeout=60)
        assert status.returncode == 0 and status.stdout.count("  up (pid") == 3, status.stdout
        # Central, the CPs and the driver were handed the whole list
        assert f"--bootstrap-servers {bootstrap}" in " ".join(
            (Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            for p in pids_with(str(stack_dir / "central")) if alive(p))
        # (a whole system serving drivers on the cluster, through a broker kill: test_broker_cluster.py)
