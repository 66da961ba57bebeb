"""What the person standing at a CP reads: one timestamped line per change, no tracebacks.

Logs (``logging``, stderr) are for engineers; the console (stdout) is for users. Lines are
flushed at once so they show up immediately also when stdout is a pipe or a file.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

_MARK = {"info": "·", "warn": "!", "error": "✖"}


class Console:
    def __init__(self, who: str, stream: TextIO | None = None) -> None:
        self.who = who
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def line(self, text: str, level: str = "info") -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._lock:
            try:
                self.stream.write(f"{stamp} {_MARK.get(level, '·')} [{self.who}] {text}\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass  # stdout closed (detached terminal): the log still has it


def start_stdin_reader(on_line: Callable[[str], None], on_eof: Callable[[], None] | None = None) -> None:
    """Read stdin lines on a daemon thread (works for a TTY and for a pipe) and hand each to
    *on_line* — which must marshal to its own loop. Raw ``os.read`` on fd 0 is used so the
    thread never holds the ``sys.stdin`` buffer lock at interpreter shutdown."""

    def run() -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(0, 1024)
            except OSError:
                chunk = b""
            if not chunk:
                if buf.strip():
                    on_line(buf.decode(errors="replace").strip())
                if on_eof:
                    on_eof()
                return
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                on_line(raw.decode(errors="replace").strip())

    threading.Thread(target=run, name="stdin-menu", daemon=True).start()
