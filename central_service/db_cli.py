"""``ev-db``: terminal admin of Central's database (plain, readable tables).

    ev-db --db URL init | seed [--drivers N] [--cps N] | cps | supplies [--driver D] [--cp C]
          | supply SESSION_ID | add-driver ID [--password-file F] | add-operator ID [--password-file F]
          | add-cp ID --location L --price P --max-kw K [--credentials PATH]
          | rotate-cp-key ID [--credentials PATH] | revoke-cp ID | events [--limit N]
          | add-gateway ID [--credentials PATH]  (an OCPP gateway's own key, docs/ocpp.md)
          | prune [--processed-ids-days D] [--event-log-days D] [--dry-run]
          | export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--cp C] [--driver D] [--outcome O] [--out FILE]

``add-cp`` and ``rotate-cp-key`` generate the CP's random secret and write the CP box's
credentials file (0600; default ``<data-dir>/cp-credentials/<ID>.json``): copy it to the box
and start its Engine and Monitor with ``--cp-credentials FILE``. The key never appears on a
command line or in the output. ``seed`` gives its demo CPs the well-known key ``demo-cp-key``
(demo only) and, with ``--credentials-dir``, writes their files too.

The CP state shown by ``cps`` is the last one Central persisted (Central owns the live state).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import peewee as pw

from ev_common import cp_credentials, msgauth
from ev_common.cp_credentials import CpCredentials
from ev_common.secret_input import InsecureFileError, MissingSecret, add_password_file_arg, read_password
from ev_common.settings import default_data_dir, setting

PASSWORD_ENV = "EV_NEW_PASSWORD"  # ev-db add-driver / add-operator: the password to set
from central_service import db
from central_service.db import ChargePointRow, EventLog, Supply, TicketRow
from central_service.store import Store

LOCATIONS = ["C/ Mayor 1, Alicante", "Av. Maisonnave 20, Alicante", "Campus UA, San Vicente",
             "Pl. Luceros 3, Alicante", "C/ San Fernando 40, Alicante", "Puerto, Muelle 12, Alicante",
             "Av. Elche 150, Alicante", "Playa San Juan, Av. Niza 8", "Estación ADIF, Alicante",
             "Hospital General, Alicante"]
PRICES = [0.30, 0.35, 0.28, 0.42, 0.33, 0.39, 0.25, 0.45, 0.31, 0.37]
MAX_KW = [22.0, 50.0, 11.0, 7.4, 150.0, 22.0, 50.0, 11.0, 22.0, 100.0]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    if not rows:
        out.append("(ninguno)")
    return "\n".join(out)


def _fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "sí" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else _when(v)
    return str(v)


def _when(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


DEMO_OPERATOR = ("operator1", "admin123")
DEMO_CP_KEY = "demo-cp-key"  # only `seed` (demo data) uses it: a real CP gets a random key


def seed(store: Store, drivers: int, cps: int, credentials_dir: Path | None = None) -> tuple[int, int]:
    """Demo drivers and CPs (counts of the new ones returned), plus the demo operator: without
    an operator account nobody could sign in to the dashboard of a fresh install. With
    *credentials_dir*, the demo CPs' credentials files are written there."""
    store.add_operator(*DEMO_OPERATOR)
    added_d = sum(store.add_driver(f"driver{i}", "pass123") for i in range(1, drivers + 1))
    added_c = 0
    for i in range(1, cps + 1):
        j = (i - 1) % len(LOCATIONS)
        added_c += store.add_cp(f"CP{i:03d}", LOCATIONS[j], PRICES[j], MAX_KW[j], DEMO_CP_KEY)
        if credentials_dir is not None:
            cp_credentials.write(Path(credentials_dir) / f"CP{i:03d}.json", CpCredentials(f"CP{i:03d}", DEMO_CP_KEY))
    return added_d, added_c


def _credentials_path(args: argparse.Namespace) -> Path:
    """Where add-cp / rotate-cp-key write the CP box's file (a directory gets ``<ID>.json``)."""
    if args.credentials:
        path = Path(args.credentials).expanduser()
        return path / f"{args.id}.json" if path.is_dir() else path
    return Path(args.data_dir).expanduser() / "cp-credentials" / f"{args.id}.json"


def _issue_key(store: Store, args: argparse.Namespace, *, new_cp: bool) -> int:
    """Generate the CP's secret, store it, write its credentials file (0600)."""
    key = msgauth.new_key()
    path = _credentials_path(args)
    with store.write_transaction():
        if new_cp:
            store.add_cp(args.id, args.location, args.price, args.max_kw, key, replace=True)
        elif not store.set_cp_key(args.id, key, time.time()):
            print(f"No existe el punto de carga {args.id}", file=sys.stderr)
            return 1
        cp_credentials.write(path, CpCredentials(args.id, key))
    what = "guardado" if new_cp else "con clave nueva (la anterior ya no vale)"
    print(f"Punto de carga {args.id} {what}; credenciales en {path} (0600): cópielas al CP y "
          f"arranque su Engine y su Monitor con --cp-credentials {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-db", description="Administración de la base de datos de la CENTRAL")
    p.add_argument("--db", default=setting("db", "") or None,
                   help="database URL (env EV_DB; default the SQLite file in the data dir)")
    p.add_argument("--data-dir", type=Path, default=default_data_dir(), help="data dir (env EV_DATA_DIR)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init", help="create / migrate the tables")
    s = sub.add_parser("seed", help="demo data: driver1..N / pass123, CP001..N / demo-cp-key, "
                                    "operator1 / admin123")
    s.add_argument("--drivers", type=int, default=10)
    s.add_argument("--cps", type=int, default=10)
    s.add_argument("--credentials-dir", type=Path, default=None,
                   help="write the demo CPs' credentials files (CP001.json…) here")
    sub.add_parser("cps", help="list CPs with their last known state")
    s = sub.add_parser("supplies", help="list supplies")
    s.add_argument("--driver")
    s.add_argument("--cp")
    s.add_argument("--limit", type=int, default=50)
    s = sub.add_parser("supply", help="one supply and its history")
    s.add_argument("session_id")
    s = sub.add_parser("add-driver", help="add a driver (or set its password: also gives it a new "
                                          "notification key; its apps must sign in again)")
    s.add_argument("id")
    add_password_file_arg(s, PASSWORD_ENV)
    s = sub.add_parser("add-operator", help="add an operator (or set its password)")
    s.add_argument("id")
    add_password_file_arg(s, PASSWORD_ENV)
    s = sub.add_parser("add-cp", help="add a charging point (or replace its data and key)")
    s.add_argument("id")
    s.add_argument("--location", required=True)
    s.add_argument("--price", type=float, required=True)
    s.add_argument("--max-kw", type=float, required=True)
    s.add_argument("--credentials", default=None, metavar="PATH",
                   help="credentials file (or directory) to write; default <data-dir>/cp-credentials/ID.json")
    s = sub.add_parser("rotate-cp-key", help="new random key for a CP (the old one stops working)")
    s.add_argument("id")
    s.add_argument("--credentials", default=None, metavar="PATH")
    s = sub.add_parser("add-gateway", help="an OCPP gateway's own key (signs its reports of refused chargers)")
    s.add_argument("id", help="gateway name")
    s.add_argument("--credentials", default=None,
                   help="file (0600) to write, or a directory for gateway-<ID>.json (default: data dir)")
    s = sub.add_parser("revoke-cp", help="the CP's key stops working (AUTH, events, commands)")
    s.add_argument("id")
    s = sub.add_parser("events", help="the latest lines of Central's event log")
    s.add_argument("--limit", type=int, default=30)
    _add_prune_parser(sub)
    s = sub.add_parser("export", help="supplies as CSV (filters as in the app's reports; streamed)")
    s.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (UTC)")
    s.add_argument("--to", dest="date_to", help="day after the last one, YYYY-MM-DD (UTC)")
    s.add_argument("--cp")
    s.add_argument("--driver")
    s.add_argument("--outcome", help="ticket outcome, or 'open'")
    s.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    return p


def _export(args) -> int:
    """``ev-db export``: the same SQL as the app's reports (central_service.reports), streamed."""
    from datetime import datetime, timezone

    from central_service.reports import SupplyFilter, csv_rows

    def day(text: str | None) -> float | None:
        if not text:
            return None
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    try:
        f = SupplyFilter(day(args.date_from), day(args.date_to), args.cp, args.driver, args.outcome)
    except ValueError as exc:
        print(f"Fecha no válida ({exc}); use AAAA-MM-DD", file=sys.stderr)
        return 2
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        for chunk in csv_rows(f):
            out.write(chunk)
    finally:
        if args.out:
            out.close()
    return 0


def _add_prune_parser(sub) -> None:
    """``ev-db prune``: the retention Central also applies by itself (central_service.retention)."""
    from central_service.retention import DAY, RetentionPolicy

    d = RetentionPolicy()
    s = sub.add_parser("prune", help="delete processed message ids and event-log lines older than "
                                     "their retention (Central also does it by itself, hourly)",
                       description="Delete expired rows: processed message ids (kept longer than "
                                   "Kafka's retention, so a redelivery is still recognised) and "
                                   "event-log lines. Supplies and tickets are never deleted.")
    s.add_argument("--processed-ids-days", type=float,
                   default=float(setting("processed_ids_days", str(d.processed_ids_s / DAY))),
                   help="keep processed message ids this many days (env EV_PROCESSED_IDS_DAYS; "
                        "default %(default)s; must exceed the topics' retention, Kafka's default is 7)")
    s.add_argument("--event-log-days", type=float,
                   default=float(setting("event_log_days", str(d.event_log_s / DAY))),
                   help="keep event-log lines this many days (env EV_EVENT_LOG_DAYS; default %(default)s)")
    s.add_argument("--dry-run", action="store_true", help="only count what would be deleted")


def _prune(args: argparse.Namespace) -> int:
    from central_service.retention import DAY, RetentionPolicy, count_expired, prune

    try:
        policy = RetentionPolicy(args.processed_ids_days * DAY, args.event_log_days * DAY)
    except ValueError as exc:
        print(f"Retención no válida: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        r = count_expired(policy, time.time())
        print(f"Se borrarían {r.processed_ids} ids de mensajes procesados y {r.event_log} líneas del "
              "registro de eventos")
    else:
        r = prune(policy, time.time())
        print(f"Borrados {r.processed_ids} ids de mensajes procesados y {r.event_log} líneas del "
              "registro de eventos")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = args.db or db.default_db_url(Path(args.data_dir).expanduser())
    try:
        db.connect(url)
    except Exception as exc:  # noqa: BLE001 - a sentence, not a traceback
        print(f"No se puede abrir la base de datos {url}: {exc}", file=sys.stderr)
        return 2
    store = Store()
    try:
        rc = _run(args, store, url)
        sys.stdout.flush()  # a closed pipe must surface here, not at interpreter exit
        return rc
    except pw.PeeweeException as exc:  # e.g. "database is locked", server gone: a sentence
        print(f"Error de la base de datos {url}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `ev-db cps | head`: the reader left early, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        db.close()


def _run(args: argparse.Namespace, store: Store, url: str) -> int:
    if args.cmd == "prune":
        return _prune(args)
    if args.cmd == "init":
        print(f"Base de datos lista: {url}")
    elif args.cmd == "seed":
        with store.write_transaction():
            d, c = seed(store, args.drivers, args.cps, args.credentials_dir)
        print(f"Semilla aplicada: {d} conductores y {c} puntos de carga nuevos "
              f"(conductores driver1..driver{args.drivers} / pass123; CPs con clave demo-cp-key; "
              f"operador {DEMO_OPERATOR[0]} / {DEMO_OPERATOR[1]})")
    elif args.cmd == "cps":
        rows = [(r.id, r.location, r.price_eur_kwh, r.max_kw, r.last_state, r.stopped_by_operator,
                 _when(r.last_seen)) for r in ChargePointRow.select().order_by(ChargePointRow.id)]
        print(table(["cp", "ubicación", "€/kWh", "kW máx", "estado", "parado", "visto"], rows))
    elif args.cmd == "supplies":
        q = Supply.select().order_by(Supply.created_at.desc()).limit(args.limit)
        if args.driver:
            q = q.where(Supply.driver_id == args.driver)
        if args.cp:
            q = q.where(Supply.cp_id == args.cp)
        rows = [(s.id, s.driver_id, s.cp_id, s.status, _when(s.started_at), _when(s.ended_at), s.kwh,
                 f"{s.eur:.2f}", s.outcome) for s in q]
        print(table(["sesión", "conductor", "cp", "estado", "inicio", "fin", "kWh", "€", "resultado"], rows))
    elif args.cmd == "supply":
        s = Supply.get_or_none(Supply.id == args.session_id)
        if s is None:
            print(f"No existe el suministro {args.session_id}", file=sys.stderr)
            return 1
        t = TicketRow.get_or_none(TicketRow.session_id == s.id)
        print(table(["campo", "valor"], [
            ("sesión", s.id), ("conductor", s.driver_id), ("cp", s.cp_id), ("estado", s.status),
            ("reservado", _when(s.created_at)), ("inicio", _when(s.started_at)), ("fin", _when(s.ended_at)),
            ("kWh", s.kwh), ("€", f"{s.eur:.2f}"), ("precio €/kWh", s.price_eur_kwh),
            ("resultado", s.outcome), ("ticket", "emitido" if t else "no")]))
        print()
        ev = EventLog.select().where(EventLog.session_id == s.id).order_by(EventLog.ts, EventLog.id)
        print(table(["hora", "evento", "detalle"], [(_when(e.ts), e.kind, e.detail) for e in ev]))
    elif args.cmd in ("add-driver", "add-operator"):
        try:
            password = read_password(args.password_file, PASSWORD_ENV, f"Contraseña de {args.id}: ",
                                     confirm=True)
        except (MissingSecret, InsecureFileError) as exc:
            print(str(exc), file=sys.stderr)
            return 2
        if args.cmd == "add-driver":
            existed = store.driver_password_hash(args.id) is not None
            store.add_driver(args.id, password, replace=True)
            print(f"Conductor {args.id} guardado" + (" (clave de notificaciones nueva: sus apps deben "
                                                     "iniciar sesión de nuevo)" if existed else ""))
        else:
            store.add_operator(args.id, password, replace=True)
            print(f"Operador {args.id} guardado")
    elif args.cmd == "add-cp":
        return _issue_key(store, args, new_cp=True)
    elif args.cmd == "rotate-cp-key":
        return _issue_key(store, args, new_cp=False)
    elif args.cmd == "add-gateway":
        from central_service import gateway_reports  # noqa: PLC0415
        target = Path(args.credentials).expanduser() if args.credentials else Path(args.data_dir).expanduser()
        if target.is_dir() or not args.credentials:
            target = target / f"gateway-{args.id}.json"
        path = gateway_reports.add_gateway(args.id, target)
        print(f"Pasarela OCPP {args.id} guardada; credenciales en {path} (0600): arranque la pasarela con "
              f"--gateway-credentials {path}")
    elif args.cmd == "revoke-cp":
        if not store.revoke_cp(args.id):
            print(f"No existe el punto de carga {args.id}", file=sys.stderr)
            return 1
        print(f"Punto de carga {args.id} revocado: su clave ya no vale (la CENTRAL lo aplica en segundos); "
              f"para volver a darlo de alta: ev-db rotate-cp-key {args.id}")
    elif args.cmd == "export":
        return _export(args)
    elif args.cmd == "events":
        ev = EventLog.select().order_by(EventLog.ts.desc(), EventLog.id.desc()).limit(args.limit)
        print(table(["hora", "evento", "cp", "sesión", "conductor", "detalle"],
                    [(_when(e.ts), e.kind, e.cp_id, e.session_id, e.driver_id, e.detail) for e in reversed(list(ev))]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
