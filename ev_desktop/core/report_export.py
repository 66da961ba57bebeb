"""CSV export of the supplies report from the app: the pages Central answers, written as CSV.

Plain Python (no Qt). The app pages through ``OPQUERY supplies`` (200 rows per page, Central's
cap) up to ``max_rows``; bigger exports belong to ``ev-db export`` on Central's machine, which
streams straight from the database.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ev_desktop.core.workbench_client import WorkbenchClient

COLUMNS = ("id", "cp_id", "driver_id", "status", "outcome", "created_at", "started_at", "ended_at", "kwh",
           "eur", "price_eur_kwh")
PAGE = 200


async def export_supplies(client: WorkbenchClient, session_id: str, token: str, args: dict, path: Path,
                          max_rows: int = 50_000) -> tuple[int, int]:
    """Write the filtered supplies to *path*; returns (rows written, total matching)."""
    written, total, page = 0, 0, 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        while written < max_rows:
            data = await client.query(session_id, token, "supplies",
                                      {**args, "page": page, "page_size": PAGE, "sort": "created_at",
                                       "descending": False})
            rows = data.get("rows") or []
            total = int(data.get("total") or 0)
            for r in rows[: max_rows - written]:
                w.writerow([r.get(c, "") for c in COLUMNS])
            written += min(len(rows), max_rows - written)
            if len(rows) < PAGE:
                break
            page += 1
    return written, total
