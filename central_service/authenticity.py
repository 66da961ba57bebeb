"""Central's side of message authenticity: which CP key signs what, and what is refused.

Kafka ACLs let every CP principal write the events topic; only the MAC says *which* CP wrote
a message. Central keeps each CP's secret in its DB (``charge_points.mac_key``, written by
``ev-db``) and caches it here for ``refresh_s`` seconds, so a rotation or revocation done with
``ev-db`` (another process) takes effect within that time without a restart. A MAC that fails
with the cached key re-reads the DB at once (a key rotated a moment ago), at most once a
second per CP, so a flood of forgeries cannot turn into a flood of DB reads.

Refusals are counted (``msgauth_<why>``, visible in the heartbeat) and returned as a reason
the service dead-letters and logs.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ev_common import contract as c
from ev_common import msgauth
from central_service.store import Store

log = logging.getLogger("central.auth")

CP_EVENT_TYPES = (c.SupplyStarted, c.Telemetry, c.SupplyFinished, c.ManualSupplyRequested, c.EngineOnline)
CP_COMMAND_TYPES = (c.AuthorizeSupply, c.CancelAuthorization, c.StopSupply, c.SetAvailability)
# An Engine journals its events while Kafka is down and delivers them later with their original
# signing time: the window must cover the longest outage we promise to survive. Replays inside
# it are stopped by the processed-id table (kept for ever) and, for telemetry, by ``seq``.
DEFAULT_CP_EVENT_MAX_AGE_S = 7 * 24 * 3600.0


@dataclass
class _Entry:
    key: str | None
    revoked: bool
    loaded: float


class CpKeyring:
    def __init__(self, store: Store, *, refresh_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self.clock = clock
        self._cache: dict[str, _Entry] = {}
        self._all_loaded_at = float("-inf")

    def entry(self, cp_id: str, *, fresh: bool = False) -> _Entry | None:
        now = self.clock()
        e = self._cache.get(cp_id)
        stale = e is None or now - e.loaded >= self.refresh_s
        if fresh and e is not None and now - e.loaded < 1.0:
            stale = False  # re-read at most once a second per CP
        elif fresh:
            stale = True
        if stale and not fresh and self.refresh_s > 0 and now - self._all_loaded_at >= self.refresh_s:
            # Every CP's entry expires every refresh_s and 5,000 CPs tick once a second: one
            # query for all of them instead of ~1,000 single-row reads a second (the profile
            # of Central under telemetry load put 18 % of its busy time in those reads).
            self._all_loaded_at = now
            self._cache = {cp: _Entry(key, revoked, now) for cp, (key, revoked) in self.store.cp_mac_keys().items()}
            e = self._cache.get(cp_id)
            stale = e is None
        if stale:
            row = self.store.cp_mac_key(cp_id)
            if row is None:
                self._cache.pop(cp_id, None)
                return None
            e = _Entry(row[0], row[1], now)
            self._cache[cp_id] = e
        return e

    def signing_key(self, cp_id: str) -> str | None:
        """The key to sign a command for *cp_id* with; None when unknown, keyless or revoked."""
        e = self.entry(cp_id)
        return None if e is None or e.revoked or not e.key else e.key


class CpEventVerifier:
    """``problem(env)`` → None for an authentic CP event, else the refusal reason (counted)."""

    def __init__(self, keyring: CpKeyring, counters: Counter[str], *,
                 max_age_s: float = DEFAULT_CP_EVENT_MAX_AGE_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.keyring = keyring
        self.counters = counters
        self.window = msgauth.Window(max_age_s)
        self.clock = clock

    def _refuse(self, kind: str, env: c.Envelope, why: str) -> str:
        self.counters[f"msgauth_{kind}"] += 1
        cp_id = getattr(env.body, "cp_id", "?")
        log.warning("REFUSED %s id=%s cp=%s: %s", env.type, env.id[:64], str(cp_id)[:64], why)
        return f"not authentic ({kind}): {why}"

    def problem(self, env: c.Envelope) -> str | None:
        cp_id = env.body.cp_id  # type: ignore[attr-defined]
        if env.auth is None:
            return self._refuse("unsigned", env, "no MAC")
        entry = self.keyring.entry(cp_id)
        if entry is None:  # the same counter the core uses for events about an unknown CP
            self.counters["unknown_cp"] += 1
            log.warning("REFUSED %s id=%s from unknown cp=%s", env.type, env.id[:64], cp_id[:64])
            return f"unknown cp {cp_id[:64]!r}"
        if not entry.key:
            return self._refuse("unknown_signer", env, f"no key on record for cp {cp_id[:64]!r} "
                                "(ev-db rotate-cp-key gives it one)")
        if entry.revoked:
            return self._refuse("revoked", env, f"cp {cp_id} is revoked")
        try:
            msgauth.verify(env, entry.key, msgauth.CP_EVENT, cp_id)
        except msgauth.AuthError as first:
            fresh = self.keyring.entry(cp_id, fresh=True)  # rotated a moment ago?
            if fresh is None or not fresh.key or fresh.revoked or fresh.key == entry.key:
                return self._refuse("forged", env, str(first))
            try:
                msgauth.verify(env, fresh.key, msgauth.CP_EVENT, cp_id)
            except msgauth.AuthError as exc:
                return self._refuse("forged", env, str(exc))
        why = self.window.problem(env.ts, self.clock())
        if why is not None:
            return self._refuse("stale", env, why)
        return None


def sign_command(env: c.Envelope, keyring: CpKeyring) -> c.Envelope:
    """*env* (a CP command) signed with its CP's key; unsigned (the Engine will refuse it) when
    the CP has no usable key — logged, so an operator sees why a CP ignores Central."""
    cp_id = env.body.cp_id  # type: ignore[attr-defined]
    key = keyring.signing_key(cp_id)
    if key is None:
        log.warning("command %s for cp=%s left unsigned: no usable key (revoked or never provisioned)",
                    env.type, cp_id)
        return env
    return msgauth.sign(env, key, msgauth.CP_COMMAND, cp_id)
