"""Process supervision: start children that die with their supervisor, and pid records that
can never point at a stranger.

Why: ``ev-stack`` used to start every child in its own session and forget it when it was
killed (SIGTERM from a service manager, SIGHUP from a closed terminal, ``kill -9``). Its
children kept running and the next ``up`` found its ports taken. Three tools here:

* :func:`spawn` starts ``python -m module`` in its own process group (so stopping it stops
  whatever it started in that group) and, unless *detached*, asks the kernel to send it
  SIGTERM when the supervisor dies (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing happens
  and the pid record below is the safety net).
* :class:`ProcessRecord` names a process by pid **and start time** (field 22 of
  ``/proc/<pid>/stat``, clock ticks since boot). A pid the kernel recycled for another program
  has another start time, so :meth:`ProcessRecord.alive` says False and
  :func:`terminate` leaves it alone. Names (command lines) are never used to find processes.
* :func:`terminate` stops a process group politely (SIGINT, then SIGTERM, then SIGKILL),
  re-checking the record's identity before each signal.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["ProcessRecord", "spawn", "terminate", "start_ticks", "die_with_parent_preexec"]

_PR_SET_PDEATHSIG = 1


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, or None if there is no such live
    process (zombies count as gone). Linux only; elsewhere None for every pid but our own."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and ')': split after its LAST ')'
    fields = stat.rsplit(")", 1)[-1].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    try:
        return int(fields[19])  # field 22 overall; fields[0] is field 3 (state)
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class ProcessRecord:
    """One process we started: enough to find it again after our own death, and no other."""

    name: str
    pid: int
    start: int | None  # start_ticks() at spawn time

    @classmethod
    def of(cls, name: str, pid: int) -> "ProcessRecord":
        return cls(name, pid, start_ticks(pid))

    def alive(self) -> bool:
        """True only if *this* process (same pid, same start time) is still running."""
        now = start_ticks(self.pid)
        return now is not None and self.start is not None and now == self.start

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "ProcessRecord":
        start = data.get("start")
        return cls(str(data["name"]), int(data["pid"]), None if start is None else int(start))


def die_with_parent_preexec() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGTERM when this process dies, or None
    where the kernel offers no such thing (non-Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    return preexec


def spawn(args: list[str], *, log_path: Path, env: Mapping[str, str] | None = None,
          cwd: Path | None = None, detached: bool = False) -> subprocess.Popen:
    """Start *args* with output appended to *log_path*, in its own session/process group.

    Own session and process group: a signal to the group reaches the helpers it starts there.
    Not *detached*: the child gets SIGTERM when the calling process dies (Linux), so a
    ``kill -9`` of the supervisor leaves no orphan. The caller must spawn from a thread that
    lives as long as the child should (PDEATHSIG fires when the spawning *thread* exits):
    ``ev-stack`` spawns from its main thread."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    preexec = None if detached else die_with_parent_preexec()
    with open(log_path, "ab") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(env) if env is not None else None, cwd=cwd,
                                start_new_session=True, preexec_fn=preexec)


def terminate(record: ProcessRecord, popen: subprocess.Popen | None = None,
              timeout: float = 15.0) -> bool:
    """Stop *record*'s process group: SIGINT (our processes shut down cleanly on it), then
    SIGTERM, then SIGKILL. Returns True once it is gone. Does nothing to a pid whose start
    time no longer matches the record (the kernel gave it to someone else)."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if not _running(record, popen):
            return True
        try:
            os.killpg(record.pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _running(record, popen):
                return True
            time.sleep(0.1)
    return not _running(record, popen)


def _running(record: ProcessRecord, popen: subprocess.Popen | None) -> bool:
    if popen is not None:
        return popen.poll() is None
    return record.alive()


def write_records(path: Path, records: list[ProcessRecord], **extra: object) -> None:
    """Atomically (write + rename) save *records* and *extra* JSON fields to *path*: a reader
    (``ev-stack down`` after our ``kill -9``) never sees half a file."""
    import json

    data = {"supervisor": ProcessRecord.of("supervisor", os.getpid()).to_json(),
            "children": [r.to_json() for r in records], **extra}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def read_records(path: Path) -> tuple[list[ProcessRecord], dict]:
    """(children, whole document) from a file written by :func:`write_records`; raises
    ``OSError`` / ``ValueError`` on a missing or unreadable file. Records written by older
    versions (no start time) are returned with ``start=None`` and so never count as alive."""
    import json

    data = json.loads(path.read_text())
    return [ProcessRecord.from_json(c) for c in data.get("children", [])], data
