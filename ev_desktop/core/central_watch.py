"""CentralWatch: is Central alive? Follows the ``central_heartbeat`` topic.

Central is *up* when a heartbeat arrived within ``3 ×`` its announced interval. Heartbeats are
timed by their local arrival (machines' clocks may differ). Nothing on the topic does not wake
anyone, so the owner calls :meth:`check` on a timer (e.g. every second) to notice Central going
silent; ``on_change(up, last_seen)`` fires on every transition, via ``dispatch``.
Before the first heartbeat the state is unknown (``None``) for one grace period, then down.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ev_common.contract import CentralHeartbeat
from ev_common.topics import Topics

from ._dispatch import Dispatch, direct

log = logging.getLogger(__name__)

MISSED_BEATS = 3.0
DEFAULT_INTERVAL_S = 2.0


@dataclass(frozen=True)
class InstanceSeen:
    """One Central instance as the heartbeats show it (issue 15: an active one and standbys)."""

    instance: str
    last_seen: float        # wall time of its last heartbeat read
    alive: bool             # a beat within 3 of its intervals
    partitions: int         # partitions its consumers serve (0: not said, or none)


class CentralWatch:
    def __init__(self, bootstrap_servers: str, topics: Topics, *,
                 on_change: Callable[[bool, float | None], None] | None = None,
                 dispatch: Dispatch = direct, client_id: str = "driver-central-watch",
                 default_interval_s: float = DEFAULT_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topics = topics
        self.on_change = on_change
        self.dispatch = dispatch
        self.client_id = client_id
        self._clock = clock
        self._lock = threading.Lock()
        self._interval = default_interval_s
        self._started = clock()
        self._last_beat: float | None = None      # clock() at arrival
        self.last_seen: float | None = None       # time.time() at arrival, for display
        self.last_heartbeat: CentralHeartbeat | None = None
        # every Central instance heard from: id → (wall time of its last beat, its heartbeat)
        self._instances: dict[str, tuple[float, CentralHeartbeat]] = {}
        self._up: bool | None = None
        self._consumer: Any = None

    # ------------------------------------------------------------------ state
    @property
    def up(self) -> bool | None:
        return self._up

    def is_up(self, now: float | None = None) -> bool:
        """True when a heartbeat arrived within 3× the interval (``now`` on the watch clock)."""
        now = self._clock() if now is None else now
        with self._lock:
            return self._last_beat is not None and now - self._last_beat <= MISSED_BEATS * self._interval

    def check(self, now: float | None = None) -> bool | None:
        """Re-evaluate (call on a timer); fires ``on_change`` on a transition. Returns the state."""
        now = self._clock() if now is None else now
        up: bool | None = self.is_up(now)
        if not up and self._last_beat is None and now - self._started <= MISSED_BEATS * self._interval:
            up = None  # still waiting for the first heartbeat
        self._set(up)
        return up

    def beat(self, hb: CentralHeartbeat, now: float | None = None) -> None:
        """Record one heartbeat (normally from the consumer)."""
        now = self._clock() if now is None else now
        with self._lock:
            self._last_beat = now
            self.last_seen = time.time()
            self.last_heartbeat = hb
            self._instances[hb.instance] = (self.last_seen, hb)
            if hb.interval_s > 0:
                self._interval = hb.interval_s
        self._set(True)

    def instances(self, now: float | None = None) -> list[InstanceSeen]:
        """The Central instances heard from (an active one and, after a take-over, the one
        before it), newest first; *now* is wall time (default ``time.time()``)."""
        now = time.time() if now is None else now
        with self._lock:
            items = list(self._instances.items())
        seen = [InstanceSeen(name, at, now - at <= MISSED_BEATS * max(hb.interval_s, 0.1),
                             sum(len(p) for p in hb.partitions.values()))
                for name, (at, hb) in items]
        return sorted(seen, key=lambda s: -s.last_seen)

    def _set(self, up: bool | None) -> None:
        with self._lock:
            if up == self._up:
                return
            self._up = up
        if up is not None:
            log.info("central %s (last seen %s)", "up" if up else "DOWN", self.last_seen)
        if self.on_change is not None and up is not None:
            self.dispatch(self.on_change, up, self.last_seen)

    def _on_batch(self, deliveries: list[Any]) -> None:
        beats = [d.envelope.body for d in deliveries if isinstance(d.envelope.body, CentralHeartbeat)]
        if beats:
            self.beat(beats[-1])

    def lag(self) -> int | None:
        """Heartbeats not read yet (None while unknown or stopped)."""
        consumer = self._consumer
        return consumer.lag() if consumer is not None else None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        from ev_common.kafka.consumer import ResilientConsumer

        if self._consumer is not None:
            return
        self._started = self._clock()
        self._consumer = ResilientConsumer(
            self.bootstrap_servers, [self.topics.central_heartbeat], group_id=None,
            client_id=self.client_id, on_batch=self._on_batch, start_from="latest")
        self._consumer.start()

    def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop()
