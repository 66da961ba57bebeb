"""The diagnostics dialog: runs off the GUI thread, fills the steps, copies the report."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ev_common.topics import Topics
from ev_desktop.diagnostics.runner import LAG_WARNING, STEPS

ROW = {sid: i for i, (sid, _) in enumerate(STEPS)}   # a step's row in the dialog
from ev_desktop.views.diagnostics_dialog import NB_HYPHEN, DiagnosticsDialog
from tests.diagnostics.conftest import UNREACHABLE_ADVERTISED_HOST

REPO = Path(__file__).resolve().parents[2]

#: Spanish that leaked into the English dialog before (and a few more): none may show up there
SPANISH = re.compile(
    r"[áéíóúñ¿¡«»]|\b(aquí|pendientes|no se resuelve|conexión|rechazada|escuchando|máquina|"
    r"dirección|anuncia|paso|qué hacer|omitido|correcto|fallo|por leer|esta aplicación|"
    r"mensajes|grupo|tras|sin respuesta|arranque|compruebe|resultado|fecha)\b",
    re.IGNORECASE)


@pytest.fixture
def english(qapp):
    """The English UI: the app's own translator, removed afterwards."""
    from ev_desktop.app import install_translator

    tr = install_translator(qapp, "en")
    assert tr is not None, "assets/i18n/ev_desktop_en.qm missing: run scripts/i18n_en.py"
    yield
    qapp.removeTranslator(tr)


def _no_spanish(texts) -> None:
    for text in texts:
        found = SPANISH.search(text)
        assert found is None, f"Spanish {found.group(0)!r} in: {text}"


def _shown_texts(dialog: DiagnosticsDialog) -> list[str]:
    """Everything the dialog shows in words: headline, server line, headers, every cell."""
    table = dialog.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    cells = [text for row in dialog.row_texts() for text in row]
    tips = [table.item(r, 3).toolTip() for r in range(table.rowCount())]
    return [dialog.windowTitle(), dialog.diagnosis_label.text(), dialog.target_label.text(),
            *headers, *cells, *tips]


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
    assert "Resultado: [tcp.refused] Conexión rechazada" in text
    assert dialog.copy_button.text() == "Copiado"  # the copy is said, then the label comes back
    qtbot.waitUntil(lambda: dialog.copy_button.text() == "Copiar informe", timeout=5000)
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
    _assert_sized_to_content(dialog)


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


def _assert_sized_to_content(dialog: DiagnosticsDialog) -> None:
    """No empty band under the rows, and never bigger than the screen."""
    table = dialog.table
    rows = table.verticalHeader().length()
    empty = table.viewport().height() - rows
    smallest_row = min(table.rowHeight(r) for r in range(table.rowCount()))
    assert empty < smallest_row, (table.viewport().height(), rows)
    available = dialog.screen().availableGeometry()
    assert dialog.height() <= available.height() and dialog.width() <= available.width()


# -- the English UI: no Spanish anywhere, the copied report included --------------------------

def test_english_ui_shows_no_spanish_for_connection_refused(qtbot, english, dead_port):
    bootstrap = f"127.0.0.1:{dead_port}"
    dialog = DiagnosticsDialog(bootstrap, Topics("diagui"), [], timeout_s=2.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=15000)

    assert dialog.diagnosis_label.text().startswith(
        f"Connection refused: nothing is listening on {bootstrap}")
    rows = dialog.row_texts()
    assert [r[1] for r in rows[:2]] == ["Name resolution", "TCP connection"]
    assert rows[1][0] == "Failed" and "What to do: Start Kafka" in rows[1][3]
    assert rows[2][3] == "Skipped because the step “TCP connection” failed."
    assert "connection refused after" in dialog.table.item(1, 3).toolTip()
    _no_spanish(_shown_texts(dialog))
    _assert_sized_to_content(dialog)


def test_english_ui_shows_no_spanish_for_unreachable_advertised_address(qtbot, english,
                                                                       misadvertised_broker):
    dialog = DiagnosticsDialog(misadvertised_broker, Topics("diagui"), [], timeout_s=3.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)

    host = UNREACHABLE_ADVERTISED_HOST.replace("-", NB_HYPHEN)
    headline = dialog.diagnosis_label.text()
    assert headline.startswith(f"The broker advertises itself as {host}:")
    assert f"the name “{host}” does not resolve here" in headline
    advertised = dialog.row_texts()[ROW['advertised']]
    assert advertised[1] == "Advertised addresses" and advertised[0] == "Failed"
    # the concrete fix: the broker is this machine (bootstrap on 127.0.0.1)
    assert "advertised.listeners=SASL_SSL://<this\u00a0machine's\u00a0network\u00a0IP>:" in advertised[3]
    assert f"Or make “{host}” resolve on every machine" in advertised[3]
    assert "PC2" not in advertised[3]
    _no_spanish(_shown_texts(dialog))

    dialog.copy_button.click()
    report = QApplication.clipboard().text()
    assert report == dialog.report_text()
    assert report.startswith("Kafka connection diagnostics\n")
    assert "Result: [advertised.unreachable] The broker advertises itself as" in report
    _no_spanish(report.splitlines())


def test_copied_report_is_in_the_ui_language_with_plain_hyphens(qtbot, english, misadvertised_broker):
    dialog = DiagnosticsDialog(misadvertised_broker, Topics("diagui"), [], timeout_s=3.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)
    QApplication.clipboard().clear()
    dialog.copy_button.click()
    report = QApplication.clipboard().text()
    for line in ("Servers (bootstrap): ", "Machine: ", "Total duration: ",
                 "1. Name resolution [resolve] — OK (", "7. Advertised addresses [advertised] — FAILED (",
                 "8. Expected topics [topics] — SKIPPED (", "   What to do: On the broker, which is this very machine"):
        assert line in report, report
    assert "   - advertised brokers: 1=" in report and "   - cluster id: " in report
    # the display's non-breaking hyphens never reach what is copied (commands must paste)
    assert NB_HYPHEN not in report and "\u00a0" not in report
    assert "<this machine's network IP>" in report
    assert "--listen-host 0.0.0.0 --advertised-host" in report
    assert UNREACHABLE_ADVERTISED_HOST in report


# -- layout ---------------------------------------------------------------------------------

def test_host_names_and_commands_do_not_break_at_hyphens(qtbot, misadvertised_broker):
    dialog = DiagnosticsDialog(misadvertised_broker, Topics("diagui"), [], timeout_s=3.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)
    shown = dialog.row_texts()[ROW['advertised']][3]
    assert UNREACHABLE_ADVERTISED_HOST not in shown      # not with a breakable hyphen
    assert UNREACHABLE_ADVERTISED_HOST.replace("-", NB_HYPHEN) in shown
    assert f"{NB_HYPHEN}{NB_HYPHEN}listen{NB_HYPHEN}host" in shown
    assert "-" not in dialog.diagnosis_label.text().replace(" - ", "")
    # what the user copies from the headline gets its plain hyphens back
    dialog.diagnosis_label.setSelection(0, len(dialog.diagnosis_label.text()))
    QApplication.clipboard().setText(dialog.diagnosis_label.selectedText())
    assert QApplication.clipboard().text() == dialog.report.diagnosis.text
    _assert_sized_to_content(dialog)


# -- the lag step: Central and this app's own readers ---------------------------------------

def test_lag_step_shows_the_apps_own_readers_in_english(qtbot, english, kafka_broker, topics):
    lags = {"directory": LAG_WARNING + 20, "central_watch": 0, "driver": 1}
    dialog = DiagnosticsDialog(kafka_broker, topics, [f"{topics.prefix}.central"], timeout_s=5.0,
                               reader_lags=lambda: lags)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30000)
    status, title, _, text = dialog.row_texts()[ROW['lag']]
    assert title == "Consumer lag" and status == "Warning", text
    assert f"group {topics.prefix}.central" in text
    assert f"This app is behind: it still has {LAG_WARNING + 21} messages to read" in text
    assert "charging point states: 120 to read" in text
    assert "CENTRAL heartbeat: 0 to read" in text and "driver notifications: 1 to read" in text
    assert "What to do: It usually catches up by itself" in text
    _no_spanish(_shown_texts(dialog))


def test_main_window_passes_its_readers_lag_to_the_diagnostics(qtbot, tmp_path, monkeypatch):
    """The app's readers have no consumer group: the window hands their own lag() over."""
    from types import SimpleNamespace

    from ev_desktop.main_window import MainWindow
    from ev_desktop.settings_store import AppSettings
    from ev_desktop.views import diagnostics_dialog

    seen = {}

    def fake_run(bootstrap, topics, **kwargs):
        seen.update(kwargs, lags=kwargs["reader_lags"](), thread=threading.current_thread().name)
        from ev_desktop.diagnostics.runner import run_diagnostics
        cancel = threading.Event()
        cancel.set()
        return run_diagnostics(bootstrap, topics, cancel=cancel)

    monkeypatch.setattr(diagnostics_dialog, "run_diagnostics", fake_run)
    w = MainWindow(AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t"),
                   tmp_path, start=False)
    qtbot.addWidget(w)
    w.ctx.directory = SimpleNamespace(lag=lambda: 7)
    w.ctx.central_watch = SimpleNamespace(lag=lambda: None)
    w.session.core = SimpleNamespace(started=True, lag=lambda: 2, tracker=None)
    w.open_diagnostics()
    qtbot.waitUntil(lambda: "lags" in seen, timeout=5000)
    assert seen["group_ids"] == ["t.central"]
    assert seen["lags"] == {"directory": 7, "central_watch": None, "driver": 2}
    assert seen["thread"].startswith("kafka-diagnostics")
    w.ctx.directory = w.ctx.central_watch = None
    w.session.core = None
    w._diagnostics.close()
