"""The status bar names the Central the app talks to (``--central h1:p,h2:p``, issue 15) and
follows a failover: with the first address dead, it names the second, a real Central."""
from __future__ import annotations

import asyncio

import pytest

from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from ev_desktop.views.status_widgets import CentralIndicator
from tests.central.conftest import central  # noqa: F401 — a real Central on the session broker
from tests.helpers import free_port


def test_the_central_indicator_names_the_central_in_use_and_the_one_it_left(qtbot):
    ind = CentralIndicator()
    qtbot.addWidget(ind)
    ind.set_central(True, 100.0)
    assert ind.text() == "CENTRAL: en línea"  # no socket call yet: no address to name
    ind.set_address("10.0.0.1:7000")
    assert ind.text() == "CENTRAL: en línea · 10.0.0.1:7000"
    assert "CENTRAL en uso: 10.0.0.1:7000" in ind.toolTip()
    ind.set_address("10.0.0.2:7000")  # failover
    assert ind.text() == "CENTRAL: en línea · 10.0.0.2:7000"
    assert "CENTRAL en uso: 10.0.0.2:7000" in ind.toolTip()
    assert "La anterior (10.0.0.1:7000) dejó de responder" in ind.toolTip()
    ind.set_central(False, 100.0)  # heartbeats stopped: still says which Central it talks to
    assert ind.text().startswith("CENTRAL: sin respuesta desde") and ind.text().endswith(" · 10.0.0.2:7000")
    ind.set_address(None)  # another Central configured
    assert "10.0.0" not in ind.text() and "10.0.0" not in ind.toolTip()


def _window(qtbot, kafka_broker: str, topics, data_dir, centrals: str, role: str) -> MainWindow:
    w = MainWindow(AppSettings(bootstrap_servers=kafka_broker, central=centrals, topic_prefix=topics.prefix,
                               role=role), data_dir, start=False)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.mark.kafka
def test_an_operator_whose_first_central_is_dead_sees_the_second_named(qtbot, qloop, central, kafka_broker,
                                                                        topics, data_dir):
    from tests.desktop.helpers_desktop import sign_in_through_form

    svc = central()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    alive = f"127.0.0.1:{svc.port}"
    w = _window(qtbot, kafka_broker, topics, data_dir, f"{dead},{alive}", "operator")
    sign_in_through_form(qtbot, w)  # operator1 / admin123, seeded in Central's database
    qtbot.waitUntil(lambda: alive in w.central_indicator.text(), timeout=15000)
    assert dead not in w.central_indicator.text()
    assert f"CENTRAL en uso: {alive}" in w.central_indicator.toolTip()


@pytest.mark.kafka
def test_a_driver_whose_first_central_is_dead_sees_the_second_named(qtbot, qloop, central, kafka_broker,
                                                                     topics, data_dir):
    svc = central()
    dead = f"127.0.0.1:{free_port()}"
    alive = f"127.0.0.1:{svc.port}"
    w = _window(qtbot, kafka_broker, topics, data_dir, f"{dead},{alive}", "driver")
    try:
        with qtbot.waitSignal(w.session.loggedIn, timeout=30000):
            w.session.login("driver1", "pass123")
        qtbot.waitUntil(lambda: alive in w.central_indicator.text(), timeout=15000)
        assert dead not in w.central_indicator.text()
    finally:
        task = asyncio.ensure_future(w.session.close())
        qtbot.waitUntil(task.done, timeout=20000)
