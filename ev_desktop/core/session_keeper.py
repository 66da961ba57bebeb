"""SessionKeeper: one signed-in app session — sign messages with its key, renew it, sign out.

Sessions are short-lived (``--token-ttl`` on Central, minutes). While the app runs,
:meth:`SessionKeeper.run` renews the session over the socket once a third of its lifetime is
left (retrying every few seconds while Central is unreachable), so a long session keeps working.
If Central no longer knows the session (revoked, expired while the app was asleep), ``on_lost``
is called: the user must sign in again. No Qt, no Kafka: used by DriverCore and the operator
session; the clock is injected so tests renew without waiting minutes.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from ev_common import contract as c
from ev_common import msgauth

from .central_client import CentralClient, LoginError

log = logging.getLogger(__name__)

RETRY_S = 5.0
MIN_MARGIN_S = 20.0


class SessionKeeper:
    def __init__(self, client: CentralClient, session_id: str, key: str, token: str, expires_at: float, *,
                 clock: Callable[[], float] = time.time, on_lost: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.session_id = session_id
        self.key = key
        self.token = token
        self.expires_at = expires_at
        self.clock = clock
        self.on_lost = on_lost
        self.lost = False
        self._ttl = max(1.0, expires_at - clock())

    @property
    def usable(self) -> bool:
        """True when Central gave a session key (an old Central gives only a token)."""
        return bool(self.session_id and self.key)

    def sign(self, env: c.Envelope, purpose: str) -> c.Envelope:
        return msgauth.sign(env, self.key, purpose, self.session_id)

    def renew_due(self) -> float:
        """When the next renewal is due (a third of the lifetime, at least 20 s, before expiry)."""
        return self.expires_at - max(self._ttl / 3, min(MIN_MARGIN_S, self._ttl / 2))

    async def renew_now(self) -> bool:
        """RENEW once; True when renewed. A refused renewal marks the session lost."""
        try:
            token, expires_at = await self.client.renew(self.session_id, self.token)
        except LoginError as exc:
            if exc.code in ("unreachable", "protocol", "internal"):
                log.info("session %s not renewed yet: %s", self.session_id[:8], exc.code)
                return False
            self._lose(exc.code)
            return False
        self.token, self.expires_at = token, expires_at
        log.info("session %s renewed until %s", self.session_id[:8], expires_at)
        return True

    async def run(self) -> None:
        """Renew for as long as the app runs (cancel the task to stop)."""
        while not self.lost and self.usable:
            wait = self.renew_due() - self.clock()
            if wait > 0:
                await asyncio.sleep(min(wait, RETRY_S))
                continue
            if not await self.renew_now() and not self.lost:
                await asyncio.sleep(RETRY_S)

    async def logout(self) -> None:
        """LOGOUT ("Cerrar sesión"): Central revokes the session; errors are logged, not raised
        (the app signs out locally anyway; an unreachable Central lets the session expire)."""
        if not self.usable or self.lost:
            return
        try:
            await self.client.logout(self.session_id, self.token)
        except LoginError as exc:
            log.warning("logout of session %s not confirmed by Central: %s", self.session_id[:8], exc.code)
        self.lost = True

    def _lose(self, why: str) -> None:
        if self.lost:
            return
        self.lost = True
        log.warning("session %s lost (%s): sign in again", self.session_id[:8], why)
        if self.on_lost is not None:
            self.on_lost(why)
