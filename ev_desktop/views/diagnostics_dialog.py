"""The Kafka diagnostics dialog opened from the status bar's Kafka indicator.

It only renders :mod:`ev_desktop.kafka.diagnostics` (plain Python): the engine runs in a
worker thread and hands each finished step back through a queued Qt signal, so the GUI thread
never blocks. Step texts come from the engine as (code, params); they are rendered through
``QCoreApplication.translate("DiagnosticsMessages", <Spanish template>)`` so a Qt translation
file can translate them by their Spanish source, like every ``self.tr()`` string here.
"""
from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QDialog, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ev_common.topics import Topics
from ev_desktop.kafka.diagnostics import (
    MESSAGES, STEPS, DiagnosticsReport, StepResult, StepStatus, run_diagnostics,
)

STATUS_COLORS = {
    StepStatus.OK: "#2e7d32", StepStatus.WARNING: "#f9a825", StepStatus.FAILED: "#c62828",
    StepStatus.SKIPPED: "#9e9e9e", StepStatus.PENDING: "#cfd8dc",
}
RUNNING_COLOR = "#1e88e5"
COL_STATUS, COL_STEP, COL_TIME, COL_TEXT = range(4)


def _dot(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor(color).darker(130))
    p.setBrush(QColor(color))
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pix)


def translated_message(code: str, params: dict[str, Any], fallback: tuple[str, str]) -> tuple[str, str]:
    """(explanation, action) of an engine code, through Qt's translator (Spanish source)."""
    templates = MESSAGES.get(code)
    if templates is None:
        return fallback
    if isinstance(params.get("step"), str):   # "skipped because step «…» failed": a step title
        params = {**params, "step": QCoreApplication.translate("DiagnosticsSteps", params["step"])}
    try:
        return tuple(QCoreApplication.translate("DiagnosticsMessages", t).format(code=code, **params)
                     if t else "" for t in templates)  # type: ignore[return-value]
    except (KeyError, IndexError, ValueError):
        return fallback


class _Bridge(QObject):
    """Lives in the GUI thread; the worker emits on it, Qt queues delivery to the GUI thread."""

    stepFinished = Signal(int, object)      # run id, StepResult
    runFinished = Signal(int, object)       # run id, DiagnosticsReport


class DiagnosticsDialog(QDialog):
    """Runs the Kafka diagnostics at once and on "Repetir"; "Copiar informe" copies the text."""

    diagnosticsFinished = Signal(object)    # DiagnosticsReport

    def __init__(self, bootstrap_servers: str, topics: Topics, group_ids: list[str] | None = None,
                 parent: QWidget | None = None, *, timeout_s: float = 3.0) -> None:
        super().__init__(parent)
        self._bootstrap = bootstrap_servers
        self._topics = topics
        self._group_ids = list(group_ids or [])
        self._timeout_s = timeout_s
        self._report: DiagnosticsReport | None = None
        self._run_id = 0
        self._running = False
        self._cancel = threading.Event()
        self._bridge = _Bridge()
        self._bridge.stepFinished.connect(self._on_step)
        self._bridge.runFinished.connect(self._on_finished)
        self._build()
        self.run_again()

    # -- layout
    def _build(self) -> None:
        self.setWindowTitle(self.tr("Diagnóstico de la conexión con Kafka"))
        self.resize(900, 520)
        layout = QVBoxLayout(self)

        self.diagnosis_label = QLabel()
        font = QFont(self.diagnosis_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.diagnosis_label.setFont(font)
        self.diagnosis_label.setWordWrap(True)
        self.diagnosis_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.diagnosis_label)

        self.target_label = QLabel(self.tr("Servidores de Kafka: %1").replace("%1", self._bootstrap))
        layout.addWidget(self.target_label)

        self.progress = QProgressBar()
        self.progress.setRange(0, len(STEPS))
        layout.addWidget(self.progress)

        self.table = QTableWidget(len(STEPS), 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Estado"), self.tr("Paso"), self.tr("Duración"), self.tr("Explicación")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        for col in (COL_STATUS, COL_STEP, COL_TIME):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.rerun_button = QPushButton(self.tr("Repetir"))
        self.copy_button = QPushButton(self.tr("Copiar informe"))
        self.close_button = QPushButton(self.tr("Cerrar"))
        self.rerun_button.clicked.connect(self.run_again)
        self.copy_button.clicked.connect(self.copy_report)
        self.close_button.clicked.connect(self.reject)
        self.close_button.setDefault(True)
        buttons.addWidget(self.rerun_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def _status_text(self, status: StepStatus) -> str:
        return {StepStatus.OK: self.tr("Correcto"), StepStatus.WARNING: self.tr("Aviso"),
                StepStatus.FAILED: self.tr("Fallo"), StepStatus.SKIPPED: self.tr("Omitido"),
                StepStatus.PENDING: self.tr("Pendiente")}[status]

    def _step_title(self, step_id: str, spanish: str) -> str:
        return QCoreApplication.translate("DiagnosticsSteps", spanish)

    def _set_row(self, row: int, step_id: str, title: str, color: str, status_text: str,
                 duration: str, text: str, tooltip: str = "") -> None:
        status_item = QTableWidgetItem(_dot(color), status_text)
        status_item.setData(Qt.ItemDataRole.UserRole, step_id)
        items = (status_item, QTableWidgetItem(title), QTableWidgetItem(duration),
                 QTableWidgetItem(text))
        items[COL_TIME].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for col, item in enumerate(items):
            if tooltip:
                item.setToolTip(tooltip)
            self.table.setItem(row, col, item)
        self.table.resizeRowToContents(row)

    # -- public API
    @property
    def report(self) -> DiagnosticsReport | None:
        """The last finished report (None while the first run is in progress)."""
        return self._report

    def is_running(self) -> bool:
        return self._running

    def row_texts(self) -> list[tuple[str, str, str, str]]:
        """(status, step, duration, explanation) per row, as shown (for tests and accessibility)."""
        return [tuple(self.table.item(r, c).text() if self.table.item(r, c) else ""
                      for c in range(4)) for r in range(self.table.rowCount())]  # type: ignore[misc]

    def run_again(self) -> None:
        """Start a fresh run in a worker thread (ignored while one is running)."""
        if self._running:
            return
        self._running = True
        self._run_id += 1
        self._cancel = threading.Event()
        self.rerun_button.setEnabled(False)
        self.copy_button.setEnabled(self._report is not None)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.diagnosis_label.setStyleSheet("")
        self.diagnosis_label.setText(self.tr("Comprobando la conexión con Kafka…"))
        for row, (step_id, title) in enumerate(STEPS):
            color = RUNNING_COLOR if row == 0 else STATUS_COLORS[StepStatus.PENDING]
            text = self.tr("En curso…") if row == 0 else self._status_text(StepStatus.PENDING)
            self._set_row(row, step_id, self._step_title(step_id, title), color, text, "", "")
        run_id, bridge, cancel = self._run_id, self._bridge, self._cancel
        args = (self._bootstrap, self._topics)
        kwargs = dict(group_ids=self._group_ids, timeout_s=self._timeout_s, cancel=cancel,
                      on_step=lambda step: bridge.stepFinished.emit(run_id, step))

        def work() -> None:
            report = run_diagnostics(*args, **kwargs)  # never raises
            bridge.runFinished.emit(run_id, report)

        threading.Thread(target=work, name=f"kafka-diagnostics-{run_id}", daemon=True).start()

    def copy_report(self) -> None:
        """Put the last report's plain text on the clipboard."""
        if self._report is not None:
            QApplication.clipboard().setText(self._report.as_text())

    # -- worker results (GUI thread)
    def _on_step(self, run_id: int, step: StepResult) -> None:
        if run_id != self._run_id:
            return
        row = next(i for i, (sid, _) in enumerate(STEPS) if sid == step.id)
        explanation, action = translated_message(step.code, step.params,
                                                 (step.explanation, step.action))
        text = explanation if not action else (
            explanation + "\n" + self.tr("Qué hacer: %1").replace("%1", action))
        facts = "\n".join(f"{k}: {v}" for k, v in step.facts.items())
        duration = "" if step.status is StepStatus.SKIPPED else f"{step.duration_ms:.0f} ms"
        self._set_row(row, step.id, self._step_title(step.id, STEPS[row][1]),
                      STATUS_COLORS[step.status], self._status_text(step.status), duration, text,
                      facts)
        self.progress.setValue(row + 1)
        if row + 1 < len(STEPS) and step.status is not StepStatus.SKIPPED:
            next_id, next_title = STEPS[row + 1]
            self._set_row(row + 1, next_id, self._step_title(next_id, next_title), RUNNING_COLOR,
                          self.tr("En curso…"), "", "")

    def _on_finished(self, run_id: int, report: DiagnosticsReport) -> None:
        if run_id != self._run_id:
            return
        self._report = report
        self._running = False
        diagnosis = report.diagnosis
        decisive = next((s for s in report.steps if s.id == diagnosis.step_id), None)
        if diagnosis.code == "ok":
            text = translated_message("ok", {"latency_ms": report.step("roundtrip").params.get(
                "latency_ms", "?")}, (diagnosis.text, ""))[0]
            color = STATUS_COLORS[StepStatus.OK]
        elif diagnosis.code == "ok.warnings" and decisive is not None:
            detail = translated_message(decisive.code, decisive.params,
                                        (decisive.explanation, decisive.action))[0]
            text = translated_message("ok.warnings", {"detail": detail}, (diagnosis.text, ""))[0]
            color = "#b26a00"
        elif decisive is not None:
            text = translated_message(decisive.code, decisive.params,
                                      (decisive.explanation, decisive.action))[0]
            color = STATUS_COLORS[StepStatus.FAILED]
        else:
            text, color = diagnosis.text, STATUS_COLORS[StepStatus.SKIPPED]
        self.diagnosis_label.setText(text)
        self.diagnosis_label.setStyleSheet(f"color: {color};")
        self.diagnosis_label.updateGeometry()   # a longer text wraps onto more lines
        self.progress.setValue(len(STEPS))
        self.progress.setVisible(False)
        self.rerun_button.setEnabled(True)
        self.copy_button.setEnabled(True)
        self.diagnosticsFinished.emit(report)

    def done(self, result: int) -> None:  # closing (Cerrar, Esc) cancels a run
        self._cancel.set()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 - window X / close()
        self._cancel.set()
        super().closeEvent(event)
