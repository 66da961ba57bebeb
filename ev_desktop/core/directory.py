"""CpDirectory: every CP's latest state, read from the compacted ``cp_state`` topic.

The consumer has no group (``group_id=None``) and starts from the earliest offset: it reads
the whole compacted topic up to its end — the current picture of the network — then keeps
following it. ``on_caught_up`` fires once that first read reached the end; ``on_change``
receives the CP states that changed, in batches (one call per consumer batch);
``on_status(LinkState, error)`` reports the consumer's own link. Callbacks go through
``dispatch`` (e.g. ``loop.call_soon_threadsafe``); queries are thread-safe.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from ev_common.contract import CpState
from ev_common.topics import Topics

from ._dispatch import Dispatch, direct

log = logging.getLogger(__name__)


class CpDirectory:
    def __init__(self, bootstrap_servers: str, topics: Topics, *,
                 on_change: Callable[[list[CpState]], None] | None = None,
                 on_caught_up: Callable[[], None] | None = None,
                 on_status: Callable[[Any, str | None], None] | None = None,
                 dispatch: Dispatch = direct, client_id: str = "driver-directory") -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topics = topics
        self.on_change = on_change
        self.on_caught_up = on_caught_up
        self.on_status = on_status
        self.dispatch = dispatch
        self.client_id = client_id
        self._lock = threading.Lock()
        self._states: dict[str, CpState] = {}
        self._caught_up = threading.Event()
        self._consumer: Any = None

    # ------------------------------------------------------------------ queries (any thread)
    def get(self, cp_id: str) -> CpState | None:
        with self._lock:
            return self._states.get(cp_id)

    def all(self) -> list[CpState]:
        """Every known CP, sorted by id."""
        with self._lock:
            return [self._states[k] for k in sorted(self._states)]

    def free_cps(self) -> list[CpState]:
        return [s for s in self.all() if s.state == "available"]

    def __len__(self) -> int:
        with self._lock:
            return len(self._states)

    @property
    def caught_up(self) -> bool:
        return self._caught_up.is_set()

    def wait_caught_up(self, timeout: float | None = None) -> bool:
        return self._caught_up.wait(timeout)

    def lag(self) -> int | None:
        """Messages of the state topic not read yet (None while unknown or stopped)."""
        consumer = self._consumer
        return consumer.lag() if consumer is not None else None

    # ------------------------------------------------------------------ updates
    def apply(self, states: Iterable[CpState]) -> list[CpState]:
        """Merge *states* (latest wins per cp_id); returns the ones that changed. Pure of I/O."""
        changed: dict[str, CpState] = {}
        with self._lock:
            for st in states:
                if self._states.get(st.cp_id) != st:
                    self._states[st.cp_id] = st
                    changed[st.cp_id] = st
        return list(changed.values())

    def _on_batch(self, deliveries: list[Any]) -> None:
        states = [d.envelope.body for d in deliveries if isinstance(d.envelope.body, CpState)]
        changed = self.apply(states)
        if changed and self.on_change:
            self.dispatch(self.on_change, changed)

    def _on_caught_up(self, *_: Any) -> None:
        first = not self._caught_up.is_set()
        self._caught_up.set()
        if first:
            log.info("cp directory caught up: %d CP(s)", len(self))
            if self.on_caught_up:
                self.dispatch(self.on_caught_up)

    def _on_status(self, state: Any, error: str | None = None) -> None:
        if self.on_status:
            self.dispatch(self.on_status, state, error)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        from ev_common.kafka.consumer import ResilientConsumer

        if self._consumer is not None:
            return
        self._consumer = ResilientConsumer(
            self.bootstrap_servers, [self.topics.cp_state], group_id=None,
            client_id=self.client_id, on_batch=self._on_batch, start_from="earliest",
            on_status=self._on_status, on_caught_up=self._on_caught_up)
        self._consumer.start()

    def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop()
