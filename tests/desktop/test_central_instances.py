"""The dashboard lists the Central instances heard from: which one serves, which one went quiet."""
from __future__ import annotations

from ev_common.contract import CentralHeartbeat
from ev_common.topics import Topics
from ev_desktop.core.central_watch import CentralWatch
from ev_desktop.views.status_widgets import CentralIndicator


def _beat(name: str, parts: int) -> CentralHeartbeat:
    return CentralHeartbeat(instance=name, started_at=0, interval_s=1.0,
                            partitions={"ev.cp.events": list(range(parts))} if parts else {})


def test_the_watch_lists_each_instance_with_its_partitions_and_whether_it_still_beats():
    watch = CentralWatch("unused:1", Topics("x"))
    watch.beat(_beat("central-a", 18))
    at = watch.last_seen
    assert [(s.instance, s.alive, s.partitions) for s in watch.instances(now=at + 0.5)] == [("central-a", True, 18)]
    watch.beat(_beat("central-b", 0))  # a standby that just took over, not assigned yet
    listed = {s.instance: s for s in watch.instances(now=at + 2.0)}
    assert listed["central-b"].alive and listed["central-b"].partitions == 0
    later = watch.instances(now=watch.last_seen + 10.0)
    assert [s.alive for s in later] == [False, False]


def test_the_central_indicator_tooltip_names_the_instances(qtbot):
    from ev_desktop.core.central_watch import InstanceSeen

    ind = CentralIndicator()
    qtbot.addWidget(ind)
    ind.set_central(True, 100.0)
    ind.set_instances([InstanceSeen("central-b", 100.0, True, 18), InstanceSeen("central-a", 50.0, False, 18)])
    tip = ind.toolTip()
    assert "Instancia central-b: en línea, 18 particiones" in tip
    assert "Instancia central-a: sin latido desde" in tip
