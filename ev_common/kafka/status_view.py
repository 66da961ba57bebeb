"""A one-line, human-readable summary of a running system, for ``ev-stack``'s console.

Reads the compacted CP-state topic (every CP's latest state), Central's heartbeat and Central's
activity log (tickets are counted from its ``ticket`` lines: driver notifications are sealed per
driver and say nothing to anyone else) with a group-less consumer, so watching never disturbs
the system's own consumer groups.
"""
from __future__ import annotations

import threading
import time
from collections import Counter

from ev_common.contract import CentralActivity, CentralHeartbeat, CpState
from ev_common.kafka.consumer import Delivery, ResilientConsumer
from ev_common.topics import Topics

STATE_LABELS = {"available": "libres", "reserved": "reservados", "charging": "cargando",
                "out_of_order": "parados", "faulted": "averiados", "disconnected": "desconectados"}


class StackStatus:
    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, str] = {}
        self._state_ts: dict[str, float] = {}   # when each CP's latest state was published
        self._last_heartbeat = 0.0
        self._hb_interval = 1.0
        self._tickets = 0
        self._link = "connecting"
        self._consumer = ResilientConsumer(
            bootstrap, [topics.cp_state, topics.central_heartbeat, topics.central_activity],
            group_id=None, client_id="ev-stack-status", on_batch=self._on_batch,
            start_from="earliest", on_status=self._on_status)

    def start(self) -> None:
        self._consumer.start()

    def stop(self) -> None:
        self._consumer.stop()

    def _on_status(self, state, last_error=None) -> None:  # noqa: ANN001 - LinkState enum
        self._link = str(getattr(state, "value", state))

    def _on_batch(self, batch: list[Delivery]) -> None:
        with self._lock:
            for d in batch:
                body = d.envelope.body
                if isinstance(body, CpState):
                    self._states[body.cp_id] = body.state
                    self._state_ts[body.cp_id] = d.envelope.ts
                elif isinstance(body, CentralHeartbeat):
                    self._last_heartbeat = max(self._last_heartbeat, d.envelope.ts)
                    self._hb_interval = body.interval_s
                elif isinstance(body, CentralActivity) and body.kind == "ticket":
                    self._tickets += 1

    def available_since(self, since: float) -> int:
        """CPs whose latest state is *available* and was published at or after *since* (epoch
        seconds): the compacted topic still holds the last run's states, which prove nothing."""
        with self._lock:
            return sum(1 for cp, st in self._states.items()
                       if st == "available" and self._state_ts.get(cp, 0.0) >= since)

    def line(self) -> str:
        with self._lock:
            counts = Counter(self._states.values())
            central_up = time.time() - self._last_heartbeat < 3 * self._hb_interval + 1
            tickets = self._tickets
        parts = [f"Kafka: {self._link}", f"CENTRAL: {'en línea' if central_up else 'sin respuesta'}",
                 f"CPs: {len(self._states)}"]
        parts += [f"{n} {STATE_LABELS.get(s, s)}" for s, n in sorted(counts.items())]
        parts.append(f"tickets: {tickets}")
        return " | ".join(parts)
