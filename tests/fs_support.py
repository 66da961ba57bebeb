"""A real, size-limited file system for disk-full tests (a tmpfs mount; needs root), and a
ballast file that fills it to the last byte.

No mock: SQLite, the outbox and the app see the kernel's own ENOSPC. Where mounting is not
possible (not root, no CAP_SYS_ADMIN) the test is skipped locally — and the CI hook in
tests/conftest.py turns that skip into a failure when CI=true.
"""
from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_fs(where: Path, size: str = "1m") -> Iterator[Path]:
    """Mount a tmpfs of *size* at *where* for the duration; yields the mount point."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("a size-limited file system needs root (mount -t tmpfs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


class Ballast:
    """A file that takes every free byte of its file system (``fill``), and gives it back."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fill(self) -> int:
        written = 0
        chunk = b"\0" * 4096
        with open(self.path, "ab", buffering=0) as fh:
            while True:
                try:
                    written += fh.write(chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
            # the last partial page too
            for size in (2048, 1024, 512, 256, 128, 64, 1):
                try:
                    while True:
                        written += fh.write(b"\0" * size)
                except OSError:
                    continue
        return written

    def release(self) -> None:
        self.path.unlink(missing_ok=True)
