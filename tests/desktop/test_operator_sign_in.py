"""Operators sign in before they get the dashboard; its commands carry their session's MAC; an expiring
or closed session brings the sign-in form back instead of sending commands Central would refuse.

Central's socket side is scripted (no Kafka): commands are caught by a fake producer."""
from __future__ import annotations

import time

import pytest

from ev_common import contract
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import sign_in_operator, sign_in_through_form
from tests.desktop.kafka_support import ScriptedCentral


class FakeProducer:
    """Stands in for the operator's ReliableProducer: records what would go to Kafka."""

    queued = 0

    def __init__(self) -> None:
        self.sent: list[tuple[str, contract.Envelope]] = []

    def send(self, topic: str, env: contract.Envelope) -> str:
        self.sent.append((topic, env))
        return env.id


class LockedCentral(ScriptedCentral):
    """Answers every OPLOGIN as Central does after too many wrong passwords."""

    def answer(self, fields: list[str]) -> list[str]:
        if fields[0] == "OPLOGIN":
            return ["ERR", "too_many_attempts", "Demasiados intentos fallidos; espere 27 s", "27"]
        return super().answer(fields)


@pytest.fixture
def scripted():
    centrals: list[ScriptedCentral] = []

    def start(cls=ScriptedCentral) -> int:
        c = cls()
        centrals.append(c)
        return c.start()
    start.centrals = centrals
    yield start
    for c in centrals:
        c.stop()


def _window(qtbot, data_dir, central: str = "127.0.0.1:1", role: str = "operator") -> MainWindow:
    w = MainWindow(AppSettings(bootstrap_servers="127.0.0.1:1", central=central, topic_prefix="t", role=role),
                   data_dir, start=False)
    qtbot.addWidget(w)
    w.ctx.producer = FakeProducer()
    return w


def _submit(w: MainWindow, operator_id: str, password: str) -> None:
    w.operator_login.driver.setText(operator_id)
    w.operator_login.password.setText(password)
    w.operator_login.button.click()


def test_operator_role_shows_the_sign_in_form_before_the_dashboard(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    w.show()
    qtbot.waitExposed(w)
    assert w.tabs.currentWidget() is w.operator_stack
    assert w.operator_stack.currentWidget() is w.operator_login
    assert w.operator_login.title.text() == "Acceso de operadores"
    assert not w.dashboard.isVisible() and not w.operator_signed_in


def test_driver_role_has_no_operator_sign_in(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir, role="driver")
    assert w.operator_login is None and w.operator_session is None


def test_signed_in_operator_stop_sends_an_operator_command_with_the_token(qtbot, data_dir, qloop, scripted):
    port = scripted()
    w = _window(qtbot, data_dir, central=f"127.0.0.1:{port}")
    w.show()
    sign_in_through_form(qtbot, w)
    assert "operator1" in w.dashboard.operator_label.text()
    menu = w.dashboard.context_menu_for("CP0003")  # held, as the right-click holds it while shown
    actions = {a.objectName(): a for a in menu.actions()}
    actions["stopOne"].trigger()
    (topic, env), = w.ctx.producer.sent
    assert topic == w.ctx.topics.operator_commands
    assert isinstance(env.body, contract.OperatorCommand)
    assert (env.body.action, env.body.cp_id, env.body.operator) == ("stop", "CP0003", "operator1")
    assert env.body.token.startswith("op:operator1.")


def test_nothing_is_sent_before_sign_in(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    assert w.send_command("stop", "*") is None
    assert w.ctx.producer.sent == []


def test_wrong_password_is_refused_in_plain_words(qtbot, data_dir, qloop, scripted):
    port = scripted()
    w = _window(qtbot, data_dir, central=f"127.0.0.1:{port}")
    _submit(w, "operator1", "wrong")
    qtbot.waitUntil(lambda: w.operator_login.error.text() != "", timeout=10000)
    assert w.operator_login.error.text() == "Usuario o contraseña incorrectos"
    assert w.operator_stack.currentWidget() is w.operator_login and w.operator_login.button.isEnabled()


def test_unreachable_central_is_named_with_its_address(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir, central="127.0.0.1:1")
    _submit(w, "operator1", "admin123")
    qtbot.waitUntil(lambda: w.operator_login.error.text() != "", timeout=10000)
    assert w.operator_login.error.text().startswith("Imposible conectar con la CENTRAL (127.0.0.1:1) — ")


def test_too_many_attempts_says_how_long_to_wait(qtbot, data_dir, qloop, scripted):
    port = scripted(LockedCentral)
    w = _window(qtbot, data_dir, central=f"127.0.0.1:{port}")
    _submit(w, "operator1", "admin123")
    qtbot.waitUntil(lambda: w.operator_login.error.text() != "", timeout=10000)
    assert w.operator_login.error.text() == "Demasiados intentos fallidos — espere 27 s y vuelva a intentarlo"


def test_empty_fields_are_asked_for_without_calling_central(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    _submit(w, "", "")
    assert w.operator_login.error.text() == "Escriba su identificador de operador y su contraseña"


def test_token_about_to_expire_asks_to_sign_in_again_instead_of_sending(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    sign_in_operator(w, ttl_s=600)
    assert w.operator_stack.currentWidget() is w.dashboard
    assert w.send_command("stop", "CP0001") is not None
    w.operator_session.clock = lambda: time.time() + 550  # 50 s left: too little for a queued command
    assert w.send_command("stop", "CP0002") is None
    assert [e.body.cp_id for _, e in w.ctx.producer.sent] == ["CP0001"]
    assert w.operator_stack.currentWidget() is w.operator_login
    assert "ha caducado" in w.operator_login.error.text()


def test_expiry_is_noticed_without_a_click(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    sign_in_operator(w, ttl_s=600)
    w.operator_session.clock = lambda: time.time() + 600
    w.operator_session._expiry_timer.setInterval(10)
    qtbot.waitUntil(lambda: w.operator_stack.currentWidget() is w.operator_login, timeout=2000)
    assert "vuelva a iniciar sesión" in w.operator_login.error.text()


def test_sign_out_returns_to_the_sign_in_form_and_forgets_the_token(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    sign_in_operator(w)
    w.operator_login.password.setText("left over")
    w.dashboard.sign_out_btn.click()
    assert w.operator_stack.currentWidget() is w.operator_login
    assert w.operator_login.password.text() == "" and w.operator_login.error.text() == ""
    assert w.send_command("resume", "*") is None and w.ctx.producer.sent == []


def test_changing_central_signs_the_operator_out(qtbot, data_dir, qloop):
    from dataclasses import replace

    w = _window(qtbot, data_dir)
    sign_in_operator(w)
    w.apply_settings(replace(w.settings, central="127.0.0.1:2"))
    assert not w.operator_signed_in
    assert "CENTRAL" in w.operator_login.error.text()
    w.ctx.stop(wait=True)


def test_operator_sign_in_is_translated_to_english(qtbot, qapp, data_dir, qloop):
    from ev_desktop.app import install_translator

    tr = install_translator(qapp, "en")
    assert tr is not None
    try:
        w = _window(qtbot, data_dir)
        assert w.operator_login.title.text() == "Operator sign-in"
        assert w.dashboard.sign_out_btn.text() == "Log out"
    finally:
        qapp.removeTranslator(tr)


class SessionCentral(ScriptedCentral):
    """Answers OPLOGIN as Central does now (token + session id + session key) and records
    RENEW / LOGOUT."""

    SID, KEY = "sid-op1", "key-op1"

    def __init__(self) -> None:
        super().__init__()
        self.session_frames: list[list[str]] = []

    def answer(self, fields: list[str]) -> list[str]:
        if fields[0] == "OPLOGIN":
            answer = super().answer(fields)
            return answer + [self.SID, self.KEY] if answer[0] == "OK" else answer
        if fields[0] in ("RENEW", "LOGOUT"):
            self.session_frames.append(fields[:2])
            return ["OK"] if fields[0] == "LOGOUT" else ["OK", "op:operator1.9999999999.sig", "9999999999"]
        return super().answer(fields)


def test_commands_carry_the_session_mac_not_the_token_and_sign_out_revokes_it(qtbot, data_dir, qloop, scripted):
    from ev_common import msgauth

    port = scripted(SessionCentral)
    w = _window(qtbot, data_dir, central=f"127.0.0.1:{port}")
    w.show()
    sign_in_through_form(qtbot, w)
    w.send_command("stop", "CP0003")
    (topic, env), = w.ctx.producer.sent
    assert env.body.token == "" and env.auth is not None and env.auth.kid == SessionCentral.SID
    msgauth.verify(env, SessionCentral.KEY, msgauth.OPERATOR_COMMAND, SessionCentral.SID)
    w.dashboard.sign_out_btn.click()  # "Cerrar sesión": Central is told to revoke the session
    central = scripted.centrals[-1]
    qtbot.waitUntil(lambda: ["LOGOUT", SessionCentral.SID] in central.session_frames, timeout=5000)
