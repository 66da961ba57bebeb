"""Driver and operator sessions: the key a signed-in app MACs its Kafka messages with.

Why not the token: a bearer token inside a message lets whoever can read the topic (a broker
admin, a mis-set ACL, a stolen app credential with read rights) act as the driver for the
token's lifetime. A session key never leaves the (TLS) socket link: ``LOGIN``/``OPLOGIN`` hand
it out once, messages carry only the session id and a MAC (:mod:`ev_common.msgauth`).

Lifetime: ``ttl_s`` (minutes), extended by ``RENEW`` while the app is open; ``LOGOUT`` revokes.
The key stays the same for the whole session (a new login is a new session with a new key):
rotating it at every renewal would orphan the messages an app queued in its outbox while
Kafka was down. A message is accepted when its session is not revoked, it was signed while
the session was valid (``ts`` ≤ expiry) and it arrives at most ``grace_s`` after the expiry —
so an outbox drained after a short outage still counts, while a key of an expired session is
useless for new messages and a revoked one is refused at once, whatever the message's time.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ev_common import contract as c
from ev_common import msgauth
from central_service.db import AuthSession

log = logging.getLogger("central.sessions")

DRIVER_TYPES = (c.ChargeRequested, c.ChargeCancelled)
OPERATOR_TYPES = (c.OperatorCommand,)
SIGNED_BY_SESSION = DRIVER_TYPES + OPERATOR_TYPES
CLOCK_SKEW_S = 300.0


@dataclass(frozen=True)
class Session:
    id: str
    role: str       # "driver" | "operator"
    subject: str    # driver id / operator id
    key: str
    created_at: float
    expires_at: float
    revoked_at: float | None = None


class SessionBook:
    def __init__(self, *, ttl_s: float = 600.0, grace_s: float = 3600.0,
                 clock: Callable[[], float] = time.time, counters: Counter[str] | None = None,
                 cached: bool = True) -> None:
        """*cached* False (scale-out): every look-up reads the row, so a session renewed or
        signed out through another Central instance counts here at once."""
        self.ttl_s = ttl_s
        self.cached = cached
        self.grace_s = grace_s
        self.clock = clock
        self.counters: Counter[str] = counters if counters is not None else Counter()
        self._cache: dict[str, Session] = {}

    # ------------------------------------------------------------- lifecycle (DB writes)
    def open(self, role: str, subject: str) -> Session:
        now = self.clock()
        s = Session(msgauth.new_key()[:32], role, subject, msgauth.new_key(), now, now + self.ttl_s)
        AuthSession.create(id=s.id, role=role, subject=subject, key=s.key, created_at=now, expires_at=s.expires_at)
        self._cache[s.id] = s
        return s

    def renew(self, session_id: str, role: str, subject: str) -> Session | None:
        """The session extended by ``ttl_s``; None when unknown, another's, revoked or expired."""
        s = self.get(session_id)
        now = self.clock()
        if s is None or s.role != role or s.subject != subject or s.revoked_at is not None or now >= s.expires_at:
            return None
        s = replace(s, expires_at=now + self.ttl_s)
        AuthSession.update(expires_at=s.expires_at).where(AuthSession.id == s.id).execute()
        self._cache[s.id] = s
        return s

    def revoke(self, session_id: str, role: str, subject: str) -> bool:
        s = self.get(session_id)
        if s is None or s.role != role or s.subject != subject:
            return False
        if s.revoked_at is None:
            s = replace(s, revoked_at=self.clock())
            AuthSession.update(revoked_at=s.revoked_at).where(AuthSession.id == s.id).execute()
            self._cache[s.id] = s
        return True

    def get(self, session_id: str) -> Session | None:
        s = self._cache.get(session_id) if self.cached else None
        if s is None:
            row = AuthSession.get_or_none(AuthSession.id == session_id)
            if row is None:
                return None
            s = Session(row.id, row.role, row.subject, row.key, row.created_at, row.expires_at, row.revoked_at)
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[s.id] = s
        return s

    # ------------------------------------------------------------------ verification
    def principal(self, env: c.Envelope) -> str | None:
        """Who (driver / operator id) authentically sent *env*, or None (refusal logged and
        counted: ``session_unsigned``, ``session_unknown``, ``session_revoked``,
        ``session_expired``, ``session_forged``)."""
        body = env.body
        role, purpose, claimed = (("operator", msgauth.OPERATOR_COMMAND, body.operator)  # type: ignore[attr-defined]
                                  if isinstance(body, OPERATOR_TYPES)
                                  else ("driver", msgauth.DRIVER_REQUEST, body.driver_id))  # type: ignore[attr-defined]
        auth = env.auth
        if auth is None:
            return self._refuse("unsigned", env, "no session MAC" + (" (a bearer token in a message is "
                                "not accepted)" if getattr(body, "token", "") else ""))
        s = self.get(auth.kid)
        if s is None or s.role != role:
            return self._refuse("unknown", env, f"no {role} session {auth.kid[:40]!r}")
        if s.subject != claimed:
            return self._refuse("forged", env, f"session of {s.subject!r} used for {claimed[:64]!r}")
        try:
            msgauth.verify(env, s.key, purpose, s.id)
        except msgauth.AuthError as exc:
            return self._refuse("forged", env, str(exc))
        if s.revoked_at is not None:
            return self._refuse("revoked", env, "session signed out")
        now = self.clock()
        if env.ts > s.expires_at or env.ts < s.created_at - CLOCK_SKEW_S or now > s.expires_at + self.grace_s:
            return self._refuse("expired", env, "signed outside the session's validity")
        return s.subject

    def _refuse(self, kind: str, env: c.Envelope, why: str) -> None:
        self.counters[f"session_{kind}"] += 1
        log.warning("REFUSED %s id=%s key=%s: %s", env.type, env.id[:64], env.key[:64], why)
        return None
