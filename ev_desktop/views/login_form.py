"""Driver login form: id + password → ``loginRequested``; failures shown as one plain sentence."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


def login_error_text(widget: QWidget, code: str, message: str, central: str,
                     retry_after_s: float | None = None) -> str:
    """Translated sentence for a LoginError code (the core's Spanish message as fallback)."""
    if code == "too_many_attempts" and retry_after_s is not None:
        return QCoreApplication.translate(
            "LoginForm", "Demasiados intentos fallidos — espere {s} s y vuelva a intentarlo").format(
                s=f"{retry_after_s:.0f}")
    if code in ("bad_credentials", "unknown_driver"):
        return QCoreApplication.translate("LoginForm", "Usuario o contraseña incorrectos")
    if code == "unreachable":
        return QCoreApplication.translate("LoginForm", "Imposible conectar con la CENTRAL ({addr}) — compruebe que está en marcha "
                         "y reintente").format(addr=central)
    if code == "invalid_token":
        return QCoreApplication.translate("LoginForm", "La sesión ha caducado — vuelva a iniciar sesión")
    if code == "tls":
        return QCoreApplication.translate(
            "LoginForm", "La CENTRAL ({addr}) no presenta un certificado de confianza para esa dirección, "
            "o falta el fichero de la CA — revise la dirección y EV_CA_FILE").format(addr=central)
    return message


class LoginForm(QWidget):
    loginRequested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        card = QFrame()
        card.setObjectName("loginCard")
        card.setFixedWidth(420)
        self.title = title = QLabel(self.tr("Acceso de conductores"))
        title.setObjectName("loginTitle")
        self.driver = QLineEdit()
        self.driver.setObjectName("driverId")
        self.driver.setPlaceholderText(self.tr("p. ej. driver1"))
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.button = QPushButton(self.tr("Entrar"))
        self.button.setObjectName("loginButton")
        self.button.setDefault(True)
        self.error = QLabel()
        self.error.setObjectName("loginError")
        self.error.setWordWrap(True)
        # room for three lines reserved up front: a message appearing never squeezes the form
        self.error.setMinimumHeight(self.error.fontMetrics().lineSpacing() * 3 + 6)
        self.error.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        form = QFormLayout()
        self.id_label = QLabel(self.tr("Conductor"))
        form.addRow(self.id_label, self.driver)
        form.addRow(self.tr("Contraseña"), self.password)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(12)
        lay.addWidget(title)
        lay.addLayout(form)
        lay.addWidget(self.button)
        lay.addWidget(self.error)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.button.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.driver.returnPressed.connect(self.password.setFocus)

    def _submit(self) -> None:
        driver = self.driver.text().strip()
        if not driver or not self.password.text():
            self.show_error(self.missing_text())
            return
        self.error.clear()
        self.set_busy(True)
        self.loginRequested.emit(driver, self.password.text())

    def missing_text(self) -> str:
        return self.tr("Escriba su identificador de conductor y su contraseña")

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.button.setText(self.tr("Conectando…") if busy else self.tr("Entrar"))

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
