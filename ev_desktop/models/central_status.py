"""Is Central answering? What the app can honestly say, from its heartbeats *and* the Kafka link.

Central's liveness is only visible through Kafka (its heartbeat topic). When the app's own
Kafka link is down, silence says nothing about Central — it may be perfectly healthy (logins
over its socket still work) — so the answer is "unknown — no Kafka", not "down". Only silence
while Kafka works means Central is not answering.

Plain model (Qt signals only, no widgets): fed by ``CentralWatch`` (up / down / last seen) and
the merged Kafka link state; the status bar, the dashboard banner, the driver panel and the
event log render :class:`CentralStatus`. Times come from an injectable clock.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

UP, DOWN, NO_KAFKA, WAITING = "up", "down", "no_kafka", "waiting"
# after Kafka comes back, heartbeats need a moment to arrive again: silence is not "down" yet
RECONNECT_GRACE_S = 6.0


@dataclass(frozen=True)
class CentralStatus:
    state: str                    # up | down | no_kafka | waiting (no heartbeat read yet)
    last_seen: float | None       # wall time of the last heartbeat read
    now: float | None = None      # the model's clock when computed (views format against it)

    @property
    def down(self) -> bool:
        """Known not to answer (heartbeats stopped while Kafka works)."""
        return self.state == DOWN


class CentralStatusModel(QObject):
    changed = Signal(object)       # CentralStatus, on every change of state
    wentDown = Signal(object)      # CentralStatus: Central stopped answering (Kafka up)
    cameBack = Signal(object)      # CentralStatus: answering again after being down

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time,
                 reconnect_grace_s: float = RECONNECT_GRACE_S) -> None:
        super().__init__(parent)
        self.clock = clock
        self.reconnect_grace_s = reconnect_grace_s
        self._kafka_back_at: float | None = None
        self._heartbeat: bool | None = None
        self._last_seen: float | None = None
        self._kafka = "unknown"
        self._status = CentralStatus(WAITING, None, None)
        self._was_down = False

    @property
    def status(self) -> CentralStatus:
        return self._status

    def set_heartbeat(self, up: bool | None, last_seen: float | None) -> None:
        """Slot for ``AppContext.centralChanged``."""
        self._heartbeat = up
        if last_seen is not None:
            self._last_seen = last_seen
        if up:
            self._kafka_back_at = None
        self._publish()

    def set_link(self, summary: object) -> None:
        """Slot for ``LinkAggregator.changed`` (a LinkSummary)."""
        # a cluster missing a broker still carries the heartbeats: go by the clients' link
        state = getattr(summary, "data_state", None) or getattr(summary, "state", summary)
        state = str(getattr(state, "value", state) or "unknown")
        if state == "connected" and self._kafka in ("offline", "degraded"):
            self._kafka_back_at = self.clock()
        self._kafka = state
        self._publish()

    def tick(self) -> None:
        """Call every second or so: ends the wait for heartbeats after Kafka came back."""
        self._publish()

    def reset(self) -> None:
        self._heartbeat, self._last_seen, self._kafka, self._was_down = None, None, "unknown", False
        self._kafka_back_at = None
        self._publish()

    def _derive(self) -> str:
        if self._kafka in ("offline", "degraded"):
            return NO_KAFKA
        if self._heartbeat is None:
            return WAITING
        if not self._heartbeat and self._kafka_back_at is not None \
                and self.clock() - self._kafka_back_at < self.reconnect_grace_s:
            return WAITING
        return UP if self._heartbeat else DOWN

    def _publish(self) -> None:
        before = self._status
        state = self._derive()
        if state == before.state and self._last_seen == before.last_seen:
            return
        self._status = CentralStatus(state, self._last_seen, self.clock())
        if state != before.state:
            self.changed.emit(self._status)
            if state == DOWN and not self._was_down:
                self._was_down = True
                self.wentDown.emit(self._status)
            elif state == UP and self._was_down:
                self._was_down = False
                self.cameBack.emit(self._status)
        elif state == DOWN:
            self.changed.emit(self._status)
