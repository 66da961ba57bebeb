"""Central's application core: contract messages and monitor events → domain → DB → effects.

Knows the domain and the repository; knows nothing of Kafka, sockets or threads. Every public
``on_*`` method must be called by the one thread that owns the state, inside a DB transaction
opened by the caller (the service), and returns the effects (contract payloads) to send once
that transaction has committed. ``CpState`` snapshots of every CP whose picture changed are
appended automatically.
"""
from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec

from ev_common import contract as c
from central_service import gateway_reports
from central_service.domain import billing
from central_service.domain.cp import MANUAL_DRIVER, ChargePoint, IllegalTransition, RunningSession
from central_service.domain.reservations import Denial, choose_cp, deny, driver_active_session, due_reservations
from central_service.domain.restart_grace import RequestOnHold, RestartGrace
from central_service.store import Store
from central_service.tokens import TokenSigner

log = logging.getLogger("central")

_MAX_SEQ = 2**63 - 1  # telemetry_seq is a 64-bit integer column (SQLite INTEGER, PostgreSQL BIGINT)


def _short(text: str, limit: int = 64) -> str:
    """A sender-chosen field as logged: bounded, so a huge id cannot flood the log or event table."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def _bad_amounts(*values: float) -> bool:
    """True when an energy/power/money value from a CP is negative or not a finite number."""
    return any(not math.isfinite(v) or v < 0 for v in values)


class CentralCore:
    grace: RestartGrace | None = None  # set by start_restart_grace() after a restart

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
        """After a rolled-back transaction: DB facts again, live monitor facts (not in the DB) kept."""
        old = self.cps
        self.load()
        for cp_id, cp in self.cps.items():
            prev = old.get(cp_id)
            if prev is None:
                continue
            cp.monitor_connected, cp.engine_ok = prev.monitor_connected, prev.engine_ok
            cp.fault_reason, cp.last_seen = prev.fault_reason, prev.last_seen
            if cp.session and prev.session and prev.session.session_id == cp.session.session_id \
                    and prev.session.seq > cp.session.seq:
                cp.session = prev.session
        self.all_states()

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

    # --------------------------------------------------------- Kafka messages
    def on_message(self, env: c.Envelope, principal: str | None = None) -> list[c.Payload]:
        """Apply *env*. *principal* is who the service authenticated as its sender (the driver or
        operator whose session MAC'd it, see :mod:`central_service.sessions`), None when nobody:
        requests and operator commands are obeyed only for their own principal."""
        handler = self.HANDLERS.get(env.type)
        if handler is None:
            log.info("ignoring message type=%s id=%s (not for Central)", env.type, env.id)
            return []
        self._principal = principal
        return self._finish(handler(self, env.body))

    _principal: str | None = None

    def _on_charge_requested(self, m: c.ChargeRequested) -> list[c.Payload]:
        now = self.clock()
        if self._principal != m.driver_id:
            why = "no valid session" if self._principal is None else "session of another driver"
            self._reject("invalid_token", f"charge request driver={m.driver_id} request={m.request_id}: {why}")
            return [self._denied(m, deny("invalid_token"))]
        earlier = self.store.session_by_request(m.driver_id, m.request_id)
        if earlier is not None and earlier.status in ("reserved", "charging"):
            cp = self.cps[earlier.cp_id]
            log.info("repeat of request=%s driver=%s: same session=%s", m.request_id, m.driver_id, earlier.id)
            return [self._authorized(m, cp, earlier.id, earlier.reservation_expires_at or now)]
        if not self.store.driver_exists(m.driver_id):
            return [self._denied(m, deny("unknown_driver"))]
        busy = driver_active_session(m.driver_id, self.cps.values())
        if busy is not None:
            return [self._denied(m, deny("driver_busy", session=busy))]
        self._hold_during_restart_grace(m)
        choice = choose_cp(m.cp_id, self.cps)
        if isinstance(choice, Denial):
            return [self._denied(m, choice)]
        session_id = c.new_id()
        expires_at = now + self.reservation_timeout
        self.store.create_session(session_id, m.driver_id, choice, m.request_id, now, expires_at)
        effects = self._apply(choice, "reserve", lambda: choice.reserve(session_id, m.driver_id, expires_at))
        self.store.log_event("authorized", f"request={m.request_id}", cp_id=choice.cp_id,
                             session_id=session_id, driver_id=m.driver_id)
        log.info("authorized driver=%s cp=%s session=%s (reserved until +%.0fs)", m.driver_id, choice.cp_id,
                 session_id, self.reservation_timeout)
        return effects + [self._authorized(m, choice, session_id, expires_at)]

    # ------------------------------------------------------------ restart grace
    def start_restart_grace(self, previously_connected: list[str], grace_s: float) -> None:
        """After (re)loading: CPs connected before the restart get *grace_s* seconds for their
        Monitor to come back before a request for them is decided (see domain.restart_grace)."""
        self.grace = RestartGrace.after_restart(previously_connected, self.clock(), grace_s)
        if previously_connected:
            log.info("restart grace %.1fs for %d CPs connected before the restart", grace_s,
                     len(previously_connected))

    def _hold_during_restart_grace(self, m: c.ChargeRequested) -> None:
        """Raise :class:`RequestOnHold` (nothing changed yet) when *m* would be denied only
        because a CP connected before the restart has not re-authenticated yet."""
        if self.grace is not None and self.grace.holds(m.cp_id, self.cps, self.clock()):
            self.counters["requests_held"] += 1
            log.info("request=%s driver=%s cp=%s held: monitor not back yet after Central's restart",
                     m.request_id, m.driver_id, m.cp_id or "*")
            raise RequestOnHold(f"request {m.request_id} waits for cp {m.cp_id or '*'} to reconnect")

    def _authorized(self, m: c.ChargeRequested, cp: ChargePoint, session_id: str, expires_at: float):
        return c.ChargeAuthorized(driver_id=m.driver_id, request_id=m.request_id, session_id=session_id,
                                  cp_id=cp.cp_id, location=cp.location, price_eur_kwh=cp.price_eur_kwh,
                                  reservation_expires_at=expires_at)

    def _denied(self, m: c.ChargeRequested, d: Denial) -> c.ChargeDenied:
        self.store.log_event("denied", f"{d.reason}: {d.detail}", cp_id=m.cp_id, driver_id=m.driver_id)
        log.info("denied driver=%s cp=%s request=%s reason=%s", m.driver_id, m.cp_id or "*", m.request_id, d.reason)
        return c.ChargeDenied(driver_id=m.driver_id, request_id=m.request_id, reason=d.reason,  # type: ignore[arg-type]
                              detail=d.detail, cp_id=m.cp_id)

    def _on_charge_cancelled(self, m: c.ChargeCancelled) -> list[c.Payload]:
        if self._principal != m.driver_id:
            return self._reject("invalid_token", f"cancel driver={m.driver_id} session={m.session_id}: "
                                "no valid session of this driver")
        return self._cancel_for_driver(m)

    def _cancel_for_driver(self, m: c.ChargeCancelled) -> list[c.Payload]:
        """The driver gives up: a reservation is cancelled at once; a running supply is asked to
        stop (the Engine ends it and reports; the ticket follows as for any supply). A cancel
        that names only the request (sent while the request was queued) applies to whatever
        that request became — requests and cancels share the driver's partition, so the
        request was decided first. Anything else (already over, someone else's) is ignored."""
        session_id = m.session_id
        if not session_id and m.request_id:
            earlier = self.store.session_by_request(m.driver_id, m.request_id)
            session_id = earlier.id if earlier is not None else ""
        for cp in self.cps.values():
            res, ses = cp.reservation, cp.session
            if session_id and res is not None and res.session_id == session_id and res.driver_id == m.driver_id:
                self.store.log_event("cancelled", "reservation", cp_id=cp.cp_id, session_id=session_id,
                                     driver_id=m.driver_id)
                return self._apply(cp, "cancelled", lambda: cp.cancel_reservation(session_id))
            if session_id and ses is not None and ses.session_id == session_id and ses.driver_id == m.driver_id:
                self.store.log_event("cancelled", "driver_stop", cp_id=cp.cp_id, session_id=session_id,
                                     driver_id=m.driver_id)
                log.info("driver=%s stops supply session=%s cp=%s", m.driver_id, session_id, cp.cp_id)
                return [c.StopSupply(cp_id=cp.cp_id, session_id=session_id, reason="driver_stop")]
        log.info("cancel of session=%s request=%s driver=%s ignored: nothing open", session_id or "-",
                 m.request_id or "-", m.driver_id)
        return []

    def _cp_or_reject(self, cp_id: str, what: str) -> ChargePoint | None:
        cp = self.cps.get(cp_id)
        if cp is None:
            self._reject("unknown_cp", f"{what} from unknown cp={cp_id}")
        return cp

    def _on_supply_started(self, m: c.SupplyStarted) -> list[c.Payload]:
        cp = self._cp_or_reject(m.cp_id, "supply_started")
        if cp is None:
            return []
        if cp.session is not None and cp.session.session_id == m.session_id:
            return []  # a resend of a start already applied
        try:
            effects = self._apply(cp, "start", lambda: cp.start_supply(m.session_id, m.started_at))
        except IllegalTransition as exc:
            late = self._start_after_expiry(cp, m)
            return late if late is not None else self._reject("unknown_session", str(exc))
        self.store.update_session(m.session_id, status="charging", started_at=m.started_at)
        driver = cp.session.driver_id if cp.session else "?"
        self.store.log_event("supply_started", cp_id=cp.cp_id, session_id=m.session_id, driver_id=driver)
        log.info("supply started cp=%s session=%s driver=%s", cp.cp_id, m.session_id, driver)
        return effects

    def _start_after_expiry(self, cp: ChargePoint, m: c.SupplyStarted) -> list[c.Payload] | None:
        """A start that crossed its reservation's expiry on the wire (see
        :meth:`ChargePoint.start_after_expiry`): the supply goes on as a normal one when the CP
        is still free and the driver has nothing else open; else None (refused as before — the
        energy is still billed from the Engine's final report)."""
        s = self.store.session(m.session_id)
        if s is None or s.cp_id != cp.cp_id or s.status != "expired" or s.billed:
            return None
        if driver_active_session(s.driver_id, self.cps.values()) is not None:
            return None
        try:
            effects = self._apply(cp, "start", lambda: cp.start_after_expiry(m.session_id, s.driver_id, m.started_at))
        except IllegalTransition:
            return None
        self.store.update_session(m.session_id, status="charging", started_at=m.started_at, ended_at=None,
                                  outcome=None)
        self.store.log_event("supply_started", "after the reservation expired", cp_id=cp.cp_id,
                             session_id=m.session_id, driver_id=s.driver_id)
        log.info("supply started cp=%s session=%s driver=%s after its reservation expired (crossed on the wire)",
                 cp.cp_id, m.session_id, s.driver_id)
        return effects

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

    def _on_supply_finished(self, m: c.SupplyFinished) -> list[c.Payload]:
        if _bad_amounts(m.kwh, m.eur):
            return self._reject("invalid_values", f"supply_finished cp={m.cp_id} session={m.session_id} "
                                f"kwh={m.kwh} eur={m.eur}: nothing billed")
        cp = self._cp_or_reject(m.cp_id, "supply_finished")
        if cp is None:
            return []
        s = self.store.session(m.session_id)
        if s is None or s.cp_id != m.cp_id:
            return self._reject("unknown_session", f"supply_finished cp={m.cp_id} session={m.session_id}")
        if s.billed:
            self.counters["duplicate_finish"] += 1
            log.info("supply_finished cp=%s session=%s already billed: ignored", m.cp_id, m.session_id)
            return []
        if s.status in ("expired", "cancelled") and m.kwh <= 0:
            log.info("supply_finished cp=%s session=%s (%s, no energy): nothing to bill", m.cp_id, s.id, s.status)
            return []
        max_kw = s.max_kw if s.max_kw is not None else cp.max_kw
        since = s.authorized_at if s.authorized_at is not None else s.created_at
        implausible = billing.energy_problem(m.kwh, max_kw, self.clock() - since, self.billing_time_scale)
        if implausible is not None:
            what = f"supply_finished cp={m.cp_id} session={m.session_id} driver={s.driver_id}: {implausible}"
            self.store.log_event("bill_refused", implausible, cp_id=m.cp_id, session_id=s.id, driver_id=s.driver_id)
            return self._reject("implausible_energy", f"{what}: nothing billed")
        if cp.holds(m.session_id):
            self._apply(cp, "finish", lambda: (cp.finish_supply(m.session_id), [])[1])
        self._interrupted.pop(m.session_id, None)
        self._dirty_live.pop(m.session_id, None)
        outcome = billing.outcome(m.reason, s.interrupt_reason)
        # the money is Central's: the energy at the price it authorized, never the CP's € figure
        eur = billing.amount_eur(m.kwh, s.price_eur_kwh)
        return self._bill(s, cp.cp_id, ended_at=m.ended_at, kwh=m.kwh, eur=eur, outcome=outcome,
                          started_at=s.started_at or m.started_at)

    def _bill(self, s, cp_id: str, *, ended_at: float, kwh: float, eur: float, outcome: str,
              started_at: float) -> list[c.Payload]:
        if s.started_at is None:
            self.store.update_session(s.id, started_at=started_at)
            s.started_at = started_at
        t = self.store.issue_ticket(s, ended_at=ended_at, kwh=kwh, eur=eur, outcome=outcome, now=self.clock())
        self.store.log_event("ticket", f"kwh={kwh:.3f} eur={eur:.2f} outcome={outcome}", cp_id=cp_id,
                             session_id=s.id, driver_id=s.driver_id)
        log.info("ticket cp=%s session=%s driver=%s kwh=%.3f eur=%.2f outcome=%s", cp_id, s.id, s.driver_id,
                 kwh, eur, outcome)
        if s.driver_id == MANUAL_DRIVER:
            return []
        return [c.Ticket(driver_id=s.driver_id, session_id=s.id, cp_id=cp_id, started_at=t.started_at,
                         ended_at=ended_at, kwh=kwh, eur=eur, price_eur_kwh=s.price_eur_kwh,
                         outcome=outcome)]  # type: ignore[arg-type]

    def _on_manual_supply_requested(self, m: c.ManualSupplyRequested) -> list[c.Payload]:
        cp = self._cp_or_reject(m.cp_id, "manual_supply_requested")
        if cp is None:
            return []
        if cp.state != "available":
            log.info("manual supply at cp=%s ignored: CP is %s", cp.cp_id, cp.state)
            self.store.log_event("manual_ignored", cp.state, cp_id=cp.cp_id)
            return []
        now = self.clock()
        session_id, expires_at = c.new_id(), now + self.reservation_timeout
        self.store.create_session(session_id, MANUAL_DRIVER, cp, m.request_id, now, expires_at)
        effects = self._apply(cp, "reserve", lambda: cp.reserve(session_id, MANUAL_DRIVER, expires_at))
        self.store.log_event("authorized", "manual", cp_id=cp.cp_id, session_id=session_id, driver_id=MANUAL_DRIVER)
        log.info("manual supply authorized cp=%s session=%s", cp.cp_id, session_id)
        return effects

    def _on_engine_online(self, m: c.EngineOnline) -> list[c.Payload]:
        cp = self._cp_or_reject(m.cp_id, "engine_online")
        if cp is None:
            return []
        # an Engine may have missed (or refused as too old) a Parar sent while it was down
        again: list[c.Payload] = [c.SetAvailability(cp.cp_id, False)] if cp.stopped_by_operator else []
        if cp.reservation is not None:
            log.info("engine online cp=%s: resending authorization session=%s", cp.cp_id, cp.reservation.session_id)
            return again + [cp.authorize_command()]
        log.info("engine online cp=%s", cp.cp_id)
        return again

    def _operator_refusal(self, m: c.OperatorCommand) -> str | None:
        """Why *m* must not be obeyed (None: it comes from a signed-in operator). Anyone who can
        write to the topic can send a command, so only a live session of that operator counts."""
        if self._principal is None:
            return "no valid operator session (not signed in, signed out or expired)"
        if self._principal != m.operator:
            return f"session of operator {_short(self._principal)}"
        return None

    def _on_operator_command(self, m: c.OperatorCommand) -> list[c.Payload]:
        why = self._operator_refusal(m)
        if why is not None:
            what = f"operator command {m.action} cp={_short(m.cp_id)} from operator={_short(m.operator)}: {why}"
            self.store.log_event("operator_unauthorized", what)
            return self._reject("operator_unauthorized", what)
        if m.cp_id == "*":
            targets = list(self.cps.values())
        else:
            cp = self._cp_or_reject(m.cp_id, "operator_command")
            targets = [cp] if cp else []
        effects: list[c.Payload] = []
        for cp in targets:
            if m.action == "stop":
                effects += self._apply(cp, "operator_stop", cp.operator_stop)
            else:
                effects += self._apply(cp, "operator_resume", cp.operator_resume)
            self.store.log_event(f"operator_{m.action}", m.operator, cp_id=cp.cp_id)
        log.info("operator %s %s cp=%s (%d CPs)", m.operator, m.action, m.cp_id, len(targets))
        return effects

    # ------------------------------------------------------- monitor events (socket)
    def known_cp(self, cp_id: str) -> ChargePoint | None:
        """The CP, also one added to the DB (``ev-db add-cp``) since Central started."""
        cp = self.cps.get(cp_id)
        if cp is None:
            cp = self.store.load_charge_point(cp_id)
            if cp is not None:
                self.cps[cp_id] = cp
        return cp

    def on_monitor_auth(self, cp_id: str, *, ocpp: bool = False) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        effects = self._apply(cp, "auth", lambda: cp.monitor_authenticated(now, ocpp=ocpp))
        self.store.log_event("monitor_connected", cp_id=cp_id)
        log.info("monitor authenticated cp=%s", cp_id)
        return self._finish(effects)

    def on_monitor_heartbeat(self, cp_id: str, engine_ok: bool) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        effects: list[c.Payload] = []
        if not cp.monitor_connected:  # silent for a while, but its authenticated link is back
            log.info("monitor of cp=%s heard again", cp_id)
            effects += self._apply(cp, "auth", lambda: cp.monitor_authenticated(now))
        if cp.engine_ok != engine_ok:
            log.info("cp=%s engine %s (heartbeat)", cp_id, "OK" if engine_ok else "KO")
        effects += self._apply(cp, "fault", lambda: cp.heartbeat(engine_ok, now))
        return self._finish(effects)

    def on_monitor_fault(self, cp_id: str, reason: str) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        if not cp.monitor_connected:
            self._apply(cp, "auth", lambda: cp.monitor_authenticated(now))
        effects = self._apply(cp, "fault", lambda: cp.fault(reason, now))
        self.store.log_event("fault", reason, cp_id=cp_id)
        log.info("fault cp=%s reason=%s", cp_id, reason)
        return self._finish(effects)

    def on_monitor_recover(self, cp_id: str) -> list[c.Payload]:
        cp = self.cps[cp_id]
        now = self.clock()
        if not cp.monitor_connected:
            self._apply(cp, "auth", lambda: cp.monitor_authenticated(now))
        effects = self._apply(cp, "recover", lambda: cp.recover(now))
        self.store.log_event("recovered", cp_id=cp_id)
        log.info("recovered cp=%s", cp_id)
        return self._finish(effects)

    # ----------------------------------------------------------------- timers
    def on_tick(self) -> list[c.Payload]:
        """Expire reservations, disconnect silent monitors, close supplies whose final report
        never came. Cheap when nothing is due (no DB access)."""
        now = self.clock()
        effects: list[c.Payload] = []
        for cp in due_reservations(self.cps.values(), now):
            effects += self._apply(cp, "expired", lambda: cp.expire_reservation(now))
        for cp in self.cps.values():
            if cp.monitor_connected and now - (cp.last_seen or 0.0) > self.monitor_timeout:
                log.warning("cp=%s monitor silent for %.1fs: disconnected", cp.cp_id, now - (cp.last_seen or 0))
                effects += self._apply(cp, "monitor_lost", lambda: cp.monitor_lost(now))
                self.store.log_event("monitor_lost", cp_id=cp.cp_id)
        for session_id, (cp_id, ses, since) in list(self._interrupted.items()):
            if now - since < self.interrupted_timeout:
                continue
            del self._interrupted[session_id]
            s = self.store.session(session_id)
            if s is None or s.billed:
                continue
            cp = self.cps.get(cp_id)
            max_kw = s.max_kw if s.max_kw is not None else (cp.max_kw if cp else 0.0)
            since = s.authorized_at if s.authorized_at is not None else s.created_at
            kwh, eur = billing.closing_amounts(ses.kwh, s.price_eur_kwh, billing.max_energy_kwh(
                max_kw, now - since, self.billing_time_scale))
            log.warning("session=%s cp=%s: no final report after %.0fs, closing with last telemetry",
                        session_id, cp_id, self.interrupted_timeout)
            effects += self._bill(s, cp_id, ended_at=now, kwh=kwh, eur=eur,
                                  outcome=s.interrupt_reason or "interrupted", started_at=s.started_at or since)
        return self._finish(effects)


    #: The Kafka messages Central applies, by contract type. Telemetry is not here: the runtime
    #: calls :meth:`on_telemetry` itself (its effects are live values, not staged effects).
    #: An explicit table (not ``getattr(self, f"_on_{type}")``) so a reader sees every entry
    #: point at once and a message type cannot reach a private method by its name.
    HANDLERS: dict[str, Callable[["CentralCore", Any], list[c.Payload]]] = {
        c.ChargeRequested.TYPE: _on_charge_requested,
        c.ChargeCancelled.TYPE: _on_charge_cancelled,
        c.SupplyStarted.TYPE: _on_supply_started,
        c.SupplyFinished.TYPE: _on_supply_finished,
        c.ManualSupplyRequested.TYPE: _on_manual_supply_requested,
        c.EngineOnline.TYPE: _on_engine_online,
        c.OperatorCommand.TYPE: _on_operator_command,
        c.GatewayReport.TYPE: gateway_reports._on_gateway_report,  # noqa: SLF001 - OCPP gateways' refused chargers
    }
