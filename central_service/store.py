"""Repository: everything Central reads from / writes to its database, in domain terms.

Callers own the transaction (``with store.atomic():``); the service wraps each message in one
so its processed id, state change, event-log line and pending effects commit together.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import peewee as pw

from central_service.db import (
    ChargePointRow, Driver, DriverNotifyKey, EventLog, Operator, PendingEffect, ProcessedMessage, Supply,
    TicketRow, database,
)
from central_service.domain.cp import ChargePoint, Reservation, RunningSession
from central_service.tokens import hash_secret
from ev_common.notify_crypto import NotifyKey

ACTIVE = ("reserved", "charging")


@dataclass(frozen=True)
class StoredEffect:
    id: int
    topic: str
    payload: bytes


class Store:
    def atomic(self):
        return database.atomic()

    def write_transaction(self):
        """A transaction that reads, then writes, from a process other than Central (``ev-db``).

        On SQLite it takes the write lock when it begins (``BEGIN IMMEDIATE``): a transaction
        begun for reading that then writes fails at once with "database is locked" if Central
        committed meanwhile (its snapshot is stale; SQLite does not wait, whatever the busy
        timeout) — seen as ``ev-db add-cp`` failing while supplies ran. Taking the lock first,
        it waits for Central's short transactions instead (busy timeout). Other databases: a
        plain transaction (their row locks wait by themselves)."""
        obj = database.obj
        if isinstance(obj, pw.SqliteDatabase):
            return obj.atomic("IMMEDIATE")
        return database.atomic()

    # ------------------------------------------------------------------ loading
    #: scale-out (central_service/scale_out.py): CP rows carry the Monitor's liveness and a
    #: version; set once at start-up. False (a single active Central): nothing changes.
    scale_out = False
    #: scale-out: the version every CP row written in the current decision gets, and how many
    #: rows it wrote (the decision clock moves only when a decision wrote one)
    cp_version = 0
    cp_writes = 0

    def load_charge_points(self, changed_since: int | None = None) -> dict[str, ChargePoint]:
        """Every known CP with its open reservation / supply; monitors not connected yet — or,
        in scale-out, as their rows say. *changed_since* (scale-out): only the CPs whose
        version moved past it (another instance wrote them)."""
        query = ChargePointRow.select()
        if changed_since is not None:
            query = query.where(ChargePointRow.version > changed_since)
        cps = {row.id: self._charge_point(row) for row in query}
        if not cps:
            return cps
        supplies = Supply.select().where(Supply.status.in_(ACTIVE))
        if changed_since is not None:
            supplies = supplies.where(Supply.cp_id.in_(list(cps)))
        for s in supplies.order_by(Supply.created_at):
            cp = cps.get(s.cp_id)
            if cp is None:
                continue
            if s.status == "reserved":
                cp.reservation = Reservation(s.id, s.driver_id, s.reservation_expires_at or 0.0)
            else:
                cp.session = RunningSession(s.id, s.driver_id, s.started_at or s.created_at,
                                            kw=s.kw, kwh=s.kwh, eur=s.eur, seq=s.telemetry_seq)
        return cps

    def _charge_point(self, row: ChargePointRow) -> ChargePoint:
        cp = ChargePoint(cp_id=row.id, location=row.location, price_eur_kwh=row.price_eur_kwh,
                         max_kw=row.max_kw, stopped_by_operator=row.stopped_by_operator,
                         last_seen=row.last_seen)
        if self.scale_out:
            cp.monitor_connected, cp.engine_ok = bool(row.monitor_connected), bool(row.engine_ok)
            cp.fault_reason, cp.ocpp = row.fault_reason, bool(row.ocpp)
            cp.holder = row.holder if cp.monitor_connected else None
        return cp

    def load_charge_point(self, cp_id: str) -> ChargePoint | None:
        row = ChargePointRow.get_or_none(ChargePointRow.id == cp_id)
        return None if row is None else self._charge_point(row)

    def interrupted_of(self, cp_ids: Iterable[str]) -> list[Supply]:
        """Scale-out: the interrupted supplies of these CPs (another instance interrupted them)."""
        ids = list(cp_ids)
        return list(Supply.select().where((Supply.status == "interrupted") & Supply.cp_id.in_(ids))) if ids else []

    def previously_connected(self) -> list[str]:
        """CPs whose last published state was not "disconnected": their Monitor was connected
        when Central last stopped (the restart grace waits for them)."""
        return [row.id for row in ChargePointRow.select(ChargePointRow.id)
                .where(ChargePointRow.last_state != "disconnected")]

    # ------------------------------------------------------------- identities
    def driver_password_hash(self, driver_id: str) -> str | None:
        row = Driver.get_or_none(Driver.id == driver_id)
        return row.password_hash if row else None

    def driver_exists(self, driver_id: str) -> bool:
        """Plain SQL: asked for every charge request (see ``is_processed``)."""
        sql = f"SELECT 1 FROM {_table(Driver)} WHERE {_col(Driver.id)} = {_param()} LIMIT 1"
        return database.execute_sql(sql, (driver_id,)).fetchone() is not None

    def cp_key_hash(self, cp_id: str) -> str | None:
        """The argon2 hash the Monitor's AUTH is checked against; None for an unknown or
        revoked CP (a revoked CP cannot authenticate at all)."""
        row = ChargePointRow.get_or_none(ChargePointRow.id == cp_id)
        return row.key_hash if row and not row.revoked else None

    def cp_mac_key(self, cp_id: str) -> tuple[str | None, bool] | None:
        """(secret or None, revoked) of a known CP, None for an unknown one."""
        row = ChargePointRow.get_or_none(ChargePointRow.id == cp_id)
        return None if row is None else (row.mac_key, bool(row.revoked))

    def cp_mac_keys(self) -> dict[str, tuple[str | None, bool]]:
        """(secret or None, revoked) of every known CP, in one query (the keyring's refresh)."""
        sql = (f"SELECT {_col(ChargePointRow.id)}, {_col(ChargePointRow.mac_key)}, "
               f"{_col(ChargePointRow.revoked)} FROM {_table(ChargePointRow)}")
        return {cp: (key, bool(revoked)) for cp, key, revoked in database.execute_sql(sql).fetchall()}

    def set_cp_key(self, cp_id: str, key: str, now: float) -> bool:
        """Rotate: the new secret replaces the old at once (and un-revokes). False if unknown."""
        return ChargePointRow.update(key_hash=hash_secret(key), mac_key=key, revoked=False,
                                     key_rotated_at=now).where(ChargePointRow.id == cp_id).execute() > 0

    def revoke_cp(self, cp_id: str) -> bool:
        """The CP's key stops working everywhere (AUTH, events, commands). False if unknown."""
        return ChargePointRow.update(revoked=True).where(ChargePointRow.id == cp_id).execute() > 0

    def add_driver(self, driver_id: str, password: str, *, replace: bool = False) -> bool:
        """False when the driver exists and *replace* is not set. A new driver gets its
        notification key; setting an existing driver's password again gives it a new one (the
        old key stops opening new notifications: see docs/security.md, notification privacy)."""
        added = _add_account(Driver, driver_id, password, replace)
        if added:
            self.rotate_notify_key(driver_id)
        return added

    # ------------------------------------------------------ notification keys
    def notify_key(self, driver_id: str) -> tuple[str, str] | None:
        """(kid, key as base64 text) of *driver_id*'s notification key, None when it has none."""
        row = DriverNotifyKey.get_or_none(DriverNotifyKey.driver_id == driver_id)
        return None if row is None else (row.kid, row.key)

    def ensure_notify_key(self, driver_id: str) -> tuple[str, str]:
        """The driver's notification key, created (random) when it has none yet — databases from
        before per-driver keys, or a pseudo-driver such as ``manual``. Race-safe: two creators
        agree on the first one stored."""
        found = self.notify_key(driver_id)
        if found is not None:
            return found
        key = NotifyKey.generate()
        DriverNotifyKey.insert(driver_id=driver_id, kid=key.kid, key=key.text,
                               created_at=time.time()).on_conflict_ignore().execute()
        found = self.notify_key(driver_id)
        assert found is not None
        return found

    def rotate_notify_key(self, driver_id: str) -> tuple[str, str]:
        """Replace the driver's notification key with a new random one (returns it)."""
        key = NotifyKey.generate()
        DriverNotifyKey.insert(driver_id=driver_id, kid=key.kid, key=key.text, created_at=time.time()) \
            .on_conflict(conflict_target=[DriverNotifyKey.driver_id],
                         update={DriverNotifyKey.kid: key.kid, DriverNotifyKey.key: key.text,
                                 DriverNotifyKey.created_at: time.time()}).execute()
        return key.kid, key.text

    def operator_password_hash(self, operator_id: str) -> str | None:
        row = Operator.get_or_none(Operator.id == operator_id)
        return row.password_hash if row else None

    def add_operator(self, operator_id: str, password: str, *, replace: bool = False) -> bool:
        """False when the operator exists and *replace* is not set (so a re-seed never resets
        a password an admin changed)."""
        return _add_account(Operator, operator_id, password, replace)

    def add_cp(self, cp_id: str, location: str, price: float, max_kw: float, key: str, *,
               replace: bool = False) -> bool:
        if ChargePointRow.get_or_none(ChargePointRow.id == cp_id) is not None:
            if not replace:
                return False
            ChargePointRow.update(location=location, price_eur_kwh=price, max_kw=max_kw,
                                  key_hash=hash_secret(key), mac_key=key, revoked=False,
                                  key_rotated_at=time.time()).where(ChargePointRow.id == cp_id).execute()
            return True
        ChargePointRow.create(id=cp_id, location=location, price_eur_kwh=price, max_kw=max_kw,
                              key_hash=hash_secret(key), mac_key=key)
        return True

    # ---------------------------------------------------------------- CP facts
    def save_cp(self, cp: ChargePoint) -> None:
        if not self.scale_out:  # every decision about a CP: plain SQL (see _plain_update)
            _plain_update(ChargePointRow, ((ChargePointRow.stopped_by_operator, cp.stopped_by_operator),
                                           (ChargePointRow.last_seen, cp.last_seen),
                                           (ChargePointRow.last_state, cp.state)), ChargePointRow.id, cp.cp_id)
            return
        if not cp.monitor_connected:
            cp.holder = None  # nobody holds a Monitor that is not connected
        ChargePointRow.update(stopped_by_operator=cp.stopped_by_operator, last_seen=cp.last_seen,
                              last_state=cp.state, monitor_connected=cp.monitor_connected,
                              engine_ok=cp.engine_ok, fault_reason=(cp.fault_reason or "")[:200] or None,
                              ocpp=cp.ocpp, holder=cp.holder, version=self.cp_version
                              ).where(ChargePointRow.id == cp.cp_id).execute()
        self.cp_writes += 1

    # ---------------------------------------------------------------- sessions
    def create_session(self, session_id: str, driver_id: str, cp: ChargePoint, request_id: str,
                       now: float, expires_at: float) -> None:
        """Plain SQL (see :func:`_plain_insert`): one per authorized request, on its path."""
        _plain_insert(Supply, ((Supply.id, session_id), (Supply.driver_id, driver_id), (Supply.cp_id, cp.cp_id),
                               (Supply.request_id, request_id), (Supply.status, "reserved"),
                               (Supply.created_at, now), (Supply.reservation_expires_at, expires_at),
                               (Supply.price_eur_kwh, cp.price_eur_kwh), (Supply.max_kw, cp.max_kw),
                               (Supply.authorized_at, now)))

    def session(self, session_id: str) -> Supply | None:
        return Supply.get_or_none(Supply.id == session_id)

    def session_by_request(self, driver_id: str, request_id: str) -> Supply | None:
        """Plain SQL (a raw query still yields a :class:`Supply`): asked for every charge
        request; the built query cost ~0.25 ms of CPU against ~0.02 ms for the lookup."""
        sql = (f"SELECT * FROM {_table(Supply)} WHERE {_col(Supply.driver_id)} = {_param()} "
               f"AND {_col(Supply.request_id)} = {_param()} LIMIT 1")
        return next(iter(Supply.raw(sql, driver_id, request_id)), None)

    def update_session(self, session_id: str, **fields) -> None:
        Supply.update(**fields).where(Supply.id == session_id).execute()

    def interrupted_before(self, deadline: float) -> list[Supply]:
        return list(Supply.select().where((Supply.status == "interrupted") & (Supply.interrupted_at < deadline)))

    def save_live_values(self, sessions: Iterable[RunningSession]) -> None:
        """Persist the latest kW/kWh/€ of running sessions (never going back to an older seq).

        Called once a second with every session that got telemetry (5,000 at the design
        load): one ``UPDATE … FROM (VALUES …)`` per chunk of sessions, not one query per
        session — per-row queries cost ~0.2 ms each in query building and GIL hand-overs and
        stalled Central's loop for most of a second at 5,000 CPs."""
        rows = [(s.session_id, s.kw, s.kwh, s.eur, s.seq) for s in sessions]
        if not rows:
            return
        with database.atomic():
            for i in range(0, len(rows), _LIVE_CHUNK):
                chunk = rows[i:i + _LIVE_CHUNK]
                database.execute_sql(_live_values_sql(len(chunk), open_only=self.scale_out),
                                     [v for row in chunk for v in row])

    def live_values_of_running(self) -> dict[str, tuple[int, float, float, float]]:
        """session id → (seq, kW, kWh, €) of every running or interrupted supply, as flushed by
        :meth:`save_live_values` of whichever instance applies its telemetry (scale-out)."""
        rows = (Supply.select(Supply.id, Supply.telemetry_seq, Supply.kw, Supply.kwh, Supply.eur)
                .where(Supply.status.in_(("charging", "interrupted"))).tuples())
        return {sid: (seq, kw, kwh, eur) for sid, seq, kw, kwh, eur in rows}

    def issue_ticket(self, s: Supply, *, ended_at: float, kwh: float, eur: float, outcome: str,
                     now: float) -> TicketRow:
        started = s.started_at or s.created_at
        Supply.update(status="finished", ended_at=ended_at, kwh=kwh, eur=eur, outcome=outcome,
                      billed=True).where(Supply.id == s.id).execute()
        return TicketRow.create(session_id=s.id, driver_id=s.driver_id, cp_id=s.cp_id, started_at=started,
                                ended_at=ended_at, kwh=kwh, eur=eur, price_eur_kwh=s.price_eur_kwh,
                                outcome=outcome, issued_at=now)

    def history(self, driver_id: str, limit: int = 100) -> list[dict]:
        rows = list(Supply.select().where(Supply.driver_id == driver_id)
                    .order_by(Supply.created_at.desc()).limit(limit))
        # where each supply happened, in one query (a driver's ticket without the place is half a ticket)
        places = {cp.id: cp.location for cp in ChargePointRow.select(ChargePointRow.id, ChargePointRow.location)
                  .where(ChargePointRow.id.in_({r.cp_id for r in rows}))} if rows else {}
        return [{"session_id": r.id, "cp_id": r.cp_id, "location": places.get(r.cp_id, ""), "status": r.status,
                 "created_at": r.created_at, "started_at": r.started_at, "ended_at": r.ended_at, "kwh": r.kwh,
                 "eur": r.eur, "price_eur_kwh": r.price_eur_kwh, "outcome": r.outcome} for r in rows]

    # ------------------------------------------------------------ idempotency
    # Every Kafka message pays for these two and for the effect rows below, on the path of a
    # driver's request → answer: they are plain SQL because building a peewee query costs
    # ~0.1 ms of CPU, several times what SQLite needs to run the statement.
    def processed_type(self, msg_id: str) -> str | None:
        """The type of the message applied under *msg_id*, or None if none was."""
        sql = (f"SELECT {_col(ProcessedMessage.type)} FROM {_table(ProcessedMessage)} "
               f"WHERE {_col(ProcessedMessage.id)} = {_param()} LIMIT 1")
        row = database.execute_sql(sql, (msg_id,)).fetchone()
        return None if row is None else row[0]

    def is_processed(self, msg_id: str) -> bool:
        return self.processed_type(msg_id) is not None

    def mark_processed(self, msg_id: str, msg_type: str, now: float) -> None:
        cols = ", ".join(_col(f) for f in (ProcessedMessage.id, ProcessedMessage.type,
                                           ProcessedMessage.processed_at))
        database.execute_sql(f"INSERT INTO {_table(ProcessedMessage)} ({cols}) VALUES "
                             f"({_param()}, {_param()}, {_param()})", (msg_id, msg_type, now))

    # --------------------------------------------------------------- event log
    def log_event(self, kind: str, detail: str = "", *, cp_id: str | None = None,
                  session_id: str | None = None, driver_id: str | None = None) -> None:
        """Plain SQL: one line per state change, inside the message's transaction."""
        fields = (EventLog.ts, EventLog.kind, EventLog.cp_id, EventLog.session_id,
                  EventLog.driver_id, EventLog.detail)
        database.execute_sql(
            f"INSERT INTO {_table(EventLog)} ({', '.join(_col(f) for f in fields)}) "
            f"VALUES ({', '.join([_param()] * len(fields))})",
            (time.time(), kind, cp_id, session_id, driver_id, detail[:2000]))

    # ------------------------------------------------------- transactional outbox
    def add_effects(self, effects: Iterable[tuple[str, bytes]], now: float, instance: str | None = None) -> None:
        """*instance* (scale-out): who relays them; None for a single active Central."""
        blob = PendingEffect.payload.db_value
        rows = [(t, blob(p), now) + ((instance,) if instance else ()) for t, p in effects]
        fields = (PendingEffect.topic, PendingEffect.payload, PendingEffect.created_at) \
            + ((PendingEffect.instance,) if instance else ())
        for i in range(0, len(rows), _EFFECT_CHUNK // len(fields) * 3):
            chunk = rows[i:i + _EFFECT_CHUNK // len(fields) * 3]
            cols = ", ".join(_col(f) for f in fields)
            values = ", ".join(["(" + ", ".join([_param()] * len(fields)) + ")"] * len(chunk))
            database.execute_sql(f"INSERT INTO {_table(PendingEffect)} ({cols}) VALUES {values}",
                                 [v for row in chunk for v in row])

    def pending_effects(self, limit: int = 1000, instance: str | None = None,
                        after_id: int = 0) -> list[StoredEffect]:
        """The oldest committed effects not handed over yet, with an id above *after_id*;
        *instance* (scale-out): its own only."""
        mine = f"AND {_col(PendingEffect.instance)} = {_param()} " if instance else ""
        sql = (f"SELECT {_col(PendingEffect.id)}, {_col(PendingEffect.topic)}, "
               f"{_col(PendingEffect.payload)} FROM {_table(PendingEffect)} "
               f"WHERE {_col(PendingEffect.id)} > {_param()} {mine}"
               f"ORDER BY {_col(PendingEffect.id)} LIMIT {_param()}")
        args = (after_id, instance, limit) if instance else (after_id, limit)
        return [StoredEffect(i, t, bytes(p)) for i, t, p in database.execute_sql(sql, args).fetchall()]

    def delete_effects(self, ids: list[int]) -> None:
        for i in range(0, len(ids), _EFFECT_CHUNK):
            chunk = ids[i:i + _EFFECT_CHUNK]
            marks = ", ".join([_param()] * len(chunk))
            database.execute_sql(f"DELETE FROM {_table(PendingEffect)} "
                                 f"WHERE {_col(PendingEffect.id)} IN ({marks})", chunk)


_LIVE_CHUNK = 150  # rows per statement: 750 parameters, under every backend's limit
_EFFECT_CHUNK = 300  # effect rows / ids per statement: ≤ 900 parameters, under every backend's limit


def _add_account(model: type[pw.Model], account_id: str, password: str, replace: bool) -> bool:
    """Create *account_id* with an argon2 hash of *password*; an existing one only if *replace*."""
    if model.get_or_none(model.id == account_id) is not None:
        if not replace:
            return False
        model.update(password_hash=hash_secret(password)).where(model.id == account_id).execute()
        return True
    model.create(id=account_id, password_hash=hash_secret(password))
    return True


def _quoted(name: str) -> str:
    """*name* quoted for the bound database (SQLite/PostgreSQL ``"x"``, MySQL ``x``)."""
    return f"{database.quote[0]}{name}{database.quote[-1]}"


def _table(model: type[pw.Model]) -> str:
    return _quoted(model._meta.table_name)


def _col(field: pw.Field) -> str:
    return _quoted(field.column_name)


def _param() -> str:
    """The bound database's parameter placeholder (``?`` for SQLite, ``%s`` for PostgreSQL)."""
    return database.param


# Why plain SQL on a decision's path: peewee builds each query anew from its expression tree
# — measured on the 2-core build machine, ``Supply.create`` cost ~190 µs and a one-row
# ``ChargePointRow.update`` ~75 µs of CPU, against ~10 / ~4 µs for the statements themselves;
# both run in every charge request's transaction, before the driver's answer may leave
# (issue 14, ``latency``). The values still go through each field's ``db_value`` (booleans,
# enums) and a model's defaults fill the columns not given, as ``Model.create`` does.

def _plain_insert(model: type[pw.Model], values: Iterable[tuple[pw.Field, object]]) -> None:
    given = {f.name: f.db_value(v) for f, v in values}
    for f in model._meta.sorted_fields:
        if f.name not in given and f.default is not None:
            given[f.name] = f.db_value(f.default() if callable(f.default) else f.default)
    fields = model._meta.fields
    cols = ", ".join(_col(fields[n]) for n in given)
    marks = ", ".join([_param()] * len(given))
    database.execute_sql(f"INSERT INTO {_table(model)} ({cols}) VALUES ({marks})", list(given.values()))


def _plain_update(model: type[pw.Model], values: Iterable[tuple[pw.Field, object]],
                  key: pw.Field, key_value: object) -> None:
    pairs = list(values)
    sets = ", ".join(f"{_col(f)} = {_param()}" for f, _ in pairs)
    database.execute_sql(f"UPDATE {_table(model)} SET {sets} WHERE {_col(key)} = {_param()}",
                         [f.db_value(v) for f, v in pairs] + [key.db_value(key_value)])


def _live_values_sql(n: int, open_only: bool = False) -> str:
    """``UPDATE supplies … FROM (VALUES …)`` for *n* (id, kw, kwh, eur, seq) rows (SQLite ≥ 3.33,
    PostgreSQL). The seq guard keeps a late flush from overwriting newer values."""
    q = _quoted
    f = Supply._meta.fields
    t = _table(Supply)
    cid, ckw, ckwh, ceur, cseq = (q(f[n_].column_name) for n_ in ("id", "kw", "kwh", "eur", "telemetry_seq"))
    p = _param()
    values = ", ".join([f"({p}, {p}, {p}, {p}, {p})"] * n)
    return (f"WITH v(sid, kw, kwh, eur, seq) AS (VALUES {values}) "
            f"UPDATE {t} SET {ckw} = v.kw, {ckwh} = v.kwh, {ceur} = v.eur, {cseq} = v.seq "
            f"FROM v WHERE {t}.{cid} = v.sid AND {t}.{cseq} < v.seq"
            # scale-out: a picture gone stale (another instance closed the supply) must never
            # move the figures of a supply that is no longer running or waiting for its report
            + (f" AND {t}.{q(f['status'].column_name)} IN ('charging', 'interrupted')" if open_only else ""))


def is_db_error(exc: BaseException) -> bool:
    return isinstance(exc, (pw.OperationalError, pw.InterfaceError))
