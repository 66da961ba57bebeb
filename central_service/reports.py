"""Reports over supplies: a filtered, sorted, paged table and energy/revenue per day or hour.

Everything is computed by the database — filters, ``ORDER BY``, ``LIMIT``, ``GROUP BY`` —
with the indexes declared on ``supplies`` (``created_at`` alone and per CP / driver, covering
``kwh``/``eur``), never by loading rows into Python: the reports must answer in well under a
second over millions of supplies (``python -m benchmarks --only reports``).

A supply's date is its ``created_at`` (when it was requested: always set). Day and hour
buckets are computed in the caller's time zone, passed as ``tz_offset_s`` (seconds east of
UTC), so the server's zone never decides where a day starts.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import peewee as pw

from central_service.db import Supply, database

PAGE_MAX = 200
SORTABLE = {"created_at", "cp_id", "driver_id", "kwh", "eur", "status", "outcome", "ended_at"}
BUCKETS = {"day": 86400, "hour": 3600}
AGG_MAX_BUCKETS = 2000
COLUMNS = ("id", "cp_id", "driver_id", "status", "outcome", "created_at", "started_at", "ended_at", "kwh",
           "eur", "price_eur_kwh")


class ReportError(ValueError):
    """Bad filter / sort / bucket (the caller answers ``ERR#bad_request``)."""


@dataclass(frozen=True)
class SupplyFilter:
    date_from: float | None = None
    date_to: float | None = None
    cp_id: str | None = None
    driver_id: str | None = None
    outcome: str | None = None     # a ticket outcome, or "open" for reserved / charging ones

    @classmethod
    def from_args(cls, args: dict) -> "SupplyFilter":
        def num(name: str) -> float | None:
            v = args.get(name)
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ReportError(f"{name} debe ser un número (segundos UNIX)")
            return float(v)

        def text(name: str) -> str | None:
            v = args.get(name)
            if v in (None, ""):
                return None
            if not isinstance(v, str) or len(v) > 64:
                raise ReportError(f"{name} no válido")
            return v
        return cls(num("date_from"), num("date_to"), text("cp_id"), text("driver_id"), text("outcome"))

    def where(self) -> pw.Expression | None:
        conds = []
        if self.date_from is not None:
            conds.append(Supply.created_at >= self.date_from)
        if self.date_to is not None:
            conds.append(Supply.created_at < self.date_to)
        if self.cp_id:
            conds.append(Supply.cp_id == self.cp_id)
        if self.driver_id:
            conds.append(Supply.driver_id == self.driver_id)
        if self.outcome == "open":
            conds.append(Supply.status.in_(("reserved", "charging")))
        elif self.outcome:
            conds.append(Supply.outcome == self.outcome)
        if not conds:
            return None
        expr = conds[0]
        for c in conds[1:]:
            expr = expr & c
        return expr


def _filtered(query: pw.SelectQuery, f: SupplyFilter) -> pw.SelectQuery:
    where = f.where()
    return query if where is None else query.where(where)


def supplies_page(f: SupplyFilter, *, sort: str = "created_at", descending: bool = True, page: int = 0,
                  page_size: int = 50, with_total: bool = True) -> dict:
    """One page of supplies (``rows`` as dicts) and, if asked, ``total`` matching the filter."""
    if sort not in SORTABLE:
        raise ReportError(f"no se puede ordenar por {sort!r}")
    if page < 0 or page > 100_000:
        raise ReportError("página fuera de rango")
    size = max(1, min(page_size, PAGE_MAX))
    col = getattr(Supply, sort)
    order = [col.desc() if descending else col.asc(), Supply.id.desc() if descending else Supply.id.asc()]
    fields = [getattr(Supply, c) for c in COLUMNS]
    q = _filtered(Supply.select(*fields), f).order_by(*order).limit(size).offset(page * size)
    rows = [dict(zip(COLUMNS, r)) for r in q.tuples()]
    out: dict = {"rows": rows, "page": page, "page_size": size}
    if with_total:
        out["total"] = _filtered(Supply.select(pw.fn.COUNT(Supply.id)), f).scalar()
    return out


def _bucket_expr(width: int, tz_offset_s: int) -> pw.Node:
    shifted = (Supply.created_at + tz_offset_s) / width
    if isinstance(database.obj, pw.PostgresqlDatabase):
        return pw.fn.FLOOR(shifted)
    return pw.Cast(shifted, "INTEGER")  # SQLite: truncation == floor for times after 1970


def aggregate(f: SupplyFilter, *, bucket: str = "day", tz_offset_s: int = 0) -> list[dict]:
    """Energy, revenue and number of supplies per bucket (start time in UNIX seconds)."""
    width = BUCKETS.get(bucket)
    if width is None:
        raise ReportError(f"intervalo {bucket!r} desconocido (day, hour)")
    if not isinstance(tz_offset_s, int) or abs(tz_offset_s) > 14 * 3600:
        raise ReportError("tz_offset_s fuera de rango")
    b = _bucket_expr(width, tz_offset_s).alias("b")
    q = (_filtered(Supply.select(b, pw.fn.SUM(Supply.kwh), pw.fn.SUM(Supply.eur), pw.fn.COUNT(Supply.id)), f)
         .group_by(pw.SQL("1")).order_by(pw.SQL("1")).limit(AGG_MAX_BUCKETS))
    return [{"start": int(k) * width - tz_offset_s, "kwh": round(kwh or 0.0, 6), "eur": round(eur or 0.0, 6),
             "supplies": n} for k, kwh, eur, n in q.tuples()]


def csv_rows(f: SupplyFilter, *, chunk: int = 5000) -> Iterator[str]:
    """The filtered supplies as CSV text, header first, streamed in chunks (any number of rows)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    yield buf.getvalue()
    fields = [getattr(Supply, c) for c in COLUMNS]
    last: tuple[float, str] | None = None
    while True:
        q = _filtered(Supply.select(*fields), f)
        if last is not None:   # keyset paging: constant cost per chunk however deep
            q = q.where((Supply.created_at > last[0]) | ((Supply.created_at == last[0]) & (Supply.id > last[1])))
        rows = list(q.order_by(Supply.created_at, Supply.id).limit(chunk).tuples())
        if not rows:
            return
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        yield buf.getvalue()
        last = (rows[-1][COLUMNS.index("created_at")], rows[-1][0])
