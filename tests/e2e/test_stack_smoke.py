"""Smoke test of ``ev-stack up --no-gui --detach`` / ``ev-stack down`` as a new user runs them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ev_common import contract as c
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.e2e.harness import Watcher
from tests.helpers import REPO, seed_secure_dir, wait_until
from tests.notify_support import DbNotifyKeys

pytestmark = [pytest.mark.timeout(400)]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _pids_with(marker: str) -> list[int]:
    """Processes whose command line mentions *marker* (our private stack dir)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker in (d / "cmdline").read_bytes().decode(errors="replace"):
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def test_stack_up_detached_tickets_then_down_leaves_nothing(tmp_path: Path):
    stack_dir = tmp_path / "stack"
    kport, cport = free_port(), free_port()
    prefix = "smoke" + tmp_path.name[-6:].replace("_", "").replace("-", "")
    cmd = [sys.executable, "-m", "ev_common.stack"]
    watcher = None
    seed_secure_dir(stack_dir / "kafka")  # the session's passwords: the watcher below gets in
    try:
        up = subprocess.run([*cmd, "up", "--no-gui", "--cps", "3", "--drivers", "1", "--detach",
                             "--auto-duration", "5", "--stack-dir", str(stack_dir),
                             "--kafka-port", str(kport), "--central-port", str(cport),
                             "--topic-prefix", prefix],
                            cwd=REPO, capture_output=True, text=True, timeout=240)
        assert up.returncode == 0, up.stdout + up.stderr
        record = json.loads((stack_dir / "stack.json").read_text())
        names = {ch["name"] for ch in record["children"]}
        assert {"central", "cp-fleet", "driver1"} <= names, names
        status = subprocess.run([*cmd, "status", "--stack-dir", str(stack_dir)], cwd=REPO,
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0 and "running" in status.stdout, status.stdout

        watcher = Watcher(f"127.0.0.1:{kport}", Topics(prefix),
                          DbNotifyKeys(f"sqlite:///{stack_dir / 'central.sqlite3'}"))
        # the demo services file runs: tickets appear on the notifications topic
        wait_until(lambda: watcher.notifications(c.Ticket), 180, interval=0.5, message="a ticket")
        driver_log = stack_dir / "logs" / "driver1.log"
        wait_until(lambda: "RESULT" in driver_log.read_text(errors="replace"), 60, message="driver RESULT")
        assert "outcome=completed" in driver_log.read_text(errors="replace")
        assert _pids_with(str(stack_dir)), "stack processes should be running"
    finally:
        if watcher is not None:
            watcher.close()
        down = subprocess.run([*cmd, "down", "--stack-dir", str(stack_dir)], cwd=REPO,
                              capture_output=True, text=True, timeout=180)
        leftovers = [p for p in _pids_with(str(stack_dir)) if _alive(p)]
        for p in leftovers:  # never leave anything behind, even when the assertion fails
            subprocess.run(["kill", "-9", str(p)], capture_output=True)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not leftovers, f"processes left running after `ev-stack down`: {leftovers}"
    assert not (stack_dir / "stack.json").exists()
    assert "Traceback" not in "".join(p.read_text(errors="replace") for p in (stack_dir / "logs").glob("*.log"))
