"""Why the outbox refused an event: :class:`OutboxRefused` and the reading of SQLite's and the
OS's errors behind it (disk full, other I/O failure, a corrupt file).

Kept apart from :mod:`ev_common.kafka.outbox` because it is the one part every caller of
``send()`` must know (to tell its user "not saved"), and it has no SQL of its own.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class OutboxRefused(Exception):
    """An event could not be made durable and was NOT queued.

    *code*: ``"disk_full"`` (no space left), ``"full"`` (the outbox's size cap), ``"io"``
    (any other write failure). *queued*: rows waiting at the time (for the user's message)."""

    def __init__(self, code: str, detail: str, queued: int = 0) -> None:
        super().__init__(f"outbox refused the event ({code}): {detail}")
        self.code = code
        self.detail = detail
        self.queued = queued


# What the disk (not the caller) can make fail; a caller's bug (bad parameter types, a closed
# connection) keeps its own exception.
WRITE_FAILURES = (sqlite3.OperationalError, OSError)  # SQLITE_FULL, SQLITE_IOERR, ENOSPC
_CORRUPT_CODES = {getattr(sqlite3, "SQLITE_CORRUPT", 11), getattr(sqlite3, "SQLITE_NOTADB", 26)}
_FULL_CODE = getattr(sqlite3, "SQLITE_FULL", 13)


def is_corrupt(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT_CODES
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def refusal(exc: BaseException, queued: int, where: Path | None = None) -> OutboxRefused:
    code = getattr(exc, "sqlite_errorcode", None)
    full = (code is not None and (code & 0xFF) == _FULL_CODE) or "disk is full" in str(exc).lower() \
        or getattr(exc, "errno", None) == 28 or _no_space(where)  # ENOSPC; SQLite may say IOERR
    return OutboxRefused("disk_full" if full else "io", f"{type(exc).__name__}: {exc}", queued)


def _no_space(where: Path | None) -> bool:
    if where is None:
        return False
    try:
        st = os.statvfs(where)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024
