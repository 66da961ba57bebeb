"""One language: "Fuera de servicio" (not "Out of Order"), Qt's own buttons in Spanish, and
--role / --lang for one run only (never saved silently)."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from ev_desktop import app as desktop_app
from ev_desktop.settings_store import SettingsStore
from ev_desktop.views.cp_tile_delegate import state_label


def test_out_of_order_is_spanish():
    assert state_label("out_of_order") == "Fuera de servicio"


def test_qt_own_buttons_are_spanish(qtbot, qapp):
    tr = desktop_app.install_qt_translator(qapp, "es")
    assert tr is not None, "Qt's qtbase_es translation missing"
    try:
        box = QMessageBox(QMessageBox.Icon.Question, "t", "x",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        qtbot.addWidget(box)
        assert box.button(QMessageBox.StandardButton.Yes).text().replace("&", "") == "Sí"
    finally:
        qapp.removeTranslator(tr)


def test_lang_and_role_from_the_command_line_are_not_saved(tmp_path):
    store = SettingsStore(tmp_path)
    before = store.load()
    args = desktop_app.build_parser().parse_args(["--lang", "en", "--role", "driver", "--central", "pc2:7000"])
    this_run = desktop_app.settings_for_run(args, store)
    assert (this_run.lang, this_run.role, this_run.central) == ("en", "driver", "pc2:7000")
    saved = store.load()
    assert saved.central == "pc2:7000"                          # connection: remembered
    assert (saved.lang, saved.role) == (before.lang, before.role)  # run-only choices: not saved


def test_help_of_ev_desktop_and_ev_driver_is_in_one_language():
    from ev_desktop import headless

    spanish = ("segundos", "por defecto", "contraseña", "conductor", "fichero", "recarga")
    for parser in (desktop_app.build_parser(), headless.build_parser()):
        text = parser.format_help().lower()
        assert not [w for w in spanish if w in text], text


def test_the_sound_switch_is_in_the_settings_and_is_saved(qtbot, tmp_path):
    from ev_desktop.views.settings_dialog import SettingsDialog

    store = SettingsStore(tmp_path)
    dlg = SettingsDialog(store.load())
    qtbot.addWidget(dlg)
    assert dlg.sound.isChecked() and dlg.sound.text() == "Aviso sonoro al terminar un suministro"
    dlg.sound.setChecked(False)
    store.save(dlg.values())
    assert store.load().sound == "off"
