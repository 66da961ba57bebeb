"""``ev-stack up`` in the foreground stops everything it started however it is ended:
SIGTERM (``kill``, a service manager), SIGHUP (a closed terminal), a closed output pipe
(``ev-stack up | tee log`` after Ctrl+C) — and after ``kill -9`` of ev-stack, ``ev-stack down``
finds what is left by its pid records (pid + start time) and stops it.

Real processes throughout: ev-stack, Central, the CP fleet (engine + monitor), a headless
driver, and (kill -9 case) the stack's own local Kafka broker.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ev_common.ports import free_port
from ev_common.proc import ProcessRecord, start_ticks, write_records
from tests.helpers import REPO, wait_until

pytestmark = [pytest.mark.timeout(300)]

CMD = [sys.executable, "-m", "ev_common.stack"]


def _children_of(pid: int) -> list[int]:
    out: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            out += [int(x) for x in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def _descendants(pid: int) -> list[ProcessRecord]:
    """Every process below *pid*, named by pid + start time (so a recycled pid never counts)."""
    found: list[ProcessRecord] = []
    todo = [pid]
    while todo:
        for child in _children_of(todo.pop()):
            found.append(ProcessRecord.of(str(child), child))
            todo.append(child)
    return found


def _start_stack(tmp_path: Path, prefix: str, *, bootstrap: str | None, stdout) -> tuple[subprocess.Popen, Path]:
    stack_dir = tmp_path / "stack"
    args = [*CMD, "up", "--no-gui", "--cps", "1", "--drivers", "1", "--stack-dir", str(stack_dir),
            "--central-port", str(free_port()), "--topic-prefix", prefix, "--auto-duration", "3"]
    args += ["--bootstrap-servers", bootstrap] if bootstrap else ["--kafka-port", str(free_port())]
    proc = subprocess.Popen(args, cwd=REPO, stdout=stdout, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    return proc, stack_dir


def _wait_running(proc: subprocess.Popen, stack_dir: Path) -> list[ProcessRecord]:
    """Wait until Central, the fleet's engine+monitor and the driver run; return them all."""
    fleet_log = stack_dir / "logs" / "cp-fleet.log"
    wait_until(lambda: proc.poll() is not None or (fleet_log.exists() and "en marcha" in fleet_log.read_text()),
               180, interval=0.2, message="the stack up and the fleet's CP running")
    assert proc.poll() is None, f"ev-stack exited early ({proc.returncode})"
    wait_until(lambda: len(json.loads((stack_dir / "stack.json").read_text())["children"]) == 3,
               60, message="central, cp-fleet and driver1 recorded")
    procs = _descendants(proc.pid)
    # central, fleet, engine, monitor, driver (+ the broker when the stack started one)
    assert len([p for p in procs if p.alive()]) >= 5, procs
    return procs


def _assert_all_gone(procs: list[ProcessRecord], timeout: float = 90.0) -> None:
    wait_until(lambda: not [p for p in procs if p.alive()], timeout, interval=0.2,
               message="every process the stack started to exit")


def _cleanup(procs: list[ProcessRecord]) -> None:
    for p in procs:
        if p.alive():
            os.kill(p.pid, signal.SIGKILL)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_stack_signal_stops_every_child(kafka_broker: str, tmp_path: Path, signame: str):
    prefix = f"sig{signame[3:].lower()}{tmp_path.name[-6:]}".replace("_", "").replace("-", "")
    out = open(tmp_path / "stack.out", "wb")
    proc, stack_dir = _start_stack(tmp_path, prefix, bootstrap=kafka_broker, stdout=out)
    procs: list[ProcessRecord] = []
    try:
        procs = _wait_running(proc, stack_dir)
        proc.send_signal(getattr(signal, signame))
        assert proc.wait(120) == 0
        _assert_all_gone(procs)
        text = (tmp_path / "stack.out").read_text()
        assert f"{signame} — stopping the stack" in text and "Everything stopped." in text, text
        assert not (stack_dir / "stack.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        _cleanup(procs)


def test_closed_output_pipe_stops_every_child(kafka_broker: str, tmp_path: Path):
    """``ev-stack up | tee log`` and the reader goes away: the stack stops instead of
    running on headless, and nothing is left behind."""
    prefix = f"pipe{tmp_path.name[-6:]}".replace("_", "").replace("-", "")
    proc, stack_dir = _start_stack(tmp_path, prefix, bootstrap=kafka_broker, stdout=subprocess.PIPE)
    procs: list[ProcessRecord] = []
    try:
        procs = _wait_running(proc, stack_dir)
        assert proc.stdout is not None
        proc.stdout.close()  # the reader (tee) is gone: the next status line hits EPIPE
        assert proc.wait(120) == 0
        _assert_all_gone(procs)
        assert not (stack_dir / "stack.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        _cleanup(procs)


def test_down_after_kill9_stops_what_the_stack_started(tmp_path: Path):
    """``kill -9`` of ev-stack: its children die with it (PDEATHSIG) and the broker it started
    (which must shut down cleanly, so it is not tied to ev-stack) is found by ``down``."""
    prefix = f"k9{tmp_path.name[-6:]}".replace("_", "").replace("-", "")
    out = open(tmp_path / "stack.out", "wb")
    proc, stack_dir = _start_stack(tmp_path, prefix, bootstrap=None, stdout=out)
    procs: list[ProcessRecord] = []
    try:
        procs = _wait_running(proc, stack_dir)
        record = json.loads((stack_dir / "stack.json").read_text())
        assert record["broker"] and ProcessRecord.from_json(record["broker"]).alive()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        down = subprocess.run([*CMD, "down", "--stack-dir", str(stack_dir)], cwd=REPO,
                              capture_output=True, text=True, timeout=180)
        assert down.returncode == 0, down.stdout + down.stderr
        _assert_all_gone(procs)
        assert not (stack_dir / "stack.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        _cleanup(procs)


def test_down_never_signals_a_recycled_pid(tmp_path: Path):
    """A record whose pid now belongs to another program (other start time) is left alone."""
    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        ticks = start_ticks(stranger.pid)
        assert ticks is not None
        stack_dir = tmp_path / "stack"
        stack_dir.mkdir()
        write_records(stack_dir / "stack.json", [ProcessRecord("central", stranger.pid, ticks - 1)],
                      detached=True, broker_dir=None, broker=None)
        down = subprocess.run([*CMD, "down", "--stack-dir", str(stack_dir)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
        assert down.returncode == 0, down.stdout + down.stderr
        assert stranger.poll() is None, "a process the stack did not start was signalled"
        assert not (stack_dir / "stack.json").exists()
    finally:
        stranger.kill()
        stranger.wait(5)
