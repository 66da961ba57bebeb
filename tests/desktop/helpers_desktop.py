"""Builders shared by the desktop tests."""
from __future__ import annotations

import time

from ev_common.contract import CpState

ALL_STATES = ("available", "reserved", "charging", "out_of_order", "faulted", "disconnected")


def make_state(i: int, state: str | None = None, tick: int = 0) -> CpState:
    state = state or ALL_STATES[i % len(ALL_STATES)]
    now = time.time()
    kw = 7.0 + (i + tick) % 40 if state == "charging" else 0.0
    return CpState(
        cp_id=f"CP{i:04d}", location=f"Calle {i % 97} nº {i % 13}, Alicante", price_eur_kwh=0.30 + (i % 7) / 100,
        max_kw=50.0, state=state,
        driver_id=f"driver{i % 50}" if state in ("reserved", "charging") else None,
        session_id=f"s{i}" if state in ("reserved", "charging") else None,
        kw=kw, kwh=tick * 0.01 if state == "charging" else 0.0, eur=tick * 0.003 if state == "charging" else 0.0,
        reserved_until=now + 90 if state == "reserved" else None,
        fault_reason="Motor sin respuesta" if state == "faulted" else None,
        last_seen=now - 300 if state == "disconnected" else None,
    )


def sign_in_operator(window, operator_id: str = "operator1", ttl_s: float = 3600.0) -> str:
    """Sign *window*'s operator in without a Central (a made-up token): for tests about the
    dashboard itself. Returns the token the dashboard's commands will carry."""
    import time

    from ev_desktop.core.central_client import OperatorLogin

    expires = time.time() + ttl_s
    token = f"op:{operator_id}.{int(expires)}.test-signature"
    window.operator_session.accept(OperatorLogin(operator_id, token, expires))
    return token


def sign_in_through_form(qtbot, window, operator_id: str = "operator1", password: str = "admin123") -> None:
    """Sign in the way a user does: the operator form, then wait for the dashboard."""
    form = window.operator_login
    form.driver.setText(operator_id)
    form.password.setText(password)
    form.button.click()
    qtbot.waitUntil(lambda: window.operator_stack.currentWidget() is window.dashboard, timeout=15000)
