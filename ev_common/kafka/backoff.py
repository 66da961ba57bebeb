"""Capped exponential backoff with jitter, shared by the producer and the consumer workers."""
from __future__ import annotations

import random


class Backoff:
    """``next()`` grows ``base * 2**n`` up to *cap* seconds, with "equal jitter"
    (half fixed, half random) so many clients restarting together do not stampede."""

    def __init__(self, base: float = 0.05, cap: float = 1.0) -> None:
        if base <= 0 or cap < base:
            raise ValueError("need 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.attempts = 0

    def next(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(self.attempts, 30)))
        self.attempts += 1
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempts = 0
