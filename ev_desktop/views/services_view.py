"""Services file: load (file dialog), run one CP after another (4 s pause), progress, stop."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from ev_desktop.core.services import ServiceOutcome, ServicesFileError, ServicesProgress, load_services_file

REPO_ASSETS = Path(__file__).resolve().parents[2] / "assets"


class ServicesView(QWidget):
    runRequested = Signal(list)
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cp_ids: list[str] = []
        self.stop_note = ""
        self.load_btn = QPushButton(self.tr("Cargar fichero de servicios…"))
        self.load_btn.setObjectName("loadServices")
        self.run_btn = QPushButton(self.tr("Ejecutar"))
        self.run_btn.setObjectName("runServices")
        self.stop_btn = QPushButton(self.tr("Detener"))
        self.stop_btn.setObjectName("stopServices")
        self.file_label = QLabel(self.tr("Ningún fichero cargado"))
        self.file_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v de %m"))
        self.progress.setValue(0)
        self.progress.hide()   # no file, no count: "0 de 100" would be a number out of nowhere
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.outcomes = QListWidget()
        self.outcomes.setObjectName("servicesOutcomes")
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.run_btn)
        buttons.addWidget(self.stop_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.file_label)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.outcomes, 1)
        self.load_btn.clicked.connect(self.choose_file)
        self.run_btn.clicked.connect(lambda: self.runRequested.emit(list(self.cp_ids)))
        self.stop_btn.clicked.connect(self.stopRequested.emit)
        self.set_running(False)

    def choose_file(self) -> None:
        start = str(REPO_ASSETS if REPO_ASSETS.is_dir() else Path.home())
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Fichero de servicios"), start,
                                              self.tr("Ficheros de texto (*.txt);;Todos (*)"))
        if path:
            self.load(path)

    def load(self, path: str | Path) -> bool:
        try:
            cps = load_services_file(path)
        except ServicesFileError as exc:
            self.cp_ids = []
            self.file_label.setText(str(exc))
            self.run_btn.setEnabled(False)
            return False
        self.cp_ids = cps
        self.file_label.setText(self.tr("{f}: {n} puntos de carga ({cps})").format(
            f=Path(path).name, n=len(cps), cps=", ".join(cps[:12]) + ("…" if len(cps) > 12 else "")))
        self.progress.setRange(0, len(cps))
        self.progress.setValue(0)
        self.progress.show()
        self.outcomes.clear()
        self.run_btn.setEnabled(True)
        return True

    def set_running(self, running: bool) -> None:
        self.run_btn.setEnabled(not running and bool(self.cp_ids))
        self.load_btn.setEnabled(not running)
        self.stop_btn.setEnabled(running)

    def show_progress(self, p: ServicesProgress) -> None:
        self.progress.show()
        self.progress.setRange(0, p.total)
        if p.index == 0 and p.outcome is not None:   # a supply left open by an earlier run
            self.outcomes.insertItem(0, self.outcome_line(p.outcome))
            return
        if p.outcome is None:
            self.progress.setValue(p.index - 1)
            self.status.setText(self.tr("Servicio {i} de {n}: solicitando {cp}…").format(
                i=p.index, n=p.total, cp=p.cp_id))
            return
        self.progress.setValue(p.index)
        self.outcomes.insertItem(0, self.outcome_line(p.outcome))
        if p.index < p.total:
            self.status.setText(self.tr("Servicio {i} terminado; el siguiente empieza en 4 s").format(i=p.index))

    def outcome_line(self, o: ServiceOutcome) -> str:
        names = {
            "completed": self.tr("completado"), "fault": self.tr("avería"),
            "operator_stop": self.tr("parado por el operador"), "monitor_lost": self.tr("punto desconectado"),
            "interrupted": self.tr("interrumpido"), "denied": self.tr("denegado"),
            "expired": self.tr("reserva caducada"), "timeout": self.tr("sin respuesta"),
            "stopped": self.tr("no solicitado (servicios detenidos)"), "cancelled": self.tr("cancelado"),
        }
        text = f"{o.index}/{o.total} {o.cp_id}: {names.get(o.outcome, o.outcome)}"
        if o.kwh or o.eur:
            text += f" — {o.kwh:.2f} kWh, {o.eur:.2f} €"
        if o.served_cp and o.served_cp != o.cp_id:
            text += " " + self.tr("(en {cp})").format(cp=o.served_cp)
        return text

    def finished(self, outcomes: list) -> None:
        self.set_running(False)
        done = sum(1 for o in outcomes if o.outcome != "stopped")
        text = self.tr("Servicios terminados: {n} de {t}").format(n=done, t=len(self.cp_ids))
        self.status.setText(f"{self.stop_note} {text}" if self.stop_note else text)
        self.stop_note = ""

    def note_stopped(self, text: str) -> None:
        """What "Detener" did to the supply in progress (stopped too / goes on): said now and
        kept in the final line."""
        self.stop_note = text
        self.status.setText(text)
