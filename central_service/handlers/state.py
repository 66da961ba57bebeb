"""The state all of Central's handlers work on, and the steps they share.

Why a module of its own: every handler group of :mod:`central_service.handlers` reads and
changes the same CP pictures, counters and supply bookkeeping, and ends each change the same
way: ``_apply`` runs a transition and records in the DB the supply or reservation it took away,
``_finish`` appends the CpState snapshots that changed and persists the CPs. Kept here once, so
each group holds only its own decisions.
"""
from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable

import msgspec

from ev_common import contract as c
from central_service.domain.cp import ChargePoint, RunningSession
from central_service.store import Store
from central_service.tokens import TokenSigner

log = logging.getLogger("central")  # the one logger of Central's application, as before the split

_MAX_SEQ = 2**63 - 1  # telemetry_seq is a 64-bit integer column (SQLite INTEGER, PostgreSQL BIGINT)


def _short(text: str, limit: int = 64) -> str:
    """A sender-chosen field as logged: bounded, so a huge id cannot flood the log or event table."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def _bad_amounts(*values: float) -> bool:
    """True when an energy/power/money value from a CP is negative or not a finite number."""
    return any(not math.isfinite(v) or v < 0 for v in values)


class CentralState:
    """CPs, counters and supply bookkeeping of one Central, with the steps every handler shares."""

    _principal: str | None = None  # who sent the message being applied (set by ``on_message``)
    #: scale-out (central_service/scale_out.py): this instance's id; None for a single active
    #: Central (every Monitor is then this process's own)
    instance: str | None = None

    def __init__(self, store: Store, signer: TokenSigner, *, reservation_timeout: float = 30.0,
                 monitor_timeout: float = 5.0, interrupted_timeout: float = 600.0,
                 clock: Callable[[], float] = time.time, billing_time_scale: float = 1.0) -> None:
        self.store = store
        self.billing_time_scale = billing_time_scale
        self.signer = signer
        self.reservation_timeout = reservation_timeout
        self.monitor_timeout = monitor_timeout
        self.interrupted_timeout = interrupted_timeout
        self.clock = clock
        self.cps: dict[str, ChargePoint] = {}
        self.counters: Counter[str] = Counter()
        # interrupted supplies awaiting the Engine's final report: session → (cp, last values, since)
        self._interrupted: dict[str, tuple[str, RunningSession, float]] = {}
        self._dirty_live: dict[str, RunningSession] = {}
        self._published: dict[str, c.CpState] = {}
        self._touched: list[str] = []

    # ------------------------------------------------------------------ state
    def load(self) -> None:
        """(Re)load every fact from the DB: all CPs disconnected until their monitors return."""
        self.cps = self.store.load_charge_points()
        self._interrupted = {}
        for s in self.store.interrupted_before(float("inf")):
            self._interrupted[s.id] = (s.cp_id, RunningSession(s.id, s.driver_id, s.started_at or 0.0,
                                                               s.kw, s.kwh, s.eur, s.telemetry_seq),
                                       s.interrupted_at or self.clock())
        self._published = {}
        self._dirty_live = {}

    def reload_after_failure(self) -> None:
        """After a rolled-back transaction: DB facts again, live monitor facts (not in the DB) kept
        (scale-out: they are in the DB; only the last heartbeat's time is newer here)."""
        old = self.cps
        self.load()
        for cp_id, cp in self.cps.items():
            prev = old.get(cp_id)
            if prev is None:
                continue
            if self.instance is None:
                cp.monitor_connected, cp.engine_ok = prev.monitor_connected, prev.engine_ok
                cp.fault_reason, cp.last_seen = prev.fault_reason, prev.last_seen
            elif cp.holder is not None and cp.holder == prev.holder == self.instance:
                cp.last_seen = prev.last_seen  # as in refresh(): this instance's own Monitor
            if cp.session and prev.session and prev.session.session_id == cp.session.session_id \
                    and prev.session.seq > cp.session.seq:
                cp.session = prev.session
        self.all_states()

    def refresh(self, changed: dict[str, ChargePoint]) -> None:
        """Scale-out: take the CPs another instance wrote since this one last looked (their rows,
        read under the decision lock), as the truth. Kept from this instance's own picture: a
        running supply's newer live values (telemetry is applied here, saved once a second) and
        the last heartbeat's time. The refreshed snapshot counts as published (the writer
        published it), so a decision compares with what the row says, not a stale picture."""
        for cp_id, cp in changed.items():
            prev = self.cps.get(cp_id)
            if prev is not None:
                if cp.holder is not None and cp.holder == prev.holder == self.instance:
                    # this instance's own Monitor: its heartbeats' time is here (the row's is
                    # saved with state changes only, and PostgreSQL keeps it as a 4-byte REAL)
                    cp.last_seen = prev.last_seen
                if cp.session and prev.session and prev.session.session_id == cp.session.session_id \
                        and prev.session.seq > cp.session.seq:
                    cp.session = prev.session
            self.cps[cp_id] = cp
            self._published[cp_id] = cp.snapshot()
        for s in self.store.interrupted_of(changed):
            if s.id not in self._interrupted:
                self._interrupted[s.id] = (s.cp_id, RunningSession(s.id, s.driver_id, s.started_at or 0.0, s.kw,
                                                                   s.kwh, s.eur, s.telemetry_seq),
                                           s.interrupted_at or self.clock())

    def all_states(self) -> list[c.CpState]:
        self._published = {cp_id: cp.snapshot() for cp_id, cp in self.cps.items()}
        return list(self._published.values())

    def _reject(self, counter: str, text: str) -> list[c.Payload]:
        self.counters[counter] += 1
        log.warning("rejected (%s): %s", counter, text)
        return []

    def _finish(self, effects: list[c.Payload]) -> list[c.Payload]:
        """Append CpState snapshots for touched CPs whose picture changed; persist CP facts."""
        for cp_id in dict.fromkeys(self._touched):
            cp = self.cps.get(cp_id)
            if cp is None:
                continue
            snap = cp.snapshot()
            prev = self._published.get(cp_id)
            if prev is None or msgspec.structs.replace(prev, last_seen=snap.last_seen) != snap:
                if prev is None or prev.state != snap.state:
                    log.info("cp=%s state %s → %s", cp_id, prev.state if prev else "?", snap.state)
                self.store.save_cp(cp)
                self._published[cp_id] = snap
                effects.append(snap)
        self._touched.clear()
        return effects

    def _drop_bookkeeping(self, cp: ChargePoint, before_ses: RunningSession | None,
                          before_res, reason: str) -> None:
        """Record in the DB the supply/reservation a transition just took away from *cp*."""
        now = self.clock()
        # the normal path is not a loss: a reservation that became this supply ("start") and
        # a supply that ended with its final report ("finish") are recorded by their own
        # handlers (charging / ticket), not as a cancellation or an interruption
        if reason == "start" and before_res is not None and cp.session is not None \
                and cp.session.session_id == before_res.session_id:
            before_res = None
        if reason == "finish":
            before_ses = None
        if before_ses is not None and cp.session is None:
            s = before_ses
            self.store.update_session(s.session_id, status="interrupted", interrupt_reason=reason,
                                      interrupted_at=now, kw=s.kw, kwh=s.kwh, eur=s.eur, telemetry_seq=s.seq)
            self._interrupted[s.session_id] = (cp.cp_id, s, now)
            self.store.log_event("supply_interrupted", reason, cp_id=cp.cp_id, session_id=s.session_id,
                                 driver_id=s.driver_id)
            log.info("supply interrupted cp=%s session=%s driver=%s reason=%s", cp.cp_id, s.session_id,
                     s.driver_id, reason)
        if before_res is not None and cp.reservation is None:
            status = "expired" if reason == "expired" else "cancelled"
            self.store.update_session(before_res.session_id, status=status, ended_at=now, outcome=reason)
            self.store.log_event(f"reservation_{status}", reason, cp_id=cp.cp_id,
                                 session_id=before_res.session_id, driver_id=before_res.driver_id)
            log.info("reservation " + status + " cp=%s session=%s driver=%s reason=%s", cp.cp_id,
                     before_res.session_id, before_res.driver_id, reason)

    def _apply(self, cp: ChargePoint, reason: str, transition: Callable[[], list[c.Payload]]) -> list[c.Payload]:
        before_ses, before_res = cp.session, cp.reservation
        effects = transition()
        self._drop_bookkeeping(cp, before_ses, before_res, reason)
        self._touched.append(cp.cp_id)
        return effects

    def _cp_or_reject(self, cp_id: str, what: str) -> ChargePoint | None:
        cp = self.cps.get(cp_id)
        if cp is None:
            self._reject("unknown_cp", f"{what} from unknown cp={cp_id}")
        return cp

    def known_cp(self, cp_id: str) -> ChargePoint | None:
        """The CP, also one added to the DB (``ev-db add-cp``) since Central started."""
        cp = self.cps.get(cp_id)
        if cp is None:
            cp = self.store.load_charge_point(cp_id)
            if cp is not None:
                self.cps[cp_id] = cp
        return cp
