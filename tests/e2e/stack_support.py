"""``ev-stack up --no-gui --detach`` … ``ev-stack down`` as a user runs them, for the stack e2e tests.

Why one copy: every stack test must stop what it started even when its assertions fail (a
leftover broker or Central would hold ports and CPU for the rest of the suite) and then check
that ``down`` alone stopped everything. :func:`detached_stack` does both around the test's body.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import REPO

STACK = [sys.executable, "-m", "ev_common.stack"]


def alive(pid: int) -> bool:
    """*pid* runs (a zombie does not count: it is dead, only not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def pids_with(marker: str) -> list[int]:
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


def stack_down(stack_dir: Path) -> tuple[subprocess.CompletedProcess, list[int]]:
    """``ev-stack down``, then ``kill -9`` of whatever it left running: (its result, the leftovers)."""
    down = subprocess.run([*STACK, "down", "--stack-dir", str(stack_dir)], cwd=REPO,
                          capture_output=True, text=True, timeout=180)
    leftovers = [p for p in pids_with(str(stack_dir)) if alive(p)]
    for p in leftovers:  # never leave anything behind, even when the assertion fails
        subprocess.run(["kill", "-9", str(p)], capture_output=True)
    return down, leftovers


@contextmanager
def detached_stack(stack_dir: Path, *up_args: str, timeout: float = 240) -> Iterator[subprocess.CompletedProcess]:
    """``ev-stack up --no-gui --detach --stack-dir DIR *up_args`` (asserted to succeed); yields
    its result. On the way out, always :func:`stack_down`; when the body passed, also asserts
    that ``down`` succeeded and left nothing running."""
    try:
        up = subprocess.run([*STACK, "up", "--no-gui", "--detach", "--stack-dir", str(stack_dir), *up_args],
                            cwd=REPO, capture_output=True, text=True, timeout=timeout)
        assert up.returncode == 0, up.stdout + up.stderr
        yield up
    finally:
        down, leftovers = stack_down(stack_dir)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not leftovers, f"processes left running after `ev-stack down`: {leftovers}"


def stack_status(stack_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*STACK, "status", "--stack-dir", str(stack_dir)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
