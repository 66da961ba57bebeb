"""``ev-stack up --centrals 2 --db postgresql``: a private PostgreSQL, an active Central and a
standby (or, with ``--scale-out``, two Centrals serving at once), clients given both addresses;
a supply completes; ``down`` leaves nothing running."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from argparse import Namespace
from pathlib import Path

import pytest

from ev_common.pg_local import pg_bindir
from ev_common.stack_centrals import start_centrals
from ev_common.ports import free_port
from tests.e2e.test_stack_smoke import _alive, _pids_with
from tests.helpers import REPO, seed_secure_dir, wait_until

pytestmark = [pytest.mark.timeout(400)]


def test_stack_scale_out_on_sqlite_is_refused_before_anything_starts():
    spawned: list[str] = []

    class Stack:
        def spawn(self, name, *_a, **_k):
            spawned.append(name)

    args = Namespace(centrals=2, scale_out=True, db="sqlite", central_port=7000, stack_dir=Path("."),
                     time_scale=1.0)
    with pytest.raises(RuntimeError, match="--scale-out needs --db postgresql"):
        start_centrals(Stack(), args, [], "sqlite:///x", lambda *a: None, lambda _: None)
    assert spawned == []


@pytest.mark.parametrize("scale_out", [False, True], ids=["active-and-standby", "scale-out"])
def test_stack_with_two_centrals_on_postgresql_serves_a_driver_then_stops_everything(scale_out: bool):
    if pg_bindir() is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian: apt-get install postgresql)")
    # outside pytest's 0700 tmp dir: as root the server runs as the postgres user, who must reach it
    base = Path(tempfile.mkdtemp(prefix="ev-stack-pg-"))
    os.chmod(base, 0o755)
    stack_dir = base / "stack"
    kport, cport, pport = free_port(), free_port(), free_port()
    prefix = "scale" + base.name[-6:].replace("_", "").replace("-", "")
    cmd = [sys.executable, "-m", "ev_common.stack"]
    seed_secure_dir(stack_dir / "kafka")
    try:
        up = subprocess.run([*cmd, "up", "--no-gui", "--cps", "2", "--drivers", "1", "--detach",
                             "--auto-duration", "5", "--stack-dir", str(stack_dir), "--centrals", "2",
                             "--db", "postgresql", "--pg-port", str(pport),
                             "--kafka-port", str(kport), "--central-port", str(cport), "--topic-prefix", prefix,
                             *(["--scale-out"] if scale_out else [])],
                            cwd=REPO, capture_output=True, text=True, timeout=240)
        assert up.returncode == 0, up.stdout + up.stderr
        names = {ch["name"] for ch in json.loads((stack_dir / "stack.json").read_text())["children"]}
        second = "central-2" if scale_out else "central-standby1"
        assert {"postgresql", "central", second, "cp-fleet", "driver1"} <= names, names
        logs = stack_dir / "logs"
        if scale_out:   # both serve: each is ready (not waiting for a lock) and holds a lease row
            for name in ("central", second):
                wait_until(lambda: "Central ready" in (logs / f"{name}.log").read_text(errors="replace"), 90,
                           message=f"{name} serving")
            assert "standby: instance" not in (logs / f"{second}.log").read_text(errors="replace")
        else:
            wait_until(lambda: "standby: instance central-standby1 waits" in (logs / "central-standby1.log")
                       .read_text(errors="replace"), 90, message="the second Central stands by")
        assert f"127.0.0.1:{cport},127.0.0.1:{cport + 1}" in up.stdout  # what the clients dial
        wait_until(lambda: "RESULT" in (logs / "driver1.log").read_text(errors="replace"), 240,
                   interval=0.5, message="driver RESULT")
        assert "outcome=completed" in (logs / "driver1.log").read_text(errors="replace")
        assert f"/postgres?host={stack_dir.resolve() / 'postgresql'}&port={pport} ready" in \
            (logs / "central.log").read_text(errors="replace")
    finally:
        down = subprocess.run([*cmd, "down", "--stack-dir", str(stack_dir)], cwd=REPO,
                              capture_output=True, text=True, timeout=180)
        leftovers = [p for p in _pids_with(str(stack_dir)) if _alive(p)]
        for p in leftovers:
            subprocess.run(["kill", "-9", str(p)], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not leftovers, f"processes left running after `ev-stack down`: {leftovers}"
