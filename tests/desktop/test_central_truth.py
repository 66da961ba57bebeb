"""The app tells the truth about Central: down (Kafka works, heartbeats stopped) vs unknown
(no Kafka), a banner and greyed tiles on the dashboard, the driver told that Central is not
answering, outages and recoveries in the event log, and the log kept across a restart."""
from __future__ import annotations

import time

from ev_common.kafka.status import LinkState
from ev_desktop.core.events import RequestQueued
from ev_desktop.core.tracker import SupplyTracker
from ev_desktop.main_window import MainWindow
from ev_desktop.models.central_status import DOWN, NO_KAFKA, UP, CentralStatusModel
from ev_desktop.models.event_log import LogEntry, load_entries, save_entries
from ev_desktop.models.link import LinkSummary
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import make_state

T0 = 1_800_000_000.0   # a fixed instant: no test depends on today's date


def _window(qtbot, data_dir, **kw) -> MainWindow:
    s = AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t", **kw)
    w = MainWindow(s, data_dir, start=False)
    qtbot.addWidget(w)
    w.central_status.clock = lambda: T0 + 60
    return w


def _link(state: str) -> LinkSummary:
    return LinkSummary(state, "127.0.0.1:1", 0)


def test_silence_with_kafka_up_is_down_and_without_kafka_is_unknown(qtbot):
    m = CentralStatusModel(clock=lambda: T0)
    m.set_link(_link("connected"))
    with qtbot.waitSignal(m.wentDown):
        m.set_heartbeat(False, T0 - 30)
    assert m.status.state == DOWN and m.status.last_seen == T0 - 30
    m.set_link(_link("offline"))
    assert m.status.state == NO_KAFKA      # heartbeats cannot arrive: nothing is known
    m.set_link(_link("connected"))
    with qtbot.waitSignal(m.cameBack):
        m.set_heartbeat(True, T0 + 1)
    assert m.status.state == UP


def test_kafka_outage_alone_never_reports_central_down(qtbot):
    m = CentralStatusModel(clock=lambda: T0)
    m.set_link(_link("connected"))
    m.set_heartbeat(True, T0)
    with qtbot.assertNotEmitted(m.wentDown):
        m.set_link(_link("offline"))
        m.set_heartbeat(False, T0)       # the watch sees silence, because Kafka is gone
    assert m.status.state == NO_KAFKA


def test_status_bar_says_unknown_without_kafka(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.ctx.link.update_consumer("directory", LinkState.OFFLINE, "refused")
    w.ctx.centralChanged.emit(False, T0)
    assert w.central_indicator.text() == "CENTRAL: estado desconocido — sin Kafka"
    assert not w.dashboard.central_banner.isVisibleTo(w.dashboard)


def test_dashboard_banner_greyed_tiles_and_log_when_central_stops(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.grid.apply([make_state(1, "available"), make_state(2, "charging")])
    w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
    w.ctx.centralChanged.emit(True, T0)
    assert not w.dashboard.delegate.dimmed
    w.ctx.centralChanged.emit(False, T0 + 10)
    banner = w.dashboard.central_banner
    assert banner.isVisibleTo(w.dashboard)
    since = time.strftime("%H:%M:%S", time.localtime(T0 + 10))
    assert banner.text() == (f"⚠ La CENTRAL no responde desde las {since}: los estados mostrados pueden no estar "
                             "al día y las solicitudes y órdenes esperarán a que vuelva")
    assert w.dashboard.delegate.dimmed
    assert w.central_indicator.text() == f"CENTRAL: sin respuesta desde {since}"
    assert w.log_model.entries()[0].text == "La CENTRAL no responde"
    w.ctx.centralChanged.emit(True, T0 + 20)
    assert not banner.isVisibleTo(w.dashboard) and not w.dashboard.delegate.dimmed
    assert w.log_model.entries()[0].text == "La CENTRAL vuelve a responder"


def test_kafka_outage_and_recovery_are_logged(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
    w.ctx.link.update_consumer("directory", LinkState.OFFLINE, "refused")
    w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
    texts = [e.text for e in w.log_model.entries()]
    assert texts[:2] == ["Conexión con Kafka recuperada", "Sin conexión con Kafka"]


class _Core:
    """The few things the panel reads of a DriverCore (fast unit test; the real core is
    exercised against a real broker in tests/e2e/test_driver_control.py)."""

    started = True

    def __init__(self) -> None:
        self.tracker = SupplyTracker("driver1")


def test_driver_told_central_is_not_answering_while_request_waits(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir, role="driver")
    core = w.session.core = _Core()
    core.tracker.apply(RequestQueued("r1", "CP001", LinkState.CONNECTED, T0))
    w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
    w.ctx.centralChanged.emit(False, T0)
    panel = w.driver_panel
    assert panel.supply.detail.text() == "La CENTRAL no responde — la solicitud espera en Kafka a que vuelva"
    info = panel.supply.queued_info.text()
    assert "La CENTRAL no responde desde las" in info and "la CENTRAL la atenderá en cuanto vuelva" in info
    assert "Hay conexión con Kafka" not in info
    assert not panel.central_banner.isHidden()
    w.session.core = None


def test_recent_log_survives_a_restart(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.log_model.add([LogEntry("driver1 autorizado en CP001", "authorized", T0)])
    w.save_event_log()
    w2 = _window(qtbot, data_dir)
    assert w2.log_model.entries()[0].text == "driver1 autorizado en CP001"


def test_a_command_still_queued_at_exit_is_followed_after_a_restart(qtbot, data_dir, qloop):
    from types import SimpleNamespace

    from ev_desktop.models.event_text import command_entry

    w = _window(qtbot, data_dir)
    w.log_model.add([command_entry("stop", "CP001", "queued", T0, 1, key="m-1")])
    w.save_event_log()
    w2 = _window(qtbot, data_dir)                  # restarted: the message is still in the outbox
    assert w2.log_model.entries()[0].text == "Operador: Parar CP001 — en cola (1 sin enviar)"
    w2.ctx.producer = SimpleNamespace(queued=0)    # ... and Kafka acknowledged it
    w2._on_link_summary(_link("connected"))
    assert w2.log_model.entries()[0].text == "Operador: Parar CP001 — entregado"
    w2._on_commands_settled([("m-1", True)])       # Central's activity names it
    assert w2.log_model.entries()[0].text == "Operador: Parar CP001 — aplicado por la CENTRAL"
    w2.ctx.producer = None


def test_log_file_skips_damaged_lines(tmp_path):
    path = tmp_path / "event-log.jsonl"
    save_entries(path, [LogEntry("b", "info", T0 + 1), LogEntry("a", "info", T0)])
    path.write_text(path.read_text() + "{not json\n")
    assert [e.text for e in load_entries(path)] == ["b", "a"]


def test_after_kafka_returns_silence_is_not_down_until_heartbeats_had_time(qtbot):
    now = [T0]
    m = CentralStatusModel(clock=lambda: now[0], reconnect_grace_s=6.0)
    m.set_link(_link("offline"))
    m.set_heartbeat(False, T0 - 100)
    m.set_link(_link("connected"))
    assert m.status.state == "waiting"
    now[0] += 7
    m.tick()
    assert m.status.state == DOWN


def test_filter_says_how_many_and_when_nothing_matches_and_legend_filters_by_state(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.grid.apply([make_state(i) for i in range(1, 7)])   # one CP per state
    w.grid.flush()
    dash = w.dashboard
    dash.search.setText("CP0001")
    assert dash.filter_label.text() == "Mostrando 1 de 6"
    dash.search.setText("nada así")
    assert dash.filter_label.text().startswith("Ningún punto de carga coincide")
    dash.search.clear()
    assert dash.filter_label.isHidden()
    dash.summary.labels["charging"].clicked.emit()
    assert dash.proxy.rowCount() == 1 and dash.filter_label.text() == "Mostrando 1 de 6"
    dash.summary.labels["charging"].clicked.emit()      # again: everything
    assert dash.proxy.rowCount() == 6


def test_about_names_version_data_and_log_locations_and_shortcuts(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    text = w.about_text()
    assert "versión" in text and str(data_dir) in text and "event-log.jsonl" in text and "ev-desktop.log" in text
    assert "F1" in text and "Ctrl+F" in text
    assert w.about_action.shortcut().toString() == "F1"
