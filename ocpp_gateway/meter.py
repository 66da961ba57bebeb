"""Reading OCPP 1.6 meter values and timestamps (pure).

Why a module of its own: chargers disagree on units (Wh or kWh, W or kW), on whether the
measurand is named (absent means ``Energy.Active.Import.Register``), and send timestamps with
or without fractions and offsets. Everything here turns that into Wh, kW and epoch seconds,
or ``None`` when a value is unusable — never an exception a charger could use to crash us.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"


@dataclass(frozen=True)
class Sample:
    """One meter reading: when, the register in Wh (None if absent) and power in kW (None)."""

    ts: float | None
    wh: float | None
    kw: float | None


def parse_ts(text: object) -> float | None:
    """An OCPP dateTime (ISO 8601) as epoch seconds; a missing zone means UTC."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _number(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _get(d: dict, snake: str, camel: str):
    return d.get(snake, d.get(camel))


def samples(meter_value: object) -> list[Sample]:
    """The readings in a ``meterValue`` list (snake_case or camelCase keys both accepted)."""
    out: list[Sample] = []
    if not isinstance(meter_value, list):
        return out
    for mv in meter_value:
        if not isinstance(mv, dict):
            continue
        wh = kw = None
        sampled = _get(mv, "sampled_value", "sampledValue")
        for sv in sampled if isinstance(sampled, list) else []:
            if not isinstance(sv, dict):
                continue
            measurand = sv.get("measurand") or ENERGY
            phase = sv.get("phase")
            if phase not in (None, ""):  # per-phase values: the total is what we bill
                continue
            value = _number(sv.get("value"))
            unit = (sv.get("unit") or "").lower()
            if value is None:
                continue
            if measurand == ENERGY:
                wh = value * 1000.0 if unit == "kwh" else value
            elif measurand == POWER:
                kw = value if unit == "kw" else value / 1000.0
        out.append(Sample(parse_ts(mv.get("timestamp")), wh, kw))
    return out
