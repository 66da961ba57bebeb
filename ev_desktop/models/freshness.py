"""Is what the views show still live? One answer for the whole window, from the Kafka link.

The operator tiles and the driver's free-CP list are only as current as the last CP state that
arrived from Kafka. While the link is down nothing new arrives, yet the old picture stays on
screen looking exactly as live as before — reservation countdowns even tick down to a zero that
never happened. :class:`DataFreshness` follows the app's merged link state (the same
:class:`~ev_desktop.models.link.LinkSummary` the status bar shows) and the arrival of
CP states, and says whether the picture is stale and *as of when* it was known to be current,
so the views can say so and stop counting down.

"As of" is the last moment the data was known current: the arrival of the last CP states, or
the moment the link stopped being connected (on a quiet network nothing arrives for minutes,
yet the picture was current until the link dropped) — whichever is later.

Plain model: no widgets, an injectable clock, fed on the Qt thread.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

STALE_STATES = frozenset({"offline", "degraded"})


@dataclass(frozen=True)
class Freshness:
    """What the views need to mark stale data."""

    state: str                 # connected | degraded | offline | unknown (as the status bar)
    as_of: float | None        # last moment the data was known current; None: nothing received yet
    since: float | None = None  # when the link stopped being connected (None while connected)
    now: float | None = None    # the model's clock when this was computed: views format times
    #                             against it (same day? show the date?), never the wall clock

    @property
    def stale(self) -> bool:
        """Offline or degraded: what is on screen may be out of date. "unknown" (just started,
        still connecting) is not stale — nothing has been shown yet that could be old."""
        return self.state in STALE_STATES

    @property
    def frozen_at(self) -> float | None:
        """The clock countdowns should stop at while stale (None: let them run)."""
        if not self.stale:
            return None
        return self.as_of if self.as_of is not None else self.since


class DataFreshness(QObject):
    """Link state + data arrivals → :class:`Freshness` (``changed`` on every visible change)."""

    changed = Signal(object)  # Freshness

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.clock = clock
        self._state = "unknown"
        self._last_current: float | None = None
        self._since: float | None = None
        self._last: Freshness | None = None

    @property
    def freshness(self) -> Freshness:
        return Freshness(self._state, self._last_current, self._since, self.clock())

    def set_link(self, summary: object) -> None:
        """Slot for ``LinkAggregator.changed`` (a LinkSummary; also a ProducerStatus)."""
        # a cluster missing a broker still delivers: the data's state is the clients' own
        state = getattr(summary, "data_state", None) or getattr(summary, "state", summary)
        state = str(getattr(state, "value", state) or "unknown")  # a LinkState enum or its name
        if state == self._state:
            return
        now = self.clock()
        if self._state == "connected":  # the data was current up to this moment
            self._last_current = max(self._last_current or now, now)
        self._since = None if state == "connected" else (self._since or now)
        self._state = state
        self._publish()

    def data_received(self, *_args: object) -> None:
        """Slot for ``AppContext.cpStates``: fresh CP states just arrived."""
        self._last_current = self.clock()
        if self._state != "connected":  # the banner shows the time: keep it right
            self._publish()

    def reset(self) -> None:
        """Settings applied: the views dropped their data, the link starts over."""
        self._state, self._last_current, self._since = "unknown", None, None
        self._publish()

    def _publish(self) -> None:
        f = self.freshness
        if self._last is None or replace(f, now=None) != replace(self._last, now=None):
            self._last = f
            self.changed.emit(f)
