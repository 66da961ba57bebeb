"""Bounds on Central's socket links: how many, from where, how slow, how idle.

Why: every open link costs Central a descriptor, a task and (with TLS) a handshake. Without
bounds one host could open links until Central runs out of descriptors, keep them alive by
dripping a byte every few seconds, or leave an authenticated Monitor's link open after the
Monitor died. The numbers are options of ``ev-central`` (see docs/security.md, "Socket links").

Plain Python with an injected clock: no sockets here.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("central.sockets")


@dataclass(frozen=True)
class LinkLimits:
    """Limits of every link to Central (seconds, counts)."""

    max_connections: int = 1000          # open links in total (any address)
    max_per_address: int = 100           # open links from one IP address
    handshake_timeout_s: float = 10.0    # TCP accepted → TLS handshake done
    frame_deadline_s: float = 10.0       # first byte of a frame → its LRC byte
    anonymous_idle_s: float = 30.0       # a link without an authenticated CP: last frame → closed
    idle_s: float = 15.0                 # a Monitor's link: last frame → closed (it heartbeats every ~1 s)


class ConnectionGate:
    """Admits a new link unless the total or its address's cap is reached.

    A refusal is counted (``connections_refused_total`` / ``connections_refused_per_address``)
    and logged — at most one line per *log_every_s* with the number refused since, so a flood
    cannot flood the log as well."""

    def __init__(self, limits: LinkLimits, counters: Counter[str],
                 clock: Callable[[], float] = time.monotonic, log_every_s: float = 5.0) -> None:
        self.limits = limits
        self.counters = counters
        self.clock = clock
        self.log_every_s = log_every_s
        self._open: Counter[str] = Counter()
        self._total = 0
        self._last_log = -float("inf")
        self._unlogged = 0

    @property
    def open_links(self) -> int:
        return self._total

    def open_from(self, address: str) -> int:
        return self._open[address]

    def admit(self, address: str) -> bool:
        """True (and the link is counted until :meth:`release`) or False (close it at once)."""
        if self._total >= self.limits.max_connections:
            self._refuse(address, "total", f"{self._total} links open, cap {self.limits.max_connections}")
            return False
        if self._open[address] >= self.limits.max_per_address:
            self._refuse(address, "per_address",
                         f"{self._open[address]} links open from it, cap {self.limits.max_per_address}")
            return False
        self._open[address] += 1
        self._total += 1
        return True

    def release(self, address: str) -> None:
        if self._open[address] <= 0:
            return
        self._open[address] -= 1
        if not self._open[address]:
            del self._open[address]
        self._total -= 1

    def _refuse(self, address: str, kind: str, why: str) -> None:
        self.counters[f"connections_refused_{kind}"] += 1
        now = self.clock()
        if now - self._last_log >= self.log_every_s:
            more = f" (+{self._unlogged} more refused since the last line)" if self._unlogged else ""
            log.warning("connection from %s closed at once: %s%s", address, why, more)
            self._last_log, self._unlogged = now, 0
        else:
            self._unlogged += 1
