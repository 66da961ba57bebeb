"""Connection state shown in every status bar, and a notifier that delivers its changes.

Listeners run on the notifier's own daemon thread — never on the caller's thread, never on
the delivery worker (a slow listener cannot stall deliveries). GUI code must marshal the
call to its own thread (queued Qt signal, ``loop.call_soon_threadsafe``).
"""
from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


class LinkState(str, enum.Enum):
    """CONNECTED: the last delivery/metadata exchange worked. DEGRADED: the broker answers
    but sends fail, acknowledgements are late, or the client is being rebuilt after a
    failure. OFFLINE: the broker cannot be reached at all."""

    CONNECTED = "connected"
    DEGRADED = "degraded"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ProducerStatus:
    state: LinkState
    last_error: str | None  # plain words + the exception; None while CONNECTED
    queued: int             # events in the durable outbox, not yet acknowledged by Kafka
    bootstrap: str
    since: float            # time.time() of the last change of ``state``


StatusListener = Callable[[ProducerStatus], None]


class StatusNotifier:
    """Holds the current state and calls listeners on every change of state/error at once,
    and on changes of the queued count at most ``1 / min_interval_s`` times per second."""

    def __init__(self, bootstrap: str, queued: Callable[[], int], *, name: str,
                 min_interval_s: float = 0.1) -> None:
        self._bootstrap = bootstrap
        self._queued = queued
        self._min_interval = min_interval_s
        self._cond = threading.Condition()
        self._state = LinkState.OFFLINE
        self._error: str | None = None
        self._since = time.time()
        self._listeners: list[StatusListener] = []
        self._new_listeners: list[StatusListener] = []
        self._dirty_state = False
        self._dirty_queued = False
        self._last_sent: ProducerStatus | None = None
        self._last_sent_at = 0.0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=f"{name}-status", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ producers of changes
    def set(self, state: LinkState, error: str | None = None) -> None:
        with self._cond:
            if state == LinkState.CONNECTED:
                error = None
            if state == self._state and error == self._error:
                return
            if state != self._state:
                self._since = time.time()
                log.info("kafka link %s -> %s%s (%s)", self._state.value, state.value,
                         f": {error}" if error else "", self._bootstrap)
            self._state, self._error = state, error
            self._dirty_state = True
            self._cond.notify()

    def queued_changed(self) -> None:
        """The queued count changed. Called per outbox commit and per delivered batch (hundreds
        a second under load): while a change is already pending, the notifier thread reads the
        count when it reports, so it is not woken again — waking it each time only made it
        recompute its throttle wait (issue 14, outbox throughput)."""
        with self._cond:
            if self._dirty_queued:
                return
            self._dirty_queued = True
            self._cond.notify()

    @property
    def state(self) -> LinkState:
        return self._state

    def snapshot(self) -> ProducerStatus:
        with self._cond:
            return ProducerStatus(self._state, self._error, self._queued(), self._bootstrap,
                                  self._since)

    # ------------------------------------------------------------------ listeners
    def add_listener(self, cb: StatusListener) -> None:
        """Register *cb*; it soon receives the current status, then every change."""
        with self._cond:
            self._new_listeners.append(cb)
            self._cond.notify()

    def stop(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._stopped = True
            self._dirty_state = True  # deliver the final picture before leaving
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._new_listeners or self._dirty_state or self._stopped:
                        break
                    if self._dirty_queued:
                        wait = self._last_sent_at + self._min_interval - time.monotonic()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                stopping = self._stopped
                new = self._new_listeners
                self._new_listeners = []
                self._listeners.extend(new)
                listeners = list(self._listeners)
                self._dirty_state = self._dirty_queued = False
                status = ProducerStatus(self._state, self._error, self._queued(), self._bootstrap,
                                        self._since)
                changed = status != self._last_sent
                self._last_sent = status
                self._last_sent_at = time.monotonic()
            for cb in listeners:
                if changed or cb in new:
                    try:
                        cb(status)
                    except Exception:  # a broken listener must not kill status delivery
                        log.exception("status listener %r failed", cb)
            if stopping:
                return
