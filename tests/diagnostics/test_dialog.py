"""The diagnostics dialog: runs off the GUI thread, fills the steps, copies the report."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ev_common.topics import Topics
from ev_desktop.kafka.diagnostics import STEPS
from ev_desktop.views.diagnostics_dialog import DiagnosticsDialog

REPO = Path(__file__).resolve().parents[2]


def _maybe_screenshot(dialog: DiagnosticsDialog, name: str) -> None:
    """EV_SAVE_SCREENSHOTS=1 refreshes docs/screenshots/diagnostics_<name>.png."""
    if os.environ.get("EV_SAVE_SCREENSHOTS") == "1":
        out = REPO / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        dialog.layout().activate()
        QApplication.processEvents()
        dialog.grab().save(str(out / f"diagnostics_{name}.png"))


def test_dialog_on_dead_port_shows_refused_and_copies_report(qtbot, dead_port):
    bootstrap = f"127.0.0.1:{dead_port}"
    dialog = DiagnosticsDialog(bootstrap, Topics("diagui"), [], timeout_s=2.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=15000)

    assert f"no hay nada escuchando en {bootstrap}" in dialog.diagnosis_label.text()
    assert dialog.diagnosis_label.font().bold()
    rows = dialog.row_texts()
    assert [r[1] for r in rows] == [title for _, title in STEPS]
    assert rows[0][0] == "Correcto"
    assert rows[1][0] == "Fallo" and "no hay nada escuchando" in rows[1][3]
    assert "Qué hacer:" in rows[1][3]
    assert all(r[0] == "Omitido" for r in rows[2:])
    assert not dialog.progress.isVisible()

    QApplication.clipboard().clear()
    dialog.copy_button.click()
    text = QApplication.clipboard().text()
    assert text == dialog.report.as_text()
    assert bootstrap in text and "tcp.refused" in text
    _maybe_screenshot(dialog, "refused")


def test_dialog_on_healthy_broker_shows_ok_and_can_rerun(qtbot, kafka_broker, topics):
    dialog = DiagnosticsDialog(kafka_broker, topics, [f"{topics.prefix}.driver.x"], timeout_s=5.0)
    qtbot.addWidget(dialog)
    dialog.show()
    # the GUI thread stays free: the dialog is built and shown while the worker runs
    assert dialog.is_running()
    assert "Comprobando" in dialog.diagnosis_label.text()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30000)
    first = dialog.report
    assert first is not None and first.ok, first.as_text()
    assert dialog.diagnosis_label.text().startswith("Kafka accesible y funcionando")
    assert all(r[0] == "Correcto" for r in dialog.row_texts()), dialog.row_texts()
    assert all(r[2].endswith(" ms") for r in dialog.row_texts())
    _maybe_screenshot(dialog, "ok")

    with qtbot.waitSignal(dialog.diagnosticsFinished, timeout=30000) as blocker:
        dialog.rerun_button.click()
        assert dialog.is_running() and not dialog.rerun_button.isEnabled()
    assert blocker.args[0] is not first and blocker.args[0].ok
    assert dialog.rerun_button.isEnabled()

    dialog.copy_button.click()
    assert "Resultado: [ok]" in QApplication.clipboard().text()


def test_dialog_shows_advertised_listeners_mistake(qtbot, misadvertised_broker):
    dialog = DiagnosticsDialog(misadvertised_broker, Topics("diagui"), [], timeout_s=3.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)
    assert "advertised.listeners" in dialog.diagnosis_label.text()
    _maybe_screenshot(dialog, "advertised")


def test_closing_while_running_cancels_the_worker(qtbot, dead_port):
    dialog = DiagnosticsDialog(f"127.0.0.1:{dead_port}", Topics("diagui"), [], timeout_s=2.0)
    qtbot.addWidget(dialog)
    dialog.show()
    cancel = dialog._cancel
    dialog.close()
    assert cancel.is_set()
    # the worker thread ends by itself (daemon, bounded by its timeouts)
    qtbot.waitUntil(lambda: not any(t.name.startswith("kafka-diagnostics")
                                    for t in threading.enumerate()), timeout=10000)
