"""Sampling profile of a benchmark's child process with py-spy (the ``bench`` extra), summarised
into the results JSON: where a process's *busy* time goes (py-spy leaves idle samples out).

py-spy attaches from outside (ptrace), so the profiled process runs the unmodified code path
and pays no tracing overhead — cProfile inside Central would slow exactly the hot loop we want
to see. Missing py-spy or ptrace permission is not an error: the summary says why instead.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def _pyspy() -> str | None:
    cand = Path(sys.executable).with_name("py-spy")
    return str(cand) if cand.exists() else shutil.which("py-spy")


class Recording:
    """``py-spy record`` of *pid* into *out* (collapsed stacks, one root frame per thread)."""

    def __init__(self, pid: int, out: Path, rate: int = 200) -> None:
        self.out = out
        self.error: str | None = None
        exe = _pyspy()
        self.popen: subprocess.Popen | None = None
        if exe is None:
            self.error = "py-spy not installed (pip install -e .[bench])"
            return
        self._log = open(out.with_suffix(".log"), "wb")
        self.popen = subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", str(rate),
                                       "--format", "raw", "--threads", "--nonblocking",
                                       "--output", str(out)],
                                      stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def stop(self) -> dict:
        """End the recording (SIGINT makes py-spy write its file) and summarise it."""
        import signal
        if self.popen is not None:
            if self.popen.poll() is None:
                self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
            self._log.close()
            if not self.out.exists():
                self.error = "py-spy wrote nothing: " + self.out.with_suffix(".log").read_text(errors="replace")[-500:]
        if self.error:
            return {"error": self.error}
        return summarize(self.out)


def summarize(raw: Path, top: int = 25) -> dict:
    """Per thread: share of busy samples; per function: inclusive and self share of all busy
    samples (a function counted once per stack, however deep it recurses)."""
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        frames = stack.split(";")
        total += count
        threads[_thread_name(frames[0])] += count
        funcs = [_short(f) for f in frames[1:]]
        for f in set(funcs):
            inclusive[f] += count
        if funcs:
            self_[funcs[-1]] += count

    def share(c: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100.0 * v / total, 1)) for k, v in c.most_common(top)] if total else []
    return {"busy_samples": total, "threads_pct": share(threads), "inclusive_pct": share(inclusive),
            "self_pct": share(self_)}


def _thread_name(frame: str) -> str:
    # 'thread (0x7f..)' or 'process 123:"python -m ..."' roots; keep the readable part
    return frame.split(" (0x")[0].strip() or frame


def _short(frame: str) -> str:
    """'fn (path/to/module.py:123)' → 'module.py:fn' (line numbers differ per call site)."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{short}:{name}"


def top_lines(summary: dict, key: str = "inclusive_pct", n: int = 12) -> list[str]:
    if "error" in summary:
        return [f"profile unavailable: {summary['error']}"]
    return [f"{pct:5.1f} %  {name}" for name, pct in summary.get(key, [])[:n]]
