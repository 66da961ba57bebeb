"""The Engine's supply journal: the open supply on disk, so a crash never loses energy.

One small JSON file per CP (``<data-dir>/engine-<cp_id>/journal.json``) written atomically:
temp file → fsync → rename → fsync of the directory. After ``kill -9`` the file holds either
the previous or the new version, never a torn one.

The file holds the open supply (or none) and the ids of the last finished sessions, so a
redelivered ``AuthorizeSupply`` of a supply that already happened is recognised.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

log = logging.getLogger(__name__)

RECENT_KEEP = 50


@dataclass(frozen=True)
class SupplyRecord:
    """What the journal knows about one supply. ``ended_at``/``reason`` set = it is finishing."""

    cp_id: str
    session_id: str
    driver_id: str
    started_at: float
    price_eur_kwh: float
    max_kw: float
    kwh: float = 0.0
    eur: float = 0.0
    kw: float = 0.0
    seq: int = 0
    updated_at: float = 0.0
    ended_at: float | None = None
    reason: str | None = None

    def finishing(self, ended_at: float, reason: str) -> "SupplyRecord":
        return replace(self, ended_at=ended_at, reason=reason, updated_at=ended_at)


@dataclass(frozen=True)
class JournalState:
    open: SupplyRecord | None = None
    recent: tuple[str, ...] = field(default_factory=tuple)

    def closed(self, session_id: str) -> "JournalState":
        recent = tuple(s for s in self.recent if s != session_id) + (session_id,)
        return JournalState(open=None, recent=recent[-RECENT_KEEP:])


class Journal:
    """Atomic JSON journal. ``load()`` never raises on a damaged file: it logs and starts empty
    after keeping the bad file aside (``journal.json.corrupt``) for inspection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def load(self) -> JournalState:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return JournalState()
        except (OSError, ValueError) as exc:
            log.error("journal %s unreadable (%s); kept as .corrupt, starting empty", self.path, exc)
            try:
                os.replace(self.path, self.path.with_suffix(".json.corrupt"))
            except OSError:
                pass
            return JournalState()
        try:
            rec = raw.get("open")
            return JournalState(open=SupplyRecord(**rec) if rec else None,
                                recent=tuple(str(s) for s in raw.get("recent", [])))
        except (TypeError, AttributeError) as exc:
            log.error("journal %s has an unexpected shape (%s); starting empty", self.path, exc)
            return JournalState()

    def save(self, state: JournalState) -> None:
        data = {"open": asdict(state.open) if state.open else None, "recent": list(state.recent)}
        tmp = self.path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
