"""LoginThrottle (pure): wrong passwords lead to a bounded lockout, per driver id and per address."""
from __future__ import annotations

from central_service.domain.login_throttle import LoginThrottle, ThrottlePolicy


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(**kw):
    clock = Clock()
    return LoginThrottle(ThrottlePolicy(**kw), clock=clock), clock


def test_fifth_wrong_password_locks_that_driver_for_the_lockout_time():
    th, clock = make(max_failures=5, lockout_s=30)
    for _ in range(4):
        th.failed("driver1", "10.0.0.9")
        assert th.wait_s("driver1", "10.0.0.9") == 0
    th.failed("driver1", "10.0.0.9")
    assert th.wait_s("driver1", "10.0.0.9") == 30
    assert th.wait_s("driver1", "10.0.0.7") == 30      # the id is locked from anywhere
    assert th.wait_s("driver2", "10.0.0.9") == 0       # another driver at the same address is not
    clock.t += 29.5
    assert th.wait_s("driver1", "10.0.0.9") == 0.5
    clock.t += 1
    assert th.wait_s("driver1", "10.0.0.9") == 0


def test_failures_older_than_the_window_do_not_count():
    th, clock = make(max_failures=3, window_s=60)
    th.failed("driver1", "p")
    th.failed("driver1", "p")
    clock.t += 61
    th.failed("driver1", "p")
    assert th.wait_s("driver1", "p") == 0


def test_a_successful_login_clears_the_drivers_failures():
    th, _ = make(max_failures=3)
    th.failed("driver1", "p")
    th.failed("driver1", "p")
    th.succeeded("driver1")
    th.failed("driver1", "p")
    assert th.wait_s("driver1", "p") == 0


def test_one_address_trying_many_ids_is_locked():
    th, _ = make(max_failures=5, max_failures_per_peer=10, lockout_s=30)
    for i in range(10):
        th.failed(f"guess{i}", "10.0.0.66")
    assert th.wait_s("anyone", "10.0.0.66") == 30
    assert th.wait_s("anyone", "10.0.0.1") == 0


def test_memory_stays_bounded_under_a_flood_of_made_up_ids():
    clock = Clock()
    th = LoginThrottle(ThrottlePolicy(max_failures_per_peer=10**9), clock=clock, max_keys=100)
    for i in range(5000):
        clock.t += 0.001
        th.failed(f"id{i}", "p")
    assert len(th._failures) <= 100
