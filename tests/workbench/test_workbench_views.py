"""Workbench views without Central: local alerts, the badge, notifications to the CP tile,
acknowledging a local alert, the English catalogue."""
from __future__ import annotations

from PySide6.QtCore import Qt

from ev_common.kafka.status import LinkState
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import make_state, sign_in_operator

T0 = 1_800_000_000.0


def _window(qtbot, data_dir) -> MainWindow:
    w = MainWindow(AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t",
                               role="operator"), data_dir, start=False)
    qtbot.addWidget(w)
    sign_in_operator(w)
    return w


def _alert(i: int, **kw) -> dict:
    a = {"id": i, "kind": "cp_faulted", "subject": "CP0002", "severity": "critical", "detail": "Engine KO",
         "cp_id": "CP0002", "first_seen": T0, "last_seen": T0 + 5, "count": 1, "cleared_at": None,
         "acked_by": None, "acked_at": None}
    a.update(kw)
    return a


def test_kafka_unreachable_is_a_local_alert_with_a_badge_until_acknowledged(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    wb = w.workbench
    w.ctx.link.update_consumer("directory", LinkState.OFFLINE, "connection refused")
    qtbot.waitUntil(lambda: wb.controller.model.unacked == 1)
    assert wb.controller.model.alert(0)["kind"] == "kafka_unreachable"
    assert w.tabs.tabText(w.tabs.indexOf(w.operator_stack)) == "Operador (1)"
    assert w.dashboard.workbench_tabs.tabText(wb.alerts_index) == "Alertas (1)"
    wb.inbox.view.selectRow(0)
    with qtbot.waitSignal(wb.controller.ackDone):
        wb.inbox.ack_btn.click()
    assert wb.controller.model.alert(0)["acked_by"] == "operator1"
    assert w.tabs.tabText(w.tabs.indexOf(w.operator_stack)) == "Operador"


def test_central_alerts_are_listed_unacknowledged_first_and_bold_count_in_the_status(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    m = w.workbench.controller.model
    m.set_central([_alert(1, acked_by="operator2", acked_at=T0 + 9), _alert(2, kind="forged_input", cp_id=None,
                                                                            subject="central", last_seen=T0 + 1)])
    assert m.unacked == 1
    assert w.workbench.inbox.status.text() == "1 alerta(s) sin reconocer"
    texts = [m.data(m.index(r, 7)) for r in range(m.rowCount())]
    assert any(t.startswith("operator2 a las ") for t in texts)


def test_a_new_alert_notification_click_opens_the_cps_tile(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.grid.apply([make_state(i, "available") for i in range(1, 5)])
    w.grid.flush()
    c = w.workbench.controller
    with qtbot.waitSignal(c.model.alertRaised):
        c.model.set_central([_alert(7, cp_id="CP0003", subject="CP0003")])
    c._on_message_clicked()   # what clicking the tray message does
    current = w.dashboard.view.currentIndex()
    assert current.isValid() and w.dashboard.proxy.mapToSource(current).row() == w.grid.row_of("CP0003")
    assert w.tabs.currentWidget() is w.operator_stack


def test_the_inbox_speaks_english_with_the_english_catalogue(qtbot, qapp, data_dir, qloop):
    from ev_desktop.app import install_translator
    tr = install_translator(qapp, "en")
    assert tr is not None
    try:
        w = _window(qtbot, data_dir)
        w.workbench.controller.model.set_central([_alert(3)])
        m = w.workbench.controller.model
        assert m.headerData(0, Qt.Orientation.Horizontal) == "Severity"
        assert m.data(m.index(0, 1)) == "Charging point faulted"
        assert w.workbench.inbox.ack_btn.text() == "Acknowledge"
        assert w.dashboard.workbench_tabs.tabText(w.workbench.alerts_index) == "Alerts (1)"
    finally:
        qapp.removeTranslator(tr)
