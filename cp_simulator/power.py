"""The supply model of a simulated charger: pure arithmetic, no clock, no I/O.

Power ramps up to the authorized maximum in ``ramp_s`` seconds and then wanders a little
around it (a real car's charge controller never draws a perfectly flat line). Energy is the
integral of power (trapezoidal rule); money is energy × price.

``time_scale`` lets a demo show realistic tickets: each real second of supply meters
``time_scale`` seconds of charging (60: a 20 s demo supply bills 20 minutes of energy). Power
and the ramp stay in real time, so the chart and the live kW look the same.

Values are rounded *when they are produced* (kWh to 6 decimals, € to 4, kW to 2) so that
what goes into the journal, the telemetry and the final report is the very same float —
"energy in the journal == energy reported" holds with ``==``, not approximately.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace

KWH_DECIMALS = 6
EUR_DECIMALS = 4
KW_DECIMALS = 2


@dataclass(frozen=True)
class Reading:
    """Meter values after some elapsed supply time."""

    elapsed_s: float
    kw: float
    kwh: float
    eur: float


def cost(kwh: float, price_eur_kwh: float) -> float:
    return round(kwh * price_eur_kwh, EUR_DECIMALS)


@dataclass(frozen=True)
class PowerModel:
    """How a supply draws power: ``max_kw`` reached after ``ramp_s``, ±``jitter`` noise."""

    max_kw: float
    price_eur_kwh: float
    ramp_s: float = 3.0
    jitter: float = 0.03
    time_scale: float = 1.0

    def target_kw(self, elapsed_s: float, noise: float) -> float:
        """Power at *elapsed_s*; *noise* in [-1, 1] (callers pass ``rng.uniform(-1, 1)``)."""
        if self.max_kw <= 0 or elapsed_s <= 0:
            return 0.0
        ramp = min(1.0, elapsed_s / self.ramp_s) if self.ramp_s > 0 else 1.0
        kw = self.max_kw * ramp * (1.0 - self.jitter + self.jitter * noise)
        return round(max(0.0, min(self.max_kw, kw)), KW_DECIMALS)

    def start(self) -> Reading:
        return Reading(elapsed_s=0.0, kw=0.0, kwh=0.0, eur=0.0)

    def advance(self, prev: Reading, elapsed_s: float, noise: float) -> Reading:
        """The reading at *elapsed_s* (>= prev.elapsed_s) integrating from *prev*."""
        if elapsed_s <= prev.elapsed_s:
            return prev
        kw = self.target_kw(elapsed_s, noise)
        dt_h = (elapsed_s - prev.elapsed_s) * self.time_scale / 3600.0
        kwh = round(prev.kwh + (prev.kw + kw) / 2.0 * dt_h, KWH_DECIMALS)
        return replace(prev, elapsed_s=elapsed_s, kw=kw, kwh=kwh, eur=cost(kwh, self.price_eur_kwh))


class Meter:
    """A running supply's meter: a :class:`PowerModel` plus the last reading and a RNG."""

    def __init__(self, model: PowerModel, rng: random.Random | None = None) -> None:
        self.model = model
        self.rng = rng or random.Random()
        self.reading = model.start()

    def read_at(self, elapsed_s: float) -> Reading:
        self.reading = self.model.advance(self.reading, elapsed_s, self.rng.uniform(-1.0, 1.0))
        return self.reading
