"""Telemetry: the live values of running (or interrupted) supplies, kept in memory.

Why a module of its own: telemetry is the hot path — no DB write per message; the values it
marks dirty are flushed in batches by the runtime (``dirty_live_values``), and its effects are
live values, not staged effects (so it is not in the HANDLERS table).
"""
from __future__ import annotations

from ev_common import contract as c
from central_service.domain.cp import RunningSession
from central_service.handlers.state import _MAX_SEQ, CentralState, _bad_amounts


class LiveValues(CentralState):
    """Telemetry in memory, flushed to the DB in batches by the runtime."""

    def on_telemetry(self, m: c.Telemetry) -> list[c.Payload]:
        """Live values (no DB write here: :meth:`dirty_live_values` are flushed in batches)."""
        if not 0 <= m.seq <= _MAX_SEQ or _bad_amounts(m.kw, m.kwh, m.eur):
            return self._reject("invalid_values", f"telemetry cp={m.cp_id} session={m.session_id} "
                                f"seq={m.seq} kw={m.kw} kwh={m.kwh} eur={m.eur}")
        cp = self._cp_or_reject(m.cp_id, "telemetry")
        if cp is None:
            return []
        if cp.session is None or cp.session.session_id != m.session_id:
            held = self._interrupted.get(m.session_id)
            if held is not None and held[0] == m.cp_id:
                ses = held[1]
                if m.seq > ses.seq:
                    ses.seq, ses.kw, ses.kwh, ses.eur = m.seq, m.kw, m.kwh, m.eur
                    self._dirty_live[ses.session_id] = ses
                return []
            return self._reject("unknown_session", f"telemetry cp={m.cp_id} session={m.session_id}")
        effects = cp.telemetry(m.session_id, m.seq, m.kw, m.kwh, m.eur)
        if effects is None:
            self.counters["stale_telemetry"] += 1
            return []
        self._dirty_live[m.session_id] = cp.session
        snap = cp.snapshot()
        self._published[cp.cp_id] = snap
        return effects + [snap]

    def dirty_live_values(self) -> list[RunningSession]:
        dirty, self._dirty_live = list(self._dirty_live.values()), {}
        return dirty

    def merge_live_values(self, values: dict[str, tuple[int, float, float, float]]) -> int:
        """Scale-out: take the newer live values another instance flushed to the database
        (session id → (seq, kW, kWh, €), :meth:`Store.live_values_of_running`) into this
        picture. Each instance applies the telemetry of its own partitions only, so without
        this the instance keeping the operators' alerts saw the other instances' supplies
        frozen: "sin telemetría" alerts for supplies that were running fine, and no timeline
        samples for them. Only a newer seq is taken (never back); nothing is marked dirty (the
        values are in the database already). Returns how many sessions moved."""
        moved = 0
        for cp in self.cps.values():
            ses = cp.session
            got = values.get(ses.session_id) if ses is not None else None
            if got is not None and got[0] > ses.seq:
                ses.seq, ses.kw, ses.kwh, ses.eur = got
                moved += 1
        return moved
