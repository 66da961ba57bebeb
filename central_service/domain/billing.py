"""Money and outcomes. The Engine's journal is the source of truth for kWh and €; Central
only computes an amount itself when it must close a supply whose final report never came."""
from __future__ import annotations


def amount_eur(kwh: float, price_eur_kwh: float) -> float:
    """kWh × price, rounded to cents (half up, as on a receipt)."""
    cents = int(kwh * price_eur_kwh * 100 + 0.5 + 1e-9)
    return cents / 100


def closing_amounts(last_kwh: float, last_eur: float, price_eur_kwh: float) -> tuple[float, float]:
    """kWh and € to bill when closing with the last known telemetry: the reported € when
    there is one, else the price applied to the energy."""
    kwh = max(0.0, last_kwh)
    eur = last_eur if last_eur > 0 else amount_eur(kwh, price_eur_kwh)
    return kwh, round(eur, 2)


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
