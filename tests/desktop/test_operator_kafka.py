"""Operator dashboard on the real broker: sign-in first, picture from the compacted topic,
Parar/Reanudar one and all CPs → OperatorCommand messages carrying the operator's token on the
real topic, live event log."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ev_common import contract
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import make_state, sign_in_through_form
from tests.desktop.kafka_support import ScriptedCentral, TopicWriter, read_envelopes

pytestmark = pytest.mark.kafka


def _accept_confirmation_soon() -> None:
    def accept() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(QMessageBox.StandardButton.Yes).click()
        else:
            QTimer.singleShot(50, accept)
    QTimer.singleShot(50, accept)


def test_dashboard_picture_commands_and_event_log(qtbot, qloop, kafka_broker, topics, data_dir):
    writer = TopicWriter(kafka_broker)
    for i in range(1, 31):  # the compacted topic already holds 30 CPs (and an older picture of CP0001)
        if i == 1:
            writer.send(topics.cp_state, make_state(1, "disconnected"))
        writer.send(topics.cp_state, make_state(i))
    central = ScriptedCentral()
    port = central.start()
    settings = AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{port}", topic_prefix=topics.prefix)
    w = MainWindow(settings, data_dir)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    try:
        assert w.operator_stack.currentWidget() is w.operator_login  # sign-in before the dashboard
        sign_in_through_form(qtbot, w)
        # a fresh dashboard shows the full current state at once
        qtbot.waitUntil(lambda: w.grid.rowCount() == 30, timeout=30000)
        assert w.grid.state_of("CP0001").state == make_state(1).state
        assert sum(w.grid.counts().values()) == 30
        qtbot.waitUntil(lambda: "Kafka: conectado" in w.kafka_indicator.text(), timeout=30000)
        # live updates follow
        writer.send(topics.cp_state, make_state(7, "faulted"))
        qtbot.waitUntil(lambda: w.grid.state_of("CP0007").state == "faulted", timeout=15000)

        dash = w.dashboard
        assert dash is not None
        # the context menu offers only what applies to the CP's state
        available, stopped, charging = "CP0006", "CP0003", "CP0002"
        assert w.grid.state_of(available).state == "available"
        assert w.grid.state_of(stopped).state == "out_of_order"
        assert w.grid.state_of(charging).state == "charging"
        menu = dash.context_menu_for(available)
        actions = {a.objectName(): a for a in menu.actions()}
        assert list(actions) == ["stopOne"] and actions["stopOne"].text() == "Parar CP0006"
        actions["stopOne"].trigger()                   # nothing running there: no question
        menu = dash.context_menu_for(stopped)
        actions = {a.objectName(): a for a in menu.actions()}
        assert list(actions) == ["resumeOne"]
        actions["resumeOne"].trigger()
        # Parar on a charging CP asks first and names whose supply it ends
        asked: list[str] = []
        QTimer.singleShot(50, lambda: (asked.append(QApplication.activeModalWidget().text()),
                                       QApplication.activeModalWidget().button(QMessageBox.StandardButton.Yes).click()))
        assert dash.request_stop(charging) is True
        assert "driver2" in asked[0] and "CP0002" in asked[0]
        _accept_confirmation_soon()
        assert dash.request_all("stop") is True
        _accept_confirmation_soon()
        dash.resume_all_btn.click()
        # a refused confirmation sends nothing
        QTimer.singleShot(50, lambda: QApplication.activeModalWidget().button(QMessageBox.StandardButton.No).click())
        assert dash.request_all("stop") is False

        envs = read_envelopes(kafka_broker, topics.operator_commands, 5, timeout=30)
        cmds = [e.body for e in envs]
        assert [(c.action, c.cp_id) for c in cmds] == [("stop", available), ("resume", stopped), ("stop", charging),
                                                       ("stop", "*"), ("resume", "*")]
        assert all(isinstance(c, contract.OperatorCommand) for c in cmds)
        assert {(c.operator, c.token.split(".")[0]) for c in cmds} == {("operator1", "op:operator1")}
        # each command's line says when Kafka has it, then what Central did with it
        qtbot.waitUntil(lambda: w.log_model.entry(envs[0].id).text == "Operador: Parar CP0006 — entregado",
                        timeout=15000)
        writer.send(topics.central_activity, contract.CentralActivity(
            kind="operator_command", subject=available, cp_id=available, operator="operator1", action="stop",
            ref_id=envs[0].id))
        qtbot.waitUntil(lambda: w.log_model.entry(envs[0].id).text
                        == "Operador: Parar CP0006 — aplicado por la CENTRAL", timeout=15000)

        # the live event log shows what Central reports it did, newest first
        writer.send(topics.central_activity, contract.CentralActivity(
            kind="authorized", subject="CP0002", driver_id="driver9", cp_id="CP0002", session_id="s1"))
        writer.send(topics.central_activity, contract.CentralActivity(
            kind="supply_started", subject="CP0002", cp_id="CP0002", session_id="s1"))
        qtbot.waitUntil(lambda: any("CP0002: suministro iniciado" in e.text for e in w.log_model.entries()),
                        timeout=15000)
        texts = [e.text for e in w.log_model.entries()]
        assert any("driver9 autorizado en CP0002" in t for t in texts)
        assert texts.index(next(t for t in texts if "suministro iniciado" in t)) < texts.index(
            next(t for t in texts if "autorizado" in t))

        # clicking the Kafka indicator opens the diagnostics dialog for this broker
        from PySide6.QtCore import Qt

        from ev_desktop.views.diagnostics_dialog import DiagnosticsDialog
        qtbot.mouseClick(w.kafka_indicator, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: isinstance(w._diagnostics, DiagnosticsDialog) and w._diagnostics.isVisible(),
                        timeout=5000)
        assert kafka_broker in w._diagnostics.target_label.text()
        w._diagnostics.close()
    finally:
        writer.close()
        w.ctx.close()
        central.stop()
