"""Stale data during a Kafka outage: the operator tiles and the driver's free-CP list say since
when they stopped updating, and reservation countdowns stop instead of ticking to a fake zero.

Driven exactly as in the app: the link state through ``ctx.link`` (the LinkAggregator the status
bar listens to) and CP states through ``ctx.cpStates`` (what the CP directory emits).
"""
from __future__ import annotations

import time

from ev_common.kafka.status import LinkState, ProducerStatus
from ev_desktop.main_window import MainWindow
from ev_desktop.models.freshness import DataFreshness
from ev_desktop.settings_store import AppSettings
from ev_desktop.views.cp_tile_delegate import detail_line
from tests.desktop.helpers_desktop import make_state

T0 = time.mktime((2026, 11, 29, 10, 42, 13, 0, 0, -1))  # 10:42:13 local time


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _status(state: LinkState, queued: int = 0) -> ProducerStatus:
    return ProducerStatus(state=state, last_error=None if state == LinkState.CONNECTED else "refused",
                          queued=queued, bootstrap="127.0.0.1:1", since=time.time())


def _window(qtbot, data_dir, clock: Clock) -> MainWindow:
    w = MainWindow(AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t"),
                   data_dir, start=False)
    qtbot.addWidget(w)
    w.freshness.clock = clock
    return w


def _shown(banner) -> bool:
    """Shown by the view (the driver's page may itself be behind the login form)."""
    return not banner.isHidden()


def _banners(w: MainWindow):
    assert w.dashboard is not None
    return w.dashboard.stale_banner, w.driver_panel.stale_banner


def test_banner_shown_when_link_goes_offline_with_time_of_last_update(qtbot, data_dir, qloop):
    clock = Clock(T0 - 30)
    w = _window(qtbot, data_dir, clock)
    dash_banner, driver_banner = _banners(w)
    w.ctx.link.update_producer("producer", _status(LinkState.CONNECTED))
    w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
    assert not _shown(dash_banner) and not _shown(driver_banner)

    clock.t = T0                                   # the last CP states arrive at 10:42:13,
    w.ctx.cpStates.emit([make_state(1, "available"), make_state(2, "reserved")])
    w.ctx.link.update_consumer("directory", LinkState.OFFLINE, "Connection refused")  # then the drop
    clock.t = T0 + 600                             # ten minutes later the banners still say 10:42:13
    qtbot.waitUntil(lambda: _shown(dash_banner) and _shown(driver_banner), timeout=2000)
    for banner in (dash_banner, driver_banner):
        assert "Sin conexión con Kafka" in banner.text()
        assert "datos de las 10:42:13" in banner.text()
        assert "pueden no estar al día" in banner.text()


def test_banner_hidden_when_connected_again(qtbot, data_dir, qloop):
    clock = Clock(T0)
    w = _window(qtbot, data_dir, clock)
    dash_banner, driver_banner = _banners(w)
    w.ctx.link.update_producer("producer", _status(LinkState.CONNECTED))
    w.ctx.cpStates.emit([make_state(1, "available")])
    w.ctx.link.update_producer("producer", _status(LinkState.OFFLINE, 2))
    qtbot.waitUntil(lambda: _shown(dash_banner) and _shown(driver_banner), timeout=2000)
    w.ctx.link.update_producer("producer", _status(LinkState.CONNECTED))
    qtbot.waitUntil(lambda: not _shown(dash_banner) and not _shown(driver_banner), timeout=2000)


def test_degraded_link_marks_data_stale_too(qtbot, data_dir, qloop):
    clock = Clock(T0)
    w = _window(qtbot, data_dir, clock)
    dash_banner, _ = _banners(w)
    w.ctx.link.update_producer("producer", _status(LinkState.CONNECTED))
    w.ctx.link.update_producer("producer", _status(LinkState.DEGRADED, 1))
    qtbot.waitUntil(lambda: _shown(dash_banner), timeout=2000)
    assert "Kafka responde con errores" in dash_banner.text() and "10:42:13" in dash_banner.text()
    # data still arriving while degraded moves the time forward
    clock.t = T0 + 7
    w.ctx.cpStates.emit([make_state(1, "available")])
    qtbot.waitUntil(lambda: "10:42:20" in dash_banner.text(), timeout=2000)


def test_no_banner_while_the_link_state_is_not_known_yet(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir, Clock(T0))
    dash_banner, driver_banner = _banners(w)
    w.show()
    qtbot.waitExposed(w)
    assert dash_banner.isHidden() and driver_banner.isHidden()


def test_reservation_countdowns_freeze_while_offline(qtbot, data_dir, qloop):
    clock = Clock(T0)
    w = _window(qtbot, data_dir, clock)
    dash = w.dashboard
    assert dash is not None
    reserved = make_state(2, "reserved")            # reserved_until = now + 90 s
    w.ctx.link.update_producer("producer", _status(LinkState.CONNECTED))
    assert not w.grid.frozen and dash.delegate.frozen_at is None
    clock.t = reserved.reserved_until - 53          # 0:53 left when the last states arrive
    w.ctx.cpStates.emit([reserved])
    w.ctx.link.update_producer("producer", _status(LinkState.OFFLINE))
    qtbot.waitUntil(lambda: w.grid.frozen, timeout=2000)
    assert dash.delegate.frozen_at == clock.t
    # however late it is now, the tile shows what was left then, in the past tense
    line = detail_line(reserved, dash.delegate.frozen_at, frozen=True)
    assert line == f"{reserved.driver_id} · quedaban 0:53"
    w.ctx.link.update_producer("producer", _status(LinkState.CONNECTED))
    qtbot.waitUntil(lambda: not w.grid.frozen, timeout=2000)
    assert dash.delegate.frozen_at is None
    assert "quedan" in detail_line(reserved)


def test_freshness_without_any_data_says_so(qtbot):
    fresh = DataFreshness(clock=Clock(T0))
    seen = []
    fresh.changed.connect(seen.append)
    fresh.set_link(_status(LinkState.OFFLINE))      # started with Kafka already down
    assert seen[-1].stale and seen[-1].as_of is None and seen[-1].frozen_at == T0
    from ev_desktop.views.status_widgets import StaleDataBanner
    banner = StaleDataBanner()
    qtbot.addWidget(banner)
    banner.show_freshness(seen[-1])
    assert "todavía no se ha recibido ningún dato" in banner.text()
    fresh.reset()
    assert not seen[-1].stale


def test_freshness_on_a_quiet_network_is_the_moment_the_link_dropped(qtbot):
    """Nothing changed for minutes, yet the picture was current until the link went down."""
    clock = Clock(T0 - 300)
    fresh = DataFreshness(clock=clock)
    fresh.set_link(_status(LinkState.CONNECTED))
    fresh.data_received([make_state(1)])
    clock.t = T0
    fresh.set_link(_status(LinkState.OFFLINE))
    assert fresh.freshness.as_of == T0
