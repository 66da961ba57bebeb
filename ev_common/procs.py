"""Real child processes and waiting on a condition: one implementation for tests and benchmarks.

Both drive the system as it runs in production — ``python -m <module>`` processes talking over
real Kafka and sockets — and both must wait for *conditions* (a line in a log, a count reached),
never for a fixed time. They used to carry two copies of this code that had drifted apart
(different exceptions, different default signals).

A :class:`Proc` runs in its own process group (signals reach its children too) with its output
in ``<log_dir>/<name>.log``; :func:`wait_until` polls a predicate and raises :class:`WaitTimeout`
— an ``AssertionError`` for pytest and a ``TimeoutError`` for a benchmark's ``except`` — with
the last error the predicate raised.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent

__all__ = ["ChildExited", "Proc", "WaitTimeout", "wait_until"]


class WaitTimeout(AssertionError, TimeoutError):
    """A condition did not become true in time."""


class ChildExited(AssertionError, RuntimeError):
    """A child process ended before printing what was waited for."""


def wait_until(predicate: Callable[[], T], timeout: float = 20.0, interval: float = 0.05,
               message: str = "condition") -> T:
    """Poll *predicate* until it returns a truthy value (returned); :class:`WaitTimeout` after
    *timeout* seconds. Exceptions of the predicate count as "not yet" and the last one is
    reported on timeout."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - kept and reported on timeout
            last_exc = exc
        time.sleep(interval)
    raise WaitTimeout(f"timed out after {timeout:.1f}s waiting for {message}"
                      + (f" (last error: {last_exc!r})" if last_exc else ""))


class Proc:
    """``python <args...>`` (e.g. ``["-m", "central_service.cli", ...]``) with its output in a
    log file, in a process group of its own, started in the repository root. *prefix* (e.g.
    ``ip netns exec <ns>``, which execs the command) goes before ``python``."""

    def __init__(self, name: str, args: list[str], log_dir: Path, env: dict[str, str] | None = None,
                 stdin: bool = False, prefix: list[str] | None = None) -> None:
        self.name = name
        self.args = args
        self.log_path = log_dir / f"{name}.log"
        full_env = dict(os.environ)
        full_env["PYTHONUNBUFFERED"] = "1"
        full_env.update(env or {})
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed by stop()
        self.popen = subprocess.Popen(
            [*(prefix or []), sys.executable, *args], stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, env=full_env, cwd=REPO,
            start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_output(self, text: str, timeout: float = 30.0) -> None:
        """Wait until *text* is in the log; :class:`ChildExited` if the process ends first."""
        wait_until(lambda: text in self.output() or not self.alive(), timeout,
                   message=f"{text!r} in {self.name}")
        if text not in self.output():
            raise ChildExited(f"{self.name} exited ({self.popen.returncode}) before printing "
                              f"{text!r}:\n{self.output()[-3000:]}")

    def send_line(self, line: str) -> None:
        assert self.popen.stdin is not None, "started without stdin=True"
        self.popen.stdin.write((line + "\n").encode())
        self.popen.stdin.flush()

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass  # already gone

    def kill9(self) -> None:
        if self.alive():
            self._signal(signal.SIGKILL)
            self.popen.wait(10)

    def interrupt(self, timeout: float = 15.0) -> int:
        """Ctrl+C (SIGINT), then wait; returns the exit code."""
        if self.alive():
            self._signal(signal.SIGINT)
        return self.popen.wait(timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """Ask it to stop with *sig*; SIGKILL after *timeout* seconds. Closes the log file."""
        if self.alive():
            self._signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._log.close()
