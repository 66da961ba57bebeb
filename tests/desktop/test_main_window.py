"""The window in Spanish by default, roles, settings, translations, plain error messages."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QPushButton

from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings, SettingsStore, validate

REPO = Path(__file__).resolve().parents[2]


def _window(qtbot, data_dir, **kw) -> MainWindow:
    s = AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t", **kw)
    w = MainWindow(s, data_dir, start=False)
    qtbot.addWidget(w)
    return w


def test_spanish_by_default_and_both_roles(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    texts = [b.text() for b in w.findChildren(QPushButton)]
    assert "Solicitar Carga" in texts and "Cualquier CP libre" in texts
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == ["Conductor", "Operador"]
    assert w.dashboard is not None
    assert "Kafka" in w.kafka_indicator.text()


def test_driver_role_sees_only_the_driver_panel(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir, role="driver")
    assert w.tabs.count() == 1 and w.dashboard is None
    assert w.ctx.operator is False


def test_english_translation_loads(qtbot, qapp):
    from PySide6.QtCore import QCoreApplication

    from ev_desktop.app import install_translator

    tr = install_translator(qapp, "en")
    try:
        assert tr is not None, "assets/i18n/ev_desktop_en.qm missing"
        assert QCoreApplication.translate("DriverPanel", "Solicitar Carga") == "Request charge"
    finally:
        if tr is not None:
            qapp.removeTranslator(tr)
    assert QCoreApplication.translate("DriverPanel", "Solicitar Carga") == "Solicitar Carga"


def test_settings_saved_and_validated(tmp_path):
    store = SettingsStore(tmp_path)
    s = replace(store.load(), bootstrap_servers="10.1.1.1:9092", central="10.1.1.2:7000", topic_prefix="demo")
    store.save(s)
    assert SettingsStore(tmp_path).load() == s
    assert validate(s) == []
    assert validate(replace(s, central="nohost:notaport"))
    assert validate(replace(s, topic_prefix="a b"))


def test_settings_apply_reconnects(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.store = SettingsStore(data_dir)
    w.ctx.start()
    try:
        new = replace(w.settings, bootstrap_servers="127.0.0.1:2", topic_prefix="other")
        w.apply_settings(new)
        assert w.ctx.started and w.ctx.settings.bootstrap_servers == "127.0.0.1:2"
        assert w.ctx.topics.prefix == "other"
        assert SettingsStore(data_dir).load().topic_prefix == "other"
        qtbot.waitUntil(lambda: "127.0.0.1:2" in w.kafka_indicator.text(), timeout=5000)
    finally:
        w.ctx.close()


def test_excepthook_shows_plain_message(qtbot, monkeypatch, caplog):
    import sys

    from PySide6.QtWidgets import QMessageBox

    from ev_desktop import app as app_mod

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    import threading

    old_hook, old_thread_hook = sys.excepthook, threading.excepthook
    try:
        app_mod.install_error_handlers()
        try:
            raise ValueError("algo raro")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        qtbot.waitUntil(lambda: bool(shown), timeout=2000)
    finally:
        sys.excepthook, threading.excepthook = old_hook, old_thread_hook
    assert "algo raro" in shown[0] and "Traceback" not in shown[0]
    assert "unexpected error" in caplog.text
