"""CentralWatch up/down logic with a fake clock (the Kafka part is the shared consumer)."""
from __future__ import annotations

from ev_common.contract import CentralHeartbeat
from ev_common.topics import Topics
from ev_desktop.core.central_watch import CentralWatch


def test_up_down_transitions():
    now = [100.0]
    changes = []
    w = CentralWatch("127.0.0.1:1", Topics("x"), on_change=lambda up, seen: changes.append(up),
                     clock=lambda: now[0], default_interval_s=1.0)
    assert w.check() is None and changes == []          # grace period before the first beat
    now[0] = 104.0
    assert w.check() is False and changes == [False]
    w.beat(CentralHeartbeat(instance="c", started_at=0.0, interval_s=2.0))
    assert w.is_up() and changes == [False, True] and w.last_seen is not None
    now[0] = 109.9                                       # 3 × 2 s later: still up
    assert w.check() is True
    now[0] = 110.1
    assert w.check() is False and changes == [False, True, False]
    assert w.check() is False and len(changes) == 3     # no repeated notifications
