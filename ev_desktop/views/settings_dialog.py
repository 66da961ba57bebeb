"""Connection settings: Kafka bootstrap servers, Central address, topic prefix, Kafka
credentials file. Apply = reconnect."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from ev_desktop.settings_store import AppSettings, validate


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Ajustes de conexión"))
        self.original = settings
        self.bootstrap = QLineEdit(settings.bootstrap_servers)
        self.bootstrap.setObjectName("bootstrapServers")
        self.central = QLineEdit(settings.central)
        self.central.setObjectName("centralAddress")
        self.prefix = QLineEdit(settings.topic_prefix)
        self.prefix.setObjectName("topicPrefix")
        self.credentials = QLineEdit(settings.kafka_credentials)
        self.credentials.setObjectName("kafkaCredentials")
        self.credentials.setPlaceholderText(self.tr("fichero .toml que da el administrador (0600)"))
        self.bootstrap.setPlaceholderText("pc2.local:9092")
        self.central.setPlaceholderText("pc2.local:7000")
        form = QFormLayout()
        form.addRow(self.tr("Servidores Kafka"), self.bootstrap)
        form.addRow(self.tr("CENTRAL (HOST:PUERTO[, HOST:PUERTO…])"), self.central)
        form.addRow(self.tr("Prefijo de topics"), self.prefix)
        form.addRow(self.tr("Credenciales de Kafka"), self.credentials)
        self.sound = QCheckBox(self.tr("Aviso sonoro al terminar un suministro"))
        self.sound.setObjectName("soundOnSupplyEnd")
        self.sound.setChecked(settings.sound != "off")
        form.addRow("", self.sound)
        hint = QLabel(self.tr("Al aplicar, la aplicación se reconecta con estos valores. Los eventos en "
                              "cola no se pierden."))
        hint.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Aplicar"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancelar"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def values(self) -> AppSettings:
        return replace(self.original, bootstrap_servers=self.bootstrap.text().strip(),
                       central=self.central.text().strip(), topic_prefix=self.prefix.text().strip(),
                       kafka_credentials=self.credentials.text().strip(),
                       sound="on" if self.sound.isChecked() else "off")

    def _accept(self) -> None:
        problems = validate(self.values())
        if problems:
            self.error.setText("\n".join(problems))
            self.error.show()
            return
        self.accept()
