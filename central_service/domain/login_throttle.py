"""Slowing down password guessing at Central's login.

Passwords are hashed with argon2, so each guess is expensive for Central too — an unthrottled
client could both guess passwords and keep Central busy. After ``max_failures`` wrong
passwords for one driver id (or ``max_failures_per_peer`` from one address, for someone trying
many ids) within ``window_s``, further logins for that id/address are refused without checking
the password for ``lockout_s``. During a lockout even the right password is refused: otherwise
the lockout would not slow a guesser down. A successful login clears the driver's failures.

Plain Python with an injected clock: no sockets, no database.
"""
from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    max_failures_per_peer: int = 20
    window_s: float = 60.0
    lockout_s: float = 30.0


class LoginThrottle:
    """Counts failed logins per driver id and per peer address; says who must wait and how long."""

    def __init__(self, policy: ThrottlePolicy | None = None, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        self.policy = policy or ThrottlePolicy()
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    @staticmethod
    def _keys(driver_id: str, peer: str) -> tuple[str, str]:
        return f"driver:{driver_id}", f"peer:{peer}"

    def wait_s(self, driver_id: str, peer: str) -> float:
        """Seconds this login must still wait (0: go ahead and check the password)."""
        now = self.clock()
        left = 0.0
        for key in self._keys(driver_id, peer):
            until = self._locked_until.get(key)
            if until is not None:
                if until <= now:
                    del self._locked_until[key]
                else:
                    left = max(left, until - now)
        return left

    def failed(self, driver_id: str, peer: str) -> None:
        """Record a wrong password; may start a lockout for the id and/or the address."""
        now = self.clock()
        p = self.policy
        for key, limit in zip(self._keys(driver_id, peer), (p.max_failures, p.max_failures_per_peer)):
            if key not in self._failures and len(self._failures) >= self.max_keys:
                self._forget_oldest()
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] <= now - p.window_s:
                times.popleft()
            if len(times) >= limit:
                self._locked_until[key] = now + p.lockout_s
                times.clear()

    def succeeded(self, driver_id: str) -> None:
        self._failures.pop(f"driver:{driver_id}", None)

    def _forget_oldest(self) -> None:
        """Bound memory under a flood of made-up ids: drop the key with the oldest last failure."""
        oldest = min(self._failures, key=lambda k: self._failures[k][-1] if self._failures[k] else -math.inf)
        del self._failures[oldest]
