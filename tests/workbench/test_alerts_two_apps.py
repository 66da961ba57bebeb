"""Alerts end to end: a real Central (real broker, real SQLite) raises an alert, two operator
apps show it, one acknowledges, the other sees who acknowledged — and the tab shows the count."""
from __future__ import annotations

from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import sign_in_through_form


def _app(qtbot, tmp_path, name, central_port, bootstrap, prefix) -> MainWindow:
    s = AppSettings(bootstrap_servers=bootstrap, central=f"127.0.0.1:{central_port}", topic_prefix=prefix,
                    role="operator")
    w = MainWindow(s, tmp_path / name, start=False)
    qtbot.addWidget(w)
    w.workbench.controller._timer.setInterval(300)
    return w


def _alert_rows(w) -> list[dict]:
    m = w.workbench.controller.model
    return [m.alert(r) for r in range(m.rowCount()) if not m.alert(r).get("local")]


def test_alert_raised_shown_acknowledged_in_one_app_is_seen_acknowledged_in_another(
        central, qtbot, qloop, tmp_path, kafka_broker):
    svc = central(alert_interval=0.2)
    svc.call(lambda: svc.store.add_operator("operator2", "clave-dos"))
    monitor = central.monitor(svc, "CP001")
    a = _app(qtbot, tmp_path, "a", svc.port, kafka_broker, central.topics.prefix)
    b = _app(qtbot, tmp_path, "b", svc.port, kafka_broker, central.topics.prefix)
    sign_in_through_form(qtbot, a, "operator1", "admin123")
    sign_in_through_form(qtbot, b, "operator2", "clave-dos")

    monitor.engine_ok = False   # the Engine is KO: Central marks CP001 faulted → alert
    for w in (a, b):
        qtbot.waitUntil(lambda w=w: any(r["kind"] == "cp_faulted" for r in _alert_rows(w)), timeout=40000)
    assert a.tabs.tabText(a.tabs.indexOf(a.operator_stack)) == "Operador (1)"
    assert a.dashboard.workbench_tabs.tabText(a.workbench.alerts_index) == "Alertas (1)"

    inbox = a.workbench.inbox
    row = a.workbench.controller.model.row_of(_alert_rows(a)[0]["id"])
    inbox.view.selectRow(row)
    assert inbox.ack_btn.isEnabled()
    inbox.ack_btn.click()

    qtbot.waitUntil(lambda: bool(_alert_rows(b)) and _alert_rows(b)[0]["acked_by"] == "operator1",
                    timeout=40000)
    assert _alert_rows(b)[0]["acked_at"] is not None
    qtbot.waitUntil(lambda: b.tabs.tabText(b.tabs.indexOf(b.operator_stack)) == "Operador", timeout=30000)
    # the acknowledgement is in the audit trail, with where it came from
    b.workbench.controller.load_audit()
    qtbot.waitUntil(lambda: any(e["action"] == "ack_alert" for e in b.workbench.audit.model.entries),
                    timeout=30000)
    entry = next(e for e in b.workbench.audit.model.entries if e["action"] == "ack_alert")
    assert (entry["operator"], entry["peer"], entry["outcome"]) == ("operator1", "127.0.0.1", "ok")


def test_operator_sign_ins_are_audited_with_the_peer_address_refused_ones_too(central, qtbot, qloop, tmp_path,
                                                                              kafka_broker):
    from tests.central.support import SyncFramed

    svc = central()
    cl = SyncFramed(svc.port)
    assert cl.request(["OPLOGIN", "operator1", "wrong"])[:2] == ["ERR", "bad_credentials"]
    cl.close()
    a = _app(qtbot, tmp_path, "a", svc.port, kafka_broker, central.topics.prefix)
    sign_in_through_form(qtbot, a, "operator1", "admin123")
    a.workbench.controller.load_audit()
    qtbot.waitUntil(lambda: len(a.workbench.audit.model.entries) >= 2, timeout=30000)
    got = [(e["operator"], e["action"], e["peer"], e["outcome"]) for e in a.workbench.audit.model.entries[:2]]
    assert got == [("operator1", "sign_in", "127.0.0.1", "ok"), ("operator1", "sign_in", "127.0.0.1", "refused")]
