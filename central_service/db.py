"""Peewee models of Central's database, bound at start-up to SQLite or PostgreSQL.

Models are defined once against a :class:`peewee.DatabaseProxy`; :func:`connect` turns the
``--db`` URL into a database (``playhouse.db_url``), binds the proxy and creates / migrates the
tables. Migration is additive on purpose: missing tables are created and missing columns are
added (with their defaults), so an older database file keeps working after an upgrade.

Central is the only process that writes here; ``ev-db`` reads it for the admin views and may
add drivers / operators / CPs.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee as pw
from playhouse.db_url import connect as url_connect
from playhouse.migrate import SchemaMigrator, migrate

from central_service import db_constraints

log = logging.getLogger(__name__)

database = pw.DatabaseProxy()


class BaseModel(pw.Model):
    class Meta:
        database = database


class Driver(BaseModel):
    id = pw.CharField(primary_key=True, max_length=64)
    password_hash = pw.TextField()
    created_at = pw.FloatField(default=time.time)

    class Meta:
        table_name = "drivers"


class Operator(BaseModel):
    """A control-centre operator: only a signed-in operator's commands are obeyed by Central."""

    id = pw.CharField(primary_key=True, max_length=64)
    password_hash = pw.TextField()
    created_at = pw.FloatField(default=time.time)

    class Meta:
        table_name = "operators"


class ChargePointRow(BaseModel):
    """A CP and the facts about it that survive a restart (monitor/engine facts do not)."""

    id = pw.CharField(primary_key=True, max_length=64)
    location = pw.CharField(max_length=200, default="")
    price_eur_kwh = pw.FloatField(default=0.30)
    max_kw = pw.FloatField(default=22.0)
    key_hash = pw.TextField()
    # the CP's secret itself: Central must compute HMACs with it (an argon2 hash cannot verify
    # a MAC); ``key_hash`` (argon2 of the same secret) still checks the Monitor's socket AUTH
    mac_key = pw.TextField(null=True)
    revoked = pw.BooleanField(default=False)
    key_rotated_at = pw.FloatField(null=True)
    stopped_by_operator = pw.BooleanField(default=False)
    last_seen = pw.DoubleField(null=True)  # double: a 4-byte REAL (PostgreSQL) is 128 s coarse
    last_state = pw.CharField(max_length=20, default="disconnected")
    created_at = pw.FloatField(default=time.time)
    # Scale-out only (central_service/scale_out.py; unused by a single active Central): the
    # Monitor's liveness as the instance holding its socket last decided it, that instance's
    # id (its lease is in ``central_instances``) and the decision clock value of the last write
    # (another instance reloads the CPs whose version moved past what it has seen).
    monitor_connected = pw.BooleanField(default=False)
    engine_ok = pw.BooleanField(default=True)
    fault_reason = pw.CharField(max_length=200, null=True)
    ocpp = pw.BooleanField(default=False)
    holder = pw.CharField(max_length=64, null=True)
    version = pw.BigIntegerField(default=0, index=True)

    class Meta:
        table_name = "charge_points"


class Supply(BaseModel):
    """One session: a reservation that may become a supply, then a ticket.

    ``status``: reserved → charging → finished, or reserved → expired / cancelled, or
    charging → interrupted (awaiting the Engine's final report) → finished.
    """

    id = pw.CharField(primary_key=True, max_length=64)
    driver_id = pw.CharField(max_length=64, index=True)
    cp_id = pw.CharField(max_length=64, index=True)
    request_id = pw.CharField(max_length=64, default="")
    status = pw.CharField(max_length=16, index=True)
    created_at = pw.FloatField()
    # double (8-byte) on PostgreSQL: a REAL's 128 s step would expire a reservation read back
    # from its row (another scale-out instance's picture, a restart) the moment it is loaded
    reservation_expires_at = pw.DoubleField(null=True)
    started_at = pw.FloatField(null=True)
    ended_at = pw.FloatField(null=True)
    price_eur_kwh = pw.FloatField()
    max_kw = pw.FloatField(null=True)  # the power authorized: bounds the energy Central will bill
    # when Central authorized it, by Central's clock: the start of the billing bound. Double
    # precision: peewee's FloatField is a 4-byte REAL on PostgreSQL (a 128 s step at today's
    # UNIX times), far too coarse for an energy bound
    authorized_at = pw.DoubleField(null=True)
    kw = pw.FloatField(default=0.0)
    kwh = pw.FloatField(default=0.0)
    eur = pw.FloatField(default=0.0)
    telemetry_seq = pw.IntegerField(default=-1)
    interrupt_reason = pw.CharField(max_length=20, null=True)
    interrupted_at = pw.DoubleField(null=True)  # double: the interrupted timeout counts from it
    outcome = pw.CharField(max_length=20, null=True)
    billed = pw.BooleanField(default=False)

    class Meta:
        table_name = "supplies"
        # reports (central_service/reports.py): date range alone, per CP, per driver — each
        # covering kwh/eur so the per-day/hour sums read only the index
        indexes = ((("created_at", "kwh", "eur"), False),
                   (("cp_id", "created_at", "kwh", "eur"), False),
                   (("driver_id", "created_at"), False),
                   (("outcome", "created_at"), False))


class TicketRow(BaseModel):
    session_id = pw.CharField(primary_key=True, max_length=64)
    driver_id = pw.CharField(max_length=64, index=True)
    cp_id = pw.CharField(max_length=64)
    started_at = pw.FloatField()
    ended_at = pw.FloatField()
    kwh = pw.FloatField()
    eur = pw.FloatField()
    price_eur_kwh = pw.FloatField()
    outcome = pw.CharField(max_length=20)
    issued_at = pw.FloatField()

    class Meta:
        table_name = "tickets"


class ProcessedMessage(BaseModel):
    """Envelope ids already applied: written in the same transaction as their effect."""

    id = pw.CharField(primary_key=True, max_length=64)
    type = pw.CharField(max_length=40)
    processed_at = pw.FloatField()

    class Meta:
        table_name = "processed_messages"


class EventLog(BaseModel):
    ts = pw.FloatField(index=True)
    kind = pw.CharField(max_length=40)
    cp_id = pw.CharField(max_length=64, null=True, index=True)
    session_id = pw.CharField(max_length=64, null=True, index=True)
    driver_id = pw.CharField(max_length=64, null=True, index=True)
    detail = pw.TextField(default="")

    class Meta:
        table_name = "event_log"


class AuthSession(BaseModel):
    """A signed-in driver or operator app: the key its Kafka messages are MAC'd with.

    Created by LOGIN/OPLOGIN, extended by RENEW while the app is open, revoked by LOGOUT. Kept
    in the DB so a restarted Central still recognises the apps signed in before."""

    id = pw.CharField(primary_key=True, max_length=64)
    role = pw.CharField(max_length=16)
    subject = pw.CharField(max_length=64, index=True)
    key = pw.CharField(max_length=128)
    created_at = pw.DoubleField()  # double: a 4-byte REAL (peewee FloatField on PostgreSQL) is 128 s coarse
    expires_at = pw.DoubleField()
    revoked_at = pw.DoubleField(null=True)

    class Meta:
        table_name = "auth_sessions"


class DriverNotifyKey(BaseModel):
    """A driver's notification key (``ev_common.notify_crypto``): Central seals every
    notification for the driver with it and hands it to every LOGIN of that driver. Created at
    the driver's first login or first notification (so databases from before it need no
    backfill), replaced when the driver's password is set again (``ev-db add-driver``)."""

    driver_id = pw.CharField(primary_key=True, max_length=64)
    kid = pw.CharField(max_length=32)
    key = pw.CharField(max_length=64)  # URL-safe base64 of 32 random bytes
    created_at = pw.DoubleField()

    class Meta:
        table_name = "driver_notify_keys"


class PendingEffect(BaseModel):
    """Transactional outbox: Kafka messages decided in a DB transaction, not yet handed to
    the ReliableProducer (see ``central_service.store``)."""

    topic = pw.CharField(max_length=200)
    payload = pw.BlobField()
    created_at = pw.FloatField()
    # scale-out: the instance that relays them (its own; a dead instance's are claimed). NULL:
    # written by a single active Central, which relays every row.
    instance = pw.CharField(max_length=64, null=True)

    class Meta:
        table_name = "pending_effects"


class CentralInstanceRow(BaseModel):
    """Scale-out: one row per serving instance and its lease (central_service/scale_out.py).
    An instance whose ``lease_until`` has passed counts as dead: its Monitors as lost, its
    pending effects are claimed by another instance."""

    id = pw.CharField(primary_key=True, max_length=64)
    lease_until = pw.DoubleField()
    started_at = pw.DoubleField()

    class Meta:
        table_name = "central_instances"


class DecisionClock(BaseModel):
    """Scale-out: one row (id 1), bumped by every decision that wrote a CP row."""

    id = pw.IntegerField(primary_key=True)
    value = pw.BigIntegerField(default=0)

    class Meta:
        table_name = "decision_clock"


class AlertRow(BaseModel):
    """An operator alert (central_service.domain.alerts): one row per occurrence; the same key
    raised again after being cleared is a new row. Acknowledgement: who and when."""

    id = pw.IntegerField(primary_key=True)
    key = pw.CharField(max_length=200, index=True)
    kind = pw.CharField(max_length=40)
    subject = pw.CharField(max_length=100)
    severity = pw.CharField(max_length=10)
    detail = pw.CharField(max_length=300, default="")
    cp_id = pw.CharField(max_length=64, null=True)
    first_seen = pw.DoubleField()
    last_seen = pw.DoubleField(index=True)
    count = pw.IntegerField(default=1)
    sticky = pw.BooleanField(default=False)
    cleared_at = pw.DoubleField(null=True, index=True)
    acked_by = pw.CharField(max_length=64, null=True)
    acked_at = pw.DoubleField(null=True)

    class Meta:
        table_name = "alerts"


class SupplySample(BaseModel):
    """A sampled telemetry point of a running supply (for the operator's timeline chart):
    written by the workbench every ``--supply-sample-interval`` seconds per supply at most."""

    session_id = pw.CharField(max_length=64)
    ts = pw.DoubleField()
    kw = pw.FloatField()
    kwh = pw.FloatField()

    class Meta:
        table_name = "supply_samples"
        indexes = ((("session_id", "ts"), False),)


class AuditRow(BaseModel):
    """One operator action (who, what, on what, when, from where): central_service.audit."""

    ts = pw.DoubleField(index=True)
    operator = pw.CharField(max_length=64, index=True)
    action = pw.CharField(max_length=40)
    target = pw.CharField(max_length=100, default="")
    detail = pw.CharField(max_length=300, default="")
    peer = pw.CharField(max_length=100, default="")
    outcome = pw.CharField(max_length=20, default="ok")

    class Meta:
        table_name = "audit"


class OcppGatewayRow(BaseModel):
    """An OCPP gateway's own key (``ev-db add-gateway``): it signs the gateway's reports of
    refused chargers (central_service/gateway_reports.py; docs/ocpp.md)."""

    name = pw.CharField(primary_key=True, max_length=64)
    mac_key = pw.TextField()
    revoked = pw.BooleanField(default=False)
    created_at = pw.FloatField(default=time.time)

    class Meta:
        table_name = "ocpp_gateways"


MODELS: list[type[BaseModel]] = [Driver, Operator, ChargePointRow, Supply, TicketRow, ProcessedMessage,
                                 EventLog, PendingEffect, AuthSession, DriverNotifyKey, AlertRow, AuditRow,
                                 SupplySample, OcppGatewayRow, CentralInstanceRow, DecisionClock]


def default_db_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / 'central.sqlite3'}"


SYNC_LEVELS = ("NORMAL", "FULL")


def connect(url: str, synchronous: str = "FULL") -> pw.Database:
    """Open *url*, bind the proxy, create/migrate the tables; returns the database.

    *synchronous* (SQLite only): FULL fsyncs the WAL at every commit, so a committed state
    change survives a power cut; NORMAL only survives a crash of the process (the last commits
    may vanish with the OS). FULL is the default because Central's effects leave the process
    right after the commit: with NORMAL a power cut could keep an authorization already sent
    while losing the reservation that justified it (a supply never billed). PostgreSQL is
    durable at commit by its own default (``synchronous_commit=on``)."""
    level = synchronous.upper()
    if level not in SYNC_LEVELS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNC_LEVELS)}, not {synchronous!r}")
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = url_connect(url, pragmas={"journal_mode": "wal", "synchronous": level.lower(),
                                       "foreign_keys": 1, "busy_timeout": 5000})
    else:
        db = url_connect(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    db.create_tables(MODELS, safe=True)
    _add_missing_columns(db)
    db_constraints.ensure(db)
    return db


@contextmanager
def synchronous(level: str) -> Iterator[None]:
    """Commit the enclosed (SQLite) statements at *level*, then return to the connection's own
    level. For writes whose loss to a power cut is harmless (see ``central_service.effects.EffectRelay.relay``).
    No-op on other databases and inside an open transaction (where the pragma cannot change)."""
    obj = database.obj
    if not isinstance(obj, pw.SqliteDatabase) or obj.in_transaction():
        yield
        return
    before = obj.execute_sql("PRAGMA synchronous").fetchone()[0]
    obj.execute_sql(f"PRAGMA synchronous={_sync_name(level)}")
    try:
        yield
    finally:
        obj.execute_sql(f"PRAGMA synchronous={int(before)}")


def _sync_name(level: str) -> str:
    upper = level.upper()
    if upper not in ("OFF",) + SYNC_LEVELS:
        raise ValueError(f"bad synchronous level {level!r}")
    return upper


def _add_missing_columns(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    ops = []
    for model in MODELS:
        table = model._meta.table_name
        have = {c.name for c in db.get_columns(table)}
        for field in model._meta.sorted_fields:
            if field.column_name not in have:
                if not field.null and field.default is None:
                    field.null = True  # cannot backfill a required column without a default
                ops.append(migrator.add_column(table, field.column_name, field))
                log.info("migrating: adding column %s.%s", table, field.column_name)
    if ops:
        migrate(*ops)


def close() -> None:
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()
