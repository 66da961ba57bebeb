"""Money and outcomes. The Engine's journal is the source of truth for the *energy*; the money
is always Central's: kWh × the price Central authorized (a CP's € figure is never billed).
A report of more energy than the authorized power could deliver in the time Central has known
the session is refused (:func:`energy_problem`)."""
from __future__ import annotations


def amount_eur(kwh: float, price_eur_kwh: float) -> float:
    """kWh × price, rounded to cents (half up, as on a receipt)."""
    cents = int(kwh * price_eur_kwh * 100 + 0.5 + 1e-9)
    return cents / 100


def closing_amounts(last_kwh: float, price_eur_kwh: float, max_kwh: float | None = None) -> tuple[float, float]:
    """kWh and € to bill when closing with the last known telemetry: the energy (capped at
    *max_kwh*, the most the CP could have delivered) at the authorized price."""
    kwh = max(0.0, last_kwh)
    if max_kwh is not None:
        kwh = min(kwh, max_kwh)
    return kwh, amount_eur(kwh, price_eur_kwh)


# Tolerance of the energy bound: metering noise and the ~1 s between Central's reservation and
# the Engine's first tick. Small: a CP that inflates energy by more than this is refused.
ENERGY_TOLERANCE_RATIO = 0.02
ENERGY_TOLERANCE_KWH = 0.01


def max_energy_kwh(max_kw: float, elapsed_s: float, time_scale: float = 1.0) -> float:
    """The most energy a supply at *max_kw* can deliver in *elapsed_s* seconds (plus tolerance).
    *time_scale* is the demo's metered seconds per real second (1 in production)."""
    ideal = max(0.0, max_kw) * max(0.0, elapsed_s) * max(1.0, time_scale) / 3600.0
    return ideal * (1 + ENERGY_TOLERANCE_RATIO) + ENERGY_TOLERANCE_KWH


def energy_problem(kwh: float, max_kw: float, elapsed_s: float, time_scale: float = 1.0) -> str | None:
    """Why a report of *kwh* cannot be true, or None. *elapsed_s* must come from Central's own
    clock (from the authorization to now), never from the CP's timestamps."""
    limit = max_energy_kwh(max_kw, elapsed_s, time_scale)
    if kwh > limit:
        return (f"{kwh:.3f} kWh is more than {max_kw:g} kW can deliver in {elapsed_s:.0f} s "
                f"(at most {limit:.3f} kWh)")
    return None


def outcome(finish_reason: str, interrupt_reason: str | None) -> str:
    """The ticket outcome: why the session was interrupted if it was, else from the Engine's
    finish reason (``unplugged`` → ``completed``)."""
    if interrupt_reason in ("fault", "operator_stop", "monitor_lost"):
        return interrupt_reason
    if finish_reason in ("unplugged", "driver_stop"):  # the driver ended it: a normal end
        return "completed"
    if finish_reason in ("operator_stop", "monitor_lost"):
        return finish_reason
    return "interrupted"
