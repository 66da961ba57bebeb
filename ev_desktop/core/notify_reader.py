"""The driver app's gate on the notifications topic: open this driver's sealed notifications,
refuse everything else addressed to it (used by ev-desktop's driver panel and ev-driver).

Every driver app reads the whole topic; another driver's records (a different partition key)
are skipped silently — they are not for us and we cannot open them anyway. A record *for this
driver* that does not open under its notification key (in clear, under another or an old key,
tampered, forged by whoever can write the topic) is refused: never shown, counted in
:attr:`NotificationGate.refused` by reason, logged, and dead-lettered locally — a driver
principal may not write the dead-letter topic (ACL), so the app keeps its dead letters in
``<data dir>/driver-<id>/dead-letters.jsonl`` (where the record is: topic/partition/offset,
and why; bounded, the record itself stays on its topic).
"""
from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ev_common import contract as c
from ev_common.notify_crypto import NotifyError, NotifyKey, open_sealed

log = logging.getLogger(__name__)

DEAD_LETTER_FILE_MAX = 1024 * 1024  # bytes; older entries are dropped past this (file rotated once)


class NotificationGate:
    """``open(deliveries)`` → the envelopes of this driver's notifications, opened."""

    def __init__(self, driver_id: str, key: Callable[[], NotifyKey | None],
                 dead_letter_file: Path | None = None) -> None:
        self.driver_id = driver_id
        self._key = key  # read at every batch: a new login may bring a new key
        self.dead_letter_file = dead_letter_file
        self.refused: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def open(self, deliveries: Iterable[Any]) -> list[c.Envelope]:
        out: list[c.Envelope] = []
        key = self._key()
        for d in deliveries:
            env = d.envelope
            if env.key != self.driver_id or not _for_drivers(env):
                continue
            try:
                if key is None:
                    raise NotifyError("no_key", "Central gave this login no notification key")
                out.append(open_sealed(env, key, self.driver_id))
            except NotifyError as exc:
                self._refuse(d, env, exc)
        return out

    def _refuse(self, d: Any, env: c.Envelope, exc: NotifyError) -> None:
        with self._lock:
            self.refused[exc.reason] += 1
        where = f"{getattr(d, 'topic', '?')}[{getattr(d, 'partition', '?')}]@{getattr(d, 'offset', '?')}"
        log.warning("driver=%s: notification %s (%s, id %s) refused: %s", self.driver_id, where,
                    env.type[:40], env.id[:40], exc)
        if self.dead_letter_file is not None:
            self._dead_letter({"at": time.time(), "topic": getattr(d, "topic", None),
                               "partition": getattr(d, "partition", None), "offset": getattr(d, "offset", None),
                               "id": env.id[:80], "type": env.type[:40], "reason": str(exc)[:300]})

    def _dead_letter(self, entry: dict) -> None:
        path = self.dead_letter_file
        assert path is not None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > DEAD_LETTER_FILE_MAX:
                path.replace(path.with_suffix(".old.jsonl"))
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        except OSError as exc:  # a full disk must not stop the app: the log line stays
            log.warning("driver=%s: dead letter not written to %s (%s)", self.driver_id, path, exc)


_DRIVER_SIDE = {c.SealedNotification.TYPE} | {cls.TYPE for cls in (
    c.ChargeAuthorized, c.ChargeDenied, c.ReservationExpired, c.SupplyStartedNotice, c.SupplyProgress,
    c.SupplyInterrupted, c.Ticket)}


def _for_drivers(env: c.Envelope) -> bool:
    """Sealed notifications and notification types in clear (refused: Central never sends one)."""
    return env.type in _DRIVER_SIDE
