"""Operator sign-in form: the driver's login form with operator wording.

Shown in the "Operador" tab until Central has issued an operator token (``OPLOGIN``): the
dashboard's commands are obeyed only with one. Errors use the same plain sentences as the
driver's login (:func:`ev_desktop.views.login_form.login_error_text`).
"""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ev_desktop.views.login_form import LoginForm


class OperatorLoginForm(LoginForm):
    """``loginRequested(operator_id, password)``; ``driver`` is the id field (shared layout)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operatorLogin")
        self.title.setText(self.tr("Acceso de operadores"))
        self.id_label.setText(self.tr("Operador"))
        self.driver.setObjectName("operatorId")
        self.driver.setPlaceholderText(self.tr("p. ej. operator1"))
        self.password.setObjectName("operatorPassword")
        self.button.setObjectName("operatorLoginButton")

    def missing_text(self) -> str:
        return self.tr("Escriba su identificador de operador y su contraseña")

    def set_signed_out(self, message: str = "") -> None:
        """Back to an empty form (password cleared), with *message* saying why, if any."""
        self.password.clear()
        self.set_busy(False)
        self.error.setText(message)
