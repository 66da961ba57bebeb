"""Seed a Central database fast: N CPs (one key hash reused) each with a *charging* supply,
so telemetry for every CP is accepted. Uses Central's own peewee models (same schema)."""
from __future__ import annotations

import time
from pathlib import Path

from central_service import db
from central_service.tokens import hash_secret

CP_KEY = "demo-cp-key"


def cp_id(i: int) -> str:
    return f"CP{i:05d}"


def write_credentials(directory: Path, ids: list[str]) -> Path:
    """The CP boxes' credentials files (demo key) for the Engines/Monitors a benchmark starts."""
    from ev_common import cp_credentials
    for cp in ids:
        cp_credentials.write(Path(directory) / f"{cp}.json", cp_credentials.CpCredentials(cp, CP_KEY))
    return Path(directory)


def seed(db_path: Path, cps: int, *, charging: bool, drivers: int = 50, password: str = "pass123",
         charging_upto: int | None = None, supply_drivers: int | None = None) -> None:
    """*cps* CPs; with *charging*, CPs 1..*charging_upto* (default: all) have a charging supply,
    spread over drivers 1..*supply_drivers* (default: all *drivers*; the others stay free)."""
    db.connect(f"sqlite:///{db_path}")
    key_hash, pw_hash = hash_secret(CP_KEY), hash_secret(password)
    now = time.time()
    with db.database.atomic():
        db.Driver.insert_many([{"id": f"driver{i}", "password_hash": pw_hash}
                               for i in range(1, drivers + 1)]).on_conflict_ignore().execute()
        rows = [{"id": cp_id(i), "location": f"Bench {i}", "price_eur_kwh": 0.35, "max_kw": 22.0,
                 "key_hash": key_hash, "mac_key": CP_KEY} for i in range(1, cps + 1)]
        for k in range(0, len(rows), 500):
            db.ChargePointRow.insert_many(rows[k:k + 500]).on_conflict_ignore().execute()
        if charging:
            sup = [{"id": f"s-{cp_id(i)}", "driver_id": f"driver{(i - 1) % (supply_drivers or drivers) + 1}",
                    "cp_id": cp_id(i), "status": "charging", "created_at": now, "started_at": now,
                    "price_eur_kwh": 0.35} for i in range(1, (charging_upto or cps) + 1)]
            for k in range(0, len(sup), 500):
                db.Supply.insert_many(sup[k:k + 500]).on_conflict_ignore().execute()
    db.close()
