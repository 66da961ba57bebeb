"""The operator workbench inside Central: alert evaluation and the operators' socket queries.

``OPQUERY#<session_id>#<token>#<query>#<base64 JSON object>`` (docs/protocol.md §4) is served
here. Every query is authenticated (a valid operator token *and* a live, not signed-out
operator session of the same operator), authorized (operators only: a driver's token is not an
operator token), bounded (page sizes capped, arguments ≤ 4 KiB, the answer fits one frame) and
answers ``ERR#<code>#<text>`` on bad input. Actions (acknowledging an alert) are audited with
the link's peer address in the same transaction as their effect.

Alerts are evaluated on Central's loop (``evaluate`` every second) from the core's facts by the
pure rules of :mod:`central_service.domain.alerts`; changes are saved in one transaction.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from central_service import alerts_store, audit, gateway_reports, reports, supply_closing, supply_queries
from central_service import db
from central_service.db import SupplySample, database
from central_service.domain.alerts import AlertBook, AlertPolicy, AlertRules, Facts
from central_service.tokens import TokenError

log = logging.getLogger("central.workbench")

ARGS_MAX_BYTES = 4096
ANSWER_MAX_BYTES = 60_000   # the frame limit is 65,536 DATA bytes; leave room for "OK#"
ALERTS_MAX = 100
CLEARED_WINDOW_S = 24 * 3600.0
REFRESH_SAVE_S = 10.0


class QueryError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


@dataclass(frozen=True)
class Caller:
    operator: str
    peer: str


class Workbench:
    """Owns the alert book; answers operator queries. Called on Central's loop only."""

    def __init__(self, *, signer, sessions, core, lag: Callable[[], int | None] = lambda: None,
                 policy: AlertPolicy | None = None, clock: Callable[[], float] = time.time,
                 transact: Callable[[Callable[[], list]], None] | None = None) -> None:
        """*transact(step)*: Central's own transaction runner (stages and relays the effects
        *step* returns); needed by the actions that change supplies (``close``)."""
        self.signer, self.sessions, self.core = signer, sessions, core
        self.transact = transact
        self.lag = lag
        self.clock = clock
        self.rules = AlertRules(policy or AlertPolicy())
        self.book = AlertBook(policy or AlertPolicy())
        self.book.load(alerts_store.load_active())
        self.book.next_id = max(self.book.next_id, alerts_store.last_id() + 1)
        self.handlers: dict[str, Callable[[Caller, dict], dict]] = {
            "alerts": self._alerts, "ack": self._ack, "audit": self._audit,
            "supplies": self._supplies, "energy": self._energy, "timeline": self._timeline,
            "suspects": self._suspects, "close": self._close,
        }
        self.sample_interval_s = 10.0   # telemetry points kept for the timeline chart (0: none)
        self._saved: dict[int, float] = {}   # alert id → last_seen last written
        self._sampled: dict[str, tuple[float, int]] = {}   # session → (time, seq) of the last sample
        self.samples_retention_s = 30 * 86400.0   # disputes are raised within weeks; 0: keep all
        self._last_prune = 0.0
        self.open_max_s = 4 * 3600.0     # a supply open longer than this is suspect (option)
        self.time_scale = 1.0            # the CPs' billing time scale (demo)

    # ------------------------------------------------------------------ alerts
    def reload_book(self) -> None:
        """Scale-out: the alert book as its rows say (another instance may have kept it, or an
        operator acknowledged an alert through another instance)."""
        self.book = AlertBook(self.book.policy)
        self.book.load(alerts_store.load_active())
        self.book.next_id = max(self.book.next_id, alerts_store.last_id() + 1)

    def evaluate(self) -> int:
        """Apply the rules to the facts now; persist what changed. Returns the number changed."""
        now = self.clock()
        facts = Facts(list(self.core.cps.values()), dict(self.core.counters), self.lag(),
                      refused_chargers=gateway_reports.alert_facts(self.core))
        before = dict(self.book.active)
        changed = [a for a in self.book.apply(self.rules.evaluate(facts, now), now) if self._worth_saving(a, before)]
        self._sample(facts.cps, now)
        if self.samples_retention_s > 0 and now - self._last_prune >= 3600.0:
            self._last_prune = now
            SupplySample.delete().where(SupplySample.ts < now - self.samples_retention_s).execute()
        if changed:
            with database.atomic():
                alerts_store.save(changed)
            for a in changed:
                if a.first_seen == now or a.cleared_at == now:
                    log.info("alert %s id=%d %s: %s", "cleared" if a.cleared_at else "raised", a.id, a.key, a.detail)
        return len(changed)

    def _worth_saving(self, a, before: dict) -> bool:
        """A refresh that only moves ``last_seen`` (or the "for N s" wording) is saved every
        ``REFRESH_SAVE_S``: a hundred faulted CPs must not cost a hundred writes a second."""
        prev = before.get(a.key)
        if (prev is None or prev.id != a.id or a.cleared_at is not None or prev.count != a.count
                or prev.severity != a.severity or a.last_seen - self._saved.get(a.id, 0.0) >= REFRESH_SAVE_S):
            self._saved[a.id] = a.last_seen
            if a.cleared_at is not None:
                self._saved.pop(a.id, None)
            return True
        return False

    def _sample(self, cps, now: float) -> None:
        """One telemetry point per running supply every ``sample_interval_s`` (if it moved)."""
        if self.sample_interval_s <= 0:
            return
        rows, live = [], set()
        for cp in cps:
            ses = cp.session
            if ses is None:
                continue
            live.add(ses.session_id)
            last = self._sampled.get(ses.session_id)
            if last is not None and (now - last[0] < self.sample_interval_s or last[1] == ses.seq):
                continue
            self._sampled[ses.session_id] = (now, ses.seq)
            rows.append({"session_id": ses.session_id, "ts": now, "kw": ses.kw, "kwh": ses.kwh})
        self._sampled = {k: v for k, v in self._sampled.items() if k in live}
        if rows:
            with db.synchronous("NORMAL"):   # a lost sample to a power cut costs one chart point
                with database.atomic():
                    for i in range(0, len(rows), 200):
                        SupplySample.insert_many(rows[i:i + 200]).execute()

    # ------------------------------------------------------------------ queries
    def answer(self, session_id: str, token: str, name: str, args_b64: str, peer: str) -> list[str]:
        """The answer fields for one OPQUERY (never raises for bad input)."""
        try:
            caller = Caller(self._authenticate(session_id, token), peer)
            handler = self.handlers.get(name)
            if handler is None:
                raise QueryError("bad_request", "Consulta desconocida")
            args = _decode_args(args_b64)
            blob = _encode(handler(caller, args))
        except QueryError as exc:
            self.core.counters[f"opquery_{exc.code}"] += 1
            log.warning("OPQUERY %s from %s refused: %s (%s)", name[:40], peer, exc.code, exc.text)
            return ["ERR", exc.code, exc.text]
        return ["OK", blob]

    def _authenticate(self, session_id: str, token: str) -> str:
        try:
            operator = self.signer.verify_operator(token)
        except TokenError:
            raise QueryError("invalid_token", "Tu sesión no es válida o ha caducado. Vuelve a iniciar sesión.") from None
        s = self.sessions.get(session_id)
        if (s is None or s.role != "operator" or s.subject != operator or s.revoked_at is not None
                or self.clock() >= s.expires_at):
            raise QueryError("invalid_token", "Tu sesión no es válida o ha caducado. Vuelve a iniciar sesión.")
        return operator

    def _alerts(self, caller: Caller, args: dict) -> dict:
        limit = _int_arg(args, "limit", ALERTS_MAX, 1, ALERTS_MAX)
        rows = alerts_store.listing(cleared_since=self.clock() - CLEARED_WINDOW_S, limit=limit)
        return {"alerts": rows, "now": self.clock()}

    def _ack(self, caller: Caller, args: dict) -> dict:
        alert_id = _int_arg(args, "id", None, 1, 2 ** 62)
        now = self.clock()
        current = next((a for a in self.book.active.values() if a.id == alert_id), None) \
            or alerts_store.get(alert_id)
        if current is None:
            raise QueryError("not_found", "Esa alerta no existe")
        acked = self.book.acknowledge(current, caller.operator, now)
        with database.atomic():
            if acked is not current:
                alerts_store.save([acked])
            audit.record(caller.operator, "ack_alert", target=f"alerta {alert_id}", detail=current.key,
                         peer=caller.peer, outcome="ok" if acked is not current else "already", now=now)
        return {"alert": acked.as_dict()}

    def _audit(self, caller: Caller, args: dict) -> dict:
        limit = _int_arg(args, "limit", 100, 1, audit.PAGE_MAX)
        before = _int_arg(args, "before_id", None, 1, 2 ** 62) if "before_id" in args else None
        operator = args.get("operator")
        if operator is not None and (not isinstance(operator, str) or len(operator) > 64):
            raise QueryError("bad_request", "Operador no válido")
        return {"entries": audit.page(limit=limit, before_id=before, operator=operator)}


    def _supplies(self, caller: Caller, args: dict) -> dict:
        try:
            return reports.supplies_page(
                reports.SupplyFilter.from_args(args), sort=str(args.get("sort", "created_at")),
                descending=bool(args.get("descending", True)), page=_int_arg(args, "page", 0, 0, 100_000),
                page_size=_int_arg(args, "page_size", 50, 1, reports.PAGE_MAX))
        except reports.ReportError as exc:
            raise QueryError("bad_request", str(exc)) from None

    def _energy(self, caller: Caller, args: dict) -> dict:
        try:
            return {"buckets": reports.aggregate(
                reports.SupplyFilter.from_args(args), bucket=str(args.get("bucket", "day")),
                tz_offset_s=_int_arg(args, "tz_offset_s", 0, -14 * 3600, 14 * 3600))}
        except reports.ReportError as exc:
            raise QueryError("bad_request", str(exc)) from None

    def _timeline(self, caller: Caller, args: dict) -> dict:
        sid = args.get("session_id")
        if not isinstance(sid, str) or not sid or len(sid) > 64:
            raise QueryError("bad_request", "Falta session_id")
        found = supply_queries.timeline(sid)
        if found is None:
            raise QueryError("not_found", "Ese suministro no existe")
        return found

    def _suspects(self, caller: Caller, args: dict) -> dict:
        silent = {a.subject for a in self.book.active.values() if a.kind == "supply_silent"}
        return {"suspects": supply_queries.suspects(self.clock(), open_max_s=self.open_max_s,
                                                    silent_ids=silent, time_scale=self.time_scale)}

    def _close(self, caller: Caller, args: dict) -> dict:
        sid, reason = args.get("session_id"), args.get("reason")
        if not isinstance(sid, str) or not sid or len(sid) > 64:
            raise QueryError("bad_request", "Falta session_id")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
            raise QueryError("bad_request", "Indique el motivo (hasta 200 caracteres)")
        if self.transact is None:
            raise QueryError("internal", "Esta CENTRAL no puede cerrar suministros")

        def step() -> list:
            effects = supply_closing.close_supply(self.core, sid, caller.operator, reason.strip())
            audit.record(caller.operator, "close_supply", target=sid, detail=reason.strip(), peer=caller.peer,
                         now=self.clock())
            return effects
        try:
            supply_closing.check_closable(self.core, sid)
            self.transact(step)
        except supply_closing.CloseRefused as exc:
            raise QueryError(exc.code, exc.text) from None
        found = supply_queries.timeline(sid)
        return {"closed": sid, "supply": found["supply"] if found else None,
                "ticket": found["ticket"] if found else None}


def _decode_args(args_b64: str) -> dict:
    if not args_b64:
        return {}
    if len(args_b64) > ARGS_MAX_BYTES:
        raise QueryError("bad_request", "Argumentos demasiado largos")
    try:
        args = json.loads(base64.b64decode(args_b64, validate=True))
    except (binascii.Error, ValueError):
        raise QueryError("bad_request", "Argumentos ilegibles (JSON en base64)") from None
    if not isinstance(args, dict):
        raise QueryError("bad_request", "Los argumentos deben ser un objeto JSON")
    return args


def _int_arg(args: dict, name: str, default: int | None, lo: int, hi: int) -> int:
    value = args.get(name, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise QueryError("bad_request", f"Falta o no es un entero: {name}")
    if value < lo:
        raise QueryError("bad_request", f"Valor fuera de rango: {name}")
    return min(value, hi)


def _encode(result: dict) -> str:
    """Base64 JSON that fits one frame: list values are halved until it does (``truncated``)."""
    while True:
        blob = base64.b64encode(json.dumps(result, separators=(",", ":")).encode("utf-8")).decode("ascii")
        if len(blob) <= ANSWER_MAX_BYTES:
            return blob
        lists = [k for k, v in result.items() if isinstance(v, list) and v]
        if not lists:
            raise QueryError("internal", "Respuesta demasiado grande")
        for k in lists:
            result[k] = result[k][: len(result[k]) // 2]
        result["truncated"] = True
