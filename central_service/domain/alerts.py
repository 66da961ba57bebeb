"""Operator alerts: what to raise, refresh and clear — pure rules with an injected clock.

Why a domain module: the rules ("a CP disconnected longer than N s", "a supply silent for N s",
"forged input counted") must be testable without Kafka, sockets or a database, and every
operator must see the *same* alerts and acknowledgements, so Central (which knows the facts)
decides them and keeps them; the desktop only shows them.

Two halves:

* :class:`AlertRules` turns a snapshot of facts (:class:`Facts`: the CPs, Central's counters,
  its consumer lag) into :class:`Finding` s. Some rules need memory across evaluations (how
  long a session's telemetry ``seq`` has not moved, how a counter grew, how lag moved): that
  memory lives here, fed only with the ``now`` the caller passes.
* :class:`AlertBook` applies findings to the alert list: a new finding raises an alert, a
  finding still present refreshes it (``last_seen``; ``count`` grows by the events counted), a
  state alert whose finding is gone is cleared at once, an event alert (counters) is cleared
  after ``quiet_s`` without new events. A cleared alert raised again is a new alert (new id,
  not acknowledged). ``acknowledge`` records who and when; it changes nothing else.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from central_service.domain.cp import ChargePoint

SEVERITIES = ("info", "warning", "critical")

# counters of Central (core / authenticity / sessions) grouped by the alert they feed
FORGED_COUNTERS = ("msgauth_", "session_forged", "session_unsigned", "session_unknown",
                   "operator_unauthorized", "unknown_cp", "invalid_token")
REFUSED_BILL_COUNTERS = ("implausible_energy", "invalid_values")
DEAD_LETTER_COUNTERS = ("dead_letters", "handler_errors")


@dataclass(frozen=True)
class AlertPolicy:
    """Thresholds (seconds / messages); Central takes them from its options."""

    disconnected_s: float = 30.0
    silent_supply_s: float = 30.0
    reservation_overdue_s: float = 5.0
    event_quiet_s: float = 300.0
    lag_threshold: int = 1000
    lag_samples: int = 3


@dataclass(frozen=True)
class Finding:
    """One condition observed now. ``events``: how many new events it stands for (counters)."""

    kind: str
    subject: str
    severity: str
    detail: str
    cp_id: str | None = None
    events: int = 1
    sticky: bool = False  # an event alert: cleared after quiet_s, not when the finding stops

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


@dataclass(frozen=True)
class Alert:
    id: int
    key: str
    kind: str
    subject: str
    severity: str
    detail: str
    cp_id: str | None
    first_seen: float
    last_seen: float
    count: int
    sticky: bool = False
    cleared_at: float | None = None
    acked_by: str | None = None
    acked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "subject": self.subject, "severity": self.severity,
                "detail": self.detail, "cp_id": self.cp_id, "first_seen": self.first_seen,
                "last_seen": self.last_seen, "count": self.count, "cleared_at": self.cleared_at,
                "acked_by": self.acked_by, "acked_at": self.acked_at}


@dataclass
class Facts:
    """What Central knows now (read, never changed, by the rules)."""

    cps: Iterable[ChargePoint]
    counters: Mapping[str, int]
    consumer_lag: int | None = None
    # chargers OCPP gateways refused: "<gateway>/<claimed id>" → (total, gateway, id, last
    # address, last reason) — central_service/gateway_reports.py
    refused_chargers: Mapping[str, tuple[int, str, str, str, str]] = field(default_factory=dict)


def _counter_sum(counters: Mapping[str, int], names: tuple[str, ...]) -> int:
    return sum(v for k, v in counters.items() if any(k == n or (n.endswith("_") and k.startswith(n))
                                                      for n in names))


@dataclass
class AlertRules:
    policy: AlertPolicy = field(default_factory=AlertPolicy)
    _disconnected_since: dict[str, float] = field(default_factory=dict)
    _seq_since: dict[str, tuple[int, float]] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _lags: list[int] = field(default_factory=list)

    def evaluate(self, facts: Facts, now: float) -> list[Finding]:
        out: list[Finding] = []
        live_sessions: set[str] = set()
        seen_cps: set[str] = set()
        for cp in facts.cps:
            seen_cps.add(cp.cp_id)
            out.extend(self._cp_findings(cp, now, live_sessions))
        self._disconnected_since = {k: v for k, v in self._disconnected_since.items() if k in seen_cps}
        self._seq_since = {k: v for k, v in self._seq_since.items() if k in live_sessions}
        out.extend(self._counter_findings(facts.counters))
        out.extend(self._lag_findings(facts.consumer_lag))
        out.extend(self._refused_charger_findings(facts.refused_chargers))
        return out

    def _refused_charger_findings(self, refused: Mapping[str, tuple[int, str, str, str, str]]) -> list[Finding]:
        """An event alert per (gateway, charger id) whose refusals grew: operators see who
        knocks with an unknown id or a wrong key (cleared after ``event_quiet_s`` of quiet)."""
        out: list[Finding] = []
        for key, (total, gateway, cp_id, peer, why) in refused.items():
            before = self._counts.get(f"refused:{key}", 0)
            self._counts[f"refused:{key}"] = total
            if total > before:
                out.append(Finding("unknown_charger", key, "warning",
                                   f"cargador desconocido {cp_id} rechazado en la pasarela {gateway} "
                                   f"({total} veces; último desde {peer}: {why})",
                                   events=total - before, sticky=True))
        for stale in [k for k in self._counts if k.startswith("refused:") and k[8:] not in refused]:
            del self._counts[stale]  # bounded like the totals it mirrors
        return out

    def _cp_findings(self, cp: ChargePoint, now: float, live_sessions: set[str]) -> list[Finding]:
        p = self.policy
        out: list[Finding] = []
        if not cp.monitor_connected:
            since = self._disconnected_since.setdefault(cp.cp_id, cp.last_seen if cp.last_seen else now)
            if cp.last_seen is not None and now - since >= p.disconnected_s:
                out.append(Finding("cp_disconnected", cp.cp_id, "warning",
                                   f"sin monitor desde hace {now - since:.0f} s", cp.cp_id))
            return out
        self._disconnected_since.pop(cp.cp_id, None)
        if not cp.engine_ok:
            out.append(Finding("cp_faulted", cp.cp_id, "critical", cp.fault_reason or "avería", cp.cp_id))
        res = cp.reservation
        if res is not None and now - res.expires_at >= p.reservation_overdue_s:
            out.append(Finding("reservation_overdue", res.session_id, "critical",
                               f"reserva de {res.driver_id} caducada hace {now - res.expires_at:.0f} s", cp.cp_id))
        ses = cp.session
        if ses is not None:
            live_sessions.add(ses.session_id)
            seq, since = self._seq_since.get(ses.session_id, (ses.seq, now))
            if seq != ses.seq:
                seq, since = ses.seq, now
            self._seq_since[ses.session_id] = (seq, since)
            if now - since >= p.silent_supply_s:
                out.append(Finding("supply_silent", ses.session_id, "warning",
                                   f"sin telemetría desde hace {now - since:.0f} s", cp.cp_id))
        return out

    def _counter_findings(self, counters: Mapping[str, int]) -> list[Finding]:
        out: list[Finding] = []
        for kind, names, severity, text in (
                ("forged_input", FORGED_COUNTERS, "critical", "entradas falsificadas o no autenticadas"),
                ("refused_bills", REFUSED_BILL_COUNTERS, "warning", "facturas rechazadas por valores imposibles"),
                ("dead_letters", DEAD_LETTER_COUNTERS, "warning", "mensajes enviados a cartas muertas")):
            total = _counter_sum(counters, names)
            before = self._counts.get(kind)
            self._counts[kind] = total
            grew = total - before if before is not None else total
            if grew > 0:
                out.append(Finding(kind, "central", severity, f"{text}: {total} en total", events=grew, sticky=True))
        return out

    def _lag_findings(self, lag: int | None) -> list[Finding]:
        if lag is None:
            return []
        self._lags = (self._lags + [lag])[-self.policy.lag_samples:]
        growing = len(self._lags) == self.policy.lag_samples and all(
            a < b for a, b in zip(self._lags, self._lags[1:]))
        if lag >= self.policy.lag_threshold and growing:
            return [Finding("consumer_lag", "central", "warning", f"{lag} mensajes pendientes y subiendo")]
        return []


@dataclass
class AlertBook:
    """The alert list (active ones by key, plus what changed since the caller last saved)."""

    policy: AlertPolicy = field(default_factory=AlertPolicy)
    active: dict[str, Alert] = field(default_factory=dict)
    next_id: int = 1

    def load(self, alerts: Iterable[Alert]) -> None:
        for a in alerts:
            self.next_id = max(self.next_id, a.id + 1)
            if a.active:
                self.active[a.key] = a

    def apply(self, findings: Iterable[Finding], now: float) -> list[Alert]:
        """Raise / refresh / clear; returns every alert that changed (to persist)."""
        changed: list[Alert] = []
        present: set[str] = set()
        for f in findings:
            present.add(f.key)
            a = self.active.get(f.key)
            if a is None:
                a = Alert(self.next_id, f.key, f.kind, f.subject, f.severity, f.detail, f.cp_id,
                          now, now, f.events, f.sticky)
                self.next_id += 1
            else:
                a = replace(a, last_seen=now, detail=f.detail, severity=f.severity,
                            count=a.count + (f.events if f.sticky else 0))
            self.active[f.key] = a
            changed.append(a)
        for key, a in list(self.active.items()):
            if key in present:
                continue
            if a.sticky and now - a.last_seen < self.policy.event_quiet_s:
                continue
            cleared = replace(a, cleared_at=now)
            del self.active[key]
            changed.append(cleared)
        return changed

    def acknowledge(self, alert: Alert, operator: str, now: float) -> Alert:
        """The alert as acknowledged by *operator* (the first acknowledgement stands)."""
        if alert.acked_by is not None:
            return alert
        acked = replace(alert, acked_by=operator, acked_at=now)
        if acked.key in self.active and self.active[acked.key].id == acked.id:
            self.active[acked.key] = acked
        return acked
