"""The lock watch of :mod:`central_service.fencing` (fast, with a stand-in guard; the real
PostgreSQL lock lost under a running Central is tests/central/test_instances.py)."""
from __future__ import annotations

import asyncio
import threading

from central_service.fencing import watch_lock


class _Guard:
    def __init__(self, answers: list[bool], hang: threading.Event | None = None) -> None:
        self.answers = answers
        self.hang = hang
        self.calls = 0

    def holds(self) -> bool:
        self.calls += 1
        if self.hang is not None:
            self.hang.wait(30)
        return self.answers.pop(0) if self.answers else True


def _watch(guard: _Guard, timeout: float = 5.0) -> list[str]:
    lost: list[str] = []
    asyncio.run(asyncio.wait_for(watch_lock(guard, 0.01, timeout, lost.append), 30))
    return lost


def test_the_watch_keeps_checking_while_the_lock_is_held_and_reports_its_loss_once():
    guard = _Guard([True, True, True, False])
    lost = _watch(guard)
    assert guard.calls == 4
    assert lost == ["the database no longer lists the lock as this instance's"]


def test_a_check_that_gets_no_answer_counts_as_a_lost_lock():
    release = threading.Event()
    try:
        lost = _watch(_Guard([True], hang=release), timeout=0.2)
    finally:
        release.set()
    assert lost == ["the lock check got no answer within 0.2 s"]
