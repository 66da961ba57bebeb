"""Services files: one CP id per line; the runner requests them one after another.

The runner requests the first CP, waits for that supply to end (ticket, denial, expired
reservation, or interruption followed by its ticket — or a timeout), pauses (4 s by default)
and requests the next one. It runs on the asyncio loop of the :class:`DriverCore`.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .events import RequestNotSaved
from .tracker import SupplyPhase, SupplyTracker

log = logging.getLogger(__name__)

CP_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class ServicesFileError(ValueError):
    """The services file cannot be used; the message names the file and line."""


def load_services_file(path: str | Path) -> list[str]:
    """CP ids of *path*, one per line; blank lines and ``#`` comments are ignored."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServicesFileError(f"No se puede leer el fichero de servicios {p}: {exc}") from exc
    cps: list[str] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not CP_ID_RE.match(line):
            raise ServicesFileError(
                f"{p}, línea {n}: '{raw.strip()}' no es un identificador de punto de recarga "
                "válido (letras, números, '-', '_' o '.', p. ej. CP001)")
        cps.append(line)
    if not cps:
        raise ServicesFileError(f"El fichero de servicios {p} no contiene ningún punto de recarga")
    return cps


@dataclass(frozen=True)
class ServiceOutcome:
    """How one requested supply ended. ``outcome``: completed / fault / operator_stop /
    monitor_lost / interrupted (ticket outcomes; ``interrupted`` also for a reservation dropped
    before charging), denied, expired, cancelled, timeout, stopped, or not_saved (the request
    could not be written to disk — disk full, outbox cap — and was not sent; *detail* says so)."""

    index: int          # 1-based
    total: int
    cp_id: str          # requested CP
    outcome: str
    session_id: str | None = None
    served_cp: str | None = None
    kwh: float = 0.0
    eur: float = 0.0
    detail: str = ""


@dataclass(frozen=True)
class ServicesProgress:
    index: int          # 1-based position of the current line
    total: int
    cp_id: str
    outcome: ServiceOutcome | None  # None: just requested; set: that supply ended


def outcome_of(tracker: SupplyTracker, index: int, total: int, cp_id: str) -> ServiceOutcome:
    """Summarise the tracker's finished supply."""
    kw: dict[str, Any] = dict(index=index, total=total, cp_id=cp_id,
                              session_id=tracker.session_id, served_cp=tracker.cp_id)
    if tracker.ticket is not None:
        t = tracker.ticket
        return ServiceOutcome(outcome=t.outcome, kwh=t.kwh, eur=t.eur,
                              detail=tracker.interrupt_text, **kw)
    if tracker.phase == SupplyPhase.DENIED:
        return ServiceOutcome(outcome="denied", detail=tracker.deny_text, **kw)
    if tracker.phase == SupplyPhase.EXPIRED:
        return ServiceOutcome(outcome="expired", detail="la reserva caducó", **kw)
    if tracker.phase == SupplyPhase.CANCELLED:
        return ServiceOutcome(outcome="cancelled", detail="reserva cancelada", **kw)
    if tracker.phase == SupplyPhase.INTERRUPTED and not tracker.ticket_expected:
        return ServiceOutcome(outcome="interrupted", detail=tracker.interrupt_text, **kw)
    return ServiceOutcome(outcome="timeout", kwh=tracker.kwh, eur=tracker.eur,
                          detail=f"sin final tras esperar (fase {tracker.phase.value})", **kw)


class ServicesRunner:
    """Run *cp_ids* through *core* one by one. ``await run()`` returns the outcomes.

    *timeout_s* bounds each supply (None: no bound); *interrupted_ticket_wait_s* bounds the wait
    for the ticket after an interruption while charging; *late_ticket_wait_s* how long a
    reservation interrupted before charging waits for a ticket that may still come (the Engine's
    start can cross the interruption; see :mod:`.tracker`) — without it the runner would report
    0 kWh for energy Central bills. ``progress(ServicesProgress)`` is called on the loop.
    """

    def __init__(self, core: Any, cp_ids: list[str], *, pause_s: float = 4.0,
                 timeout_s: float | None = 600.0, interrupted_ticket_wait_s: float = 60.0,
                 late_ticket_wait_s: float = 20.0,
                 progress: Callable[[ServicesProgress], None] | None = None) -> None:
        self.core = core
        self.cp_ids = list(cp_ids)
        self.pause_s = pause_s
        self.timeout_s = timeout_s
        self.interrupted_ticket_wait_s = interrupted_ticket_wait_s
        self.late_ticket_wait_s = late_ticket_wait_s
        self.progress = progress
        self.outcomes: list[ServiceOutcome] = []
        self._changed = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    def _on_event(self, _event: Any) -> None:
        self._changed.set()

    def stop(self) -> None:
        """Stop after the current wait (no new request is sent)."""
        self._stop.set()
        self._changed.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _report(self, p: ServicesProgress) -> None:
        if self.progress:
            try:
                self.progress(p)
            except Exception:
                log.exception("services progress callback failed")

    async def run(self) -> list[ServiceOutcome]:
        self.core.add_listener(self._on_event)
        try:
            total = len(self.cp_ids)
            for i, cp in enumerate(self.cp_ids, start=1):
                if self._stop.is_set():
                    break
                if i > 1 and self.pause_s > 0:
                    try:
                        await asyncio.wait_for(self._stop.wait(), self.pause_s)
                        break
                    except asyncio.TimeoutError:
                        pass
                outcome = await self.run_one(i, total, cp)
                self.outcomes.append(outcome)
                self._report(ServicesProgress(i, total, cp or "*", outcome))
                if outcome.outcome == "stopped":
                    break
        finally:
            self.core.remove_listener(self._on_event)
        return self.outcomes

    async def finish_open_supply(self, label: str) -> ServiceOutcome | None:
        """Wait for the supply the tracker resumed from Central (an earlier run's, still open)
        to end, and report it as service 0 — one RESULT per supply, with its own session id,
        instead of its ticket being taken for the first new request's."""
        tracker: SupplyTracker = self.core.tracker
        if tracker is None or not tracker.active or not tracker.session_id:
            return None
        self.core.add_listener(self._on_event)
        loop = asyncio.get_running_loop()
        deadline = None if self.timeout_s is None else loop.time() + self.timeout_s
        try:
            while not (tracker.over and not tracker.late_ticket_possible) and not self._stop.is_set():
                now = loop.time()
                if deadline is not None and now >= deadline:
                    break
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), None if deadline is None else deadline - now)
                except asyncio.TimeoutError:
                    pass
        finally:
            self.core.remove_listener(self._on_event)
        outcome = outcome_of(tracker, 0, len(self.cp_ids), label)
        self._report(ServicesProgress(0, len(self.cp_ids), label, outcome))
        return outcome

    async def run_one(self, index: int, total: int, cp_id: str | None) -> ServiceOutcome:
        """Request one supply and wait for its end."""
        tracker: SupplyTracker = self.core.tracker
        self._changed.clear()
        label = cp_id or "*"
        try:
            request_id = self.core.request_charge(cp_id)
        except RequestNotSaved as exc:  # disk full / outbox cap: nothing was queued
            return ServiceOutcome(index, total, label, "not_saved", detail=str(exc))
        self._report(ServicesProgress(index, total, label, None))
        loop = asyncio.get_running_loop()
        deadline = None if self.timeout_s is None else loop.time() + self.timeout_s
        interrupted_deadline: float | None = None
        while True:
            # RequestQueued is emitted via the loop: until it is applied the tracker is stale
            mine = tracker.request_id == request_id
            now = loop.time()
            if mine and tracker.over:
                if not tracker.late_ticket_possible:
                    return outcome_of(tracker, index, total, label)
                if interrupted_deadline is None:
                    interrupted_deadline = now + self.late_ticket_wait_s
            if self._stop.is_set():
                if mine and tracker.over:
                    return outcome_of(tracker, index, total, label)
                return ServiceOutcome(index, total, label, "stopped", tracker.session_id if mine else None)
            if mine and tracker.phase == SupplyPhase.CHARGING:
                interrupted_deadline = None  # an expired reservation's start crossed the expiry: a supply
            if mine and tracker.phase == SupplyPhase.INTERRUPTED and interrupted_deadline is None:
                interrupted_deadline = now + self.interrupted_ticket_wait_s
            limits = [d for d in (deadline, interrupted_deadline) if d is not None]
            if limits and now >= min(limits):
                return outcome_of(tracker, index, total, label)
            self._changed.clear()
            wait = min(limits) - now if limits else None
            try:
                await asyncio.wait_for(self._changed.wait(), wait)
            except asyncio.TimeoutError:
                pass
