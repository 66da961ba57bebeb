"""Central's side of notification privacy: each driver's notification key, and sealing.

Central seals every driver notification (``ev_common.notify_crypto``) under the key the
database holds for that driver. Keys are cached per driver for ``refresh_s`` seconds: ``ev-db
add-driver`` (a password change rotates the key) writes the database from another process, and
Central must use the new key within seconds, without a DB read per notification. A LOGIN always
reads the database, so the key an app receives is the current one.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ev_common import contract as c
from ev_common.notify_crypto import NOTIFICATION_TYPES, NotifyKey, seal

from central_service.store import Store

log = logging.getLogger(__name__)


class NotifyKeyring:
    """driver id → :class:`NotifyKey` (created on first need), cached for *refresh_s*."""

    def __init__(self, store: Store, refresh_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, NotifyKey]] = {}

    def current(self, driver_id: str) -> NotifyKey:
        """The key to seal *driver_id*'s next notification with."""
        now = self.clock()
        with self._lock:
            hit = self._cache.get(driver_id)
        if hit is not None and now - hit[0] < self.refresh_s:
            return hit[1]
        return self._load(driver_id, now)

    def for_login(self, driver_id: str) -> NotifyKey:
        """The key a LOGIN hands out: read from the database now (never a stale cached one)."""
        return self._load(driver_id, self.clock())

    def _load(self, driver_id: str, now: float) -> NotifyKey:
        kid, text = self.store.ensure_notify_key(driver_id)
        key = NotifyKey.from_text(kid, text)
        with self._lock:
            old = self._cache.get(driver_id)
            if old is not None and old[1].kid != kid:
                log.info("driver=%s notification key rotated (now %s)", driver_id, kid)
            self._cache[driver_id] = (now, key)
        return key

    def seal_if_notification(self, env: c.Envelope) -> c.Envelope:
        """*env* sealed under its driver's key when it is a driver notification, else unchanged."""
        if isinstance(env.body, NOTIFICATION_TYPES):
            return seal(env, self.current(env.key))
        return env
