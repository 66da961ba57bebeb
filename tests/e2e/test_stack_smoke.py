"""Smoke test of ``ev-stack up --no-gui --detach`` / ``ev-stack down`` as a new user runs them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ev_common import contract as c
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.e2e.harness import Watcher
# test_central_scale_stack.py still imports these two from here
from tests.e2e.stack_support import alive as _alive, pids_with as _pids_with  # noqa: F401
from tests.e2e.stack_support import detached_stack, stack_status
from tests.helpers import seed_secure_dir, wait_until
from tests.notify_support import DbNotifyKeys

pytestmark = [pytest.mark.timeout(400)]


def test_stack_up_detached_tickets_then_down_leaves_nothing(tmp_path: Path):
    stack_dir = tmp_path / "stack"
    kport, cport = free_port(), free_port()
    prefix = "smoke" + tmp_path.name[-6:].replace("_", "").replace("-", "")
    seed_secure_dir(stack_dir / "kafka")  # the session's passwords: the watcher below gets in
    with detached_stack(stack_dir, "--cps", "3", "--drivers", "1", "--auto-duration", "5",
                        "--kafka-port", str(kport), "--central-port", str(cport), "--topic-prefix", prefix):
        record = json.loads((stack_dir / "stack.json").read_text())
        names = {ch["name"] for ch in record["children"]}
        assert {"central", "cp-fleet", "driver1"} <= names, names
        status = stack_status(stack_dir)
        assert status.returncode == 0 and "running" in status.stdout, status.stdout

        watcher = Watcher(f"127.0.0.1:{kport}", Topics(prefix),
                          DbNotifyKeys(f"sqlite:///{stack_dir / 'central.sqlite3'}"))
        try:
            # the demo services file runs: tickets appear on the notifications topic
            wait_until(lambda: watcher.notifications(c.Ticket), 180, interval=0.5, message="a ticket")
            driver_log = stack_dir / "logs" / "driver1.log"
            wait_until(lambda: "RESULT" in driver_log.read_text(errors="replace"), 60, message="driver RESULT")
            assert "outcome=completed" in driver_log.read_text(errors="replace")
            assert _pids_with(str(stack_dir)), "stack processes should be running"
        finally:
            watcher.close()
    assert not (stack_dir / "stack.json").exists()
    assert "Traceback" not in "".join(p.read_text(errors="replace") for p in (stack_dir / "logs").glob("*.log"))
