"""The Kafka diagnostics dialog opened from the status bar's Kafka indicator.

It only renders :mod:`ev_desktop.diagnostics.runner` (plain Python): the engine runs in a
worker thread and hands each finished step back through a queued Qt signal, so the GUI thread
never blocks. The engine returns data only (codes, params, facts); the words come from the
catalogue in ``ev_desktop.diagnostics.report`` rendered with ``QCoreApplication.translate`` (contexts
``Diagnostics*``, Spanish source), so the table, the headline and the copied report are all in
the UI language, like every ``self.tr()`` string here.

Display only: hyphens inside host names and commands ("kafka-central.lan", "ev-kafka",
"--advertised-host") become non-breaking (U+2011), and so do the spaces of a "<placeholder>",
so a line never wraps inside them; the copied report and anything copied from the headline
keep plain hyphens and spaces. The dialog sizes itself to its
content (within the screen) as the steps come in.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QDialog, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ev_common.topics import Topics
from ev_desktop.diagnostics.runner import (
    STEPS, DiagnosticsReport, StepResult, StepStatus, render, render_facts, run_diagnostics,
    step_title,
)

STATUS_COLORS = {
    StepStatus.OK: "#2e7d32", StepStatus.WARNING: "#f9a825", StepStatus.FAILED: "#c62828",
    StepStatus.SKIPPED: "#9e9e9e", StepStatus.PENDING: "#cfd8dc",
}
RUNNING_COLOR = "#1e88e5"
COL_STATUS, COL_STEP, COL_TIME, COL_TEXT = range(4)
NB_HYPHEN = "\u2011"
NB_SPACE = "\u00a0"
TEXT_COLUMN_CHARS = 95          # preferred width of the explanation column, in average characters
_WORD_HYPHEN = re.compile(r"(?<=\S)-|-(?=\S)")
_PLACEHOLDER = re.compile(r"<[^<>\n]{1,60}>")     # "<this machine's network IP>" in a command


def qt_translate(context: str, source: str) -> str:
    """The engine catalogue's translator: Qt's, with the installed .qm files."""
    return QCoreApplication.translate(context, source)


def no_break_hyphens(text: str) -> str:
    """Hyphens inside a word (host names, commands, options) → U+2011 and spaces inside a
    ``<placeholder>`` → no-break spaces, for display only; a free-standing " - " stays breakable."""
    text = _PLACEHOLDER.sub(lambda m: m.group(0).replace(" ", NB_SPACE), text)
    return _WORD_HYPHEN.sub(NB_HYPHEN, text)


def plain_text(text: str) -> str:
    """Undo :func:`no_break_hyphens` (for what leaves the dialog)."""
    return text.replace(NB_HYPHEN, "-").replace(NB_SPACE, " ")


def headline_color(report: DiagnosticsReport) -> str:
    """The colour of the verdict line: green for every healthy verdict — also "reachable, without
    the send test", the normal verdict of an app using its role's credentials (the role may not
    create the test topic) — amber with warnings, red when a step failed, grey when cancelled."""
    if report.ok:
        return STATUS_COLORS[StepStatus.OK]
    if report.diagnosis.code == "ok.warnings":
        return "#b26a00"
    if report.diagnosis.step_id is not None:
        return STATUS_COLORS[StepStatus.FAILED]
    return STATUS_COLORS[StepStatus.SKIPPED]


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


def translated_message(code: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """(explanation, action) of an engine code in the UI language."""
    return render(code, params, qt_translate)


class _StepsTable(QTableWidget):
    """Asks for the height of all its rows (the dialog then fits it, within the screen)."""

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        height = (self.horizontalHeader().height() + self.verticalHeader().length()
                  + 2 * self.frameWidth())
        return QSize(hint.width(), height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().minimumSizeHint().width(), self.horizontalHeader().height() * 3)


class _Bridge(QObject):
    """Lives in the GUI thread; the worker emits on it, Qt queues delivery to the GUI thread."""

    stepFinished = Signal(int, object)      # run id, StepResult
    runFinished = Signal(int, object)       # run id, DiagnosticsReport


class DiagnosticsDialog(QDialog):
    """Runs the Kafka diagnostics at once and on "Repetir"; "Copiar informe" copies the text."""

    diagnosticsFinished = Signal(object)    # DiagnosticsReport

    def __init__(self, bootstrap_servers: str, topics: Topics, group_ids: list[str] | None = None,
                 parent: QWidget | None = None, *, timeout_s: float = 3.0,
                 reader_lags: Callable[[], Mapping[str, int | None]] | None = None) -> None:
        """*group_ids*: Central's consumer group(s); *reader_lags*: this app's own readers'
        lag, ``{reader id: messages behind}`` (called from the worker thread)."""
        super().__init__(parent)
        self._bootstrap = bootstrap_servers
        self._topics = topics
        self._group_ids = list(group_ids or [])
        self._reader_lags = reader_lags
        self._timeout_s = timeout_s
        self._requested_size: QSize | None = None
        self._user_sized = False
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
        layout = QVBoxLayout(self)

        self.diagnosis_label = QLabel()
        font = QFont(self.diagnosis_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.diagnosis_label.setFont(font)
        self.diagnosis_label.setWordWrap(True)
        self.diagnosis_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.diagnosis_label)

        self.target_label = QLabel(no_break_hyphens(
            self.tr("Servidores de Kafka: %1").replace("%1", self._bootstrap)))
        layout.addWidget(self.target_label)

        self.progress = QProgressBar()
        self.progress.setRange(0, len(STEPS))
        layout.addWidget(self.progress)

        self.table = _StepsTable(len(STEPS), 4)
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
        # wrapped rows get taller or shorter with the column: keep them fitted
        header.sectionResized.connect(self._on_section_resized)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.rerun_button = QPushButton(self.tr("Repetir"))
        self.copy_button = QPushButton(self.tr("Copiar informe"))
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(2000)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText(self.tr("Copiar informe")))
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
        QApplication.clipboard().dataChanged.connect(self._plain_hyphens_in_clipboard)

    # -- size: to the content, within the screen
    def _available(self):
        screen = self.screen() or QApplication.primaryScreen()
        return screen.availableGeometry()

    def _preferred_width(self) -> int:
        header = self.table.horizontalHeader()
        fixed = sum(header.sectionSize(c) for c in (COL_STATUS, COL_STEP, COL_TIME))
        text = self.table.fontMetrics().averageCharWidth() * TEXT_COLUMN_CHARS
        margins = self.layout().contentsMargins()
        width = (fixed + text + 2 * self.table.frameWidth() + margins.left() + margins.right()
                 + self.table.verticalScrollBar().sizeHint().width())
        return min(width, int(self._available().width() * 0.95))

    def _fit_to_contents(self, exact: bool = False) -> None:
        """Show every row, within the available screen: while a run goes on only grow (no
        jumping), *exact* (a run ended) fits the content. Not after the user resized by hand."""
        if self._user_sized:
            return
        width = self.width() if self._requested_size is not None else self._preferred_width()
        self.table.updateGeometry()
        layout = self.layout()
        layout.invalidate()
        layout.activate()
        height = (layout.heightForWidth(width) if layout.hasHeightForWidth()
                  else layout.sizeHint().height())
        height = max(height, layout.minimumSize().height())
        height = min(height, int(self._available().height() * 0.92))
        if self._requested_size is not None and not exact:
            height = max(height, self.height())
        size = QSize(width, height)
        if size != self.size():
            self._requested_size = size
            self.resize(size)
        elif self._requested_size is None:
            self._requested_size = size

    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        if index == COL_TEXT:
            self.table.resizeRowsToContents()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        # a size nobody here asked for, from the window system: the user dragged the border
        if (event.spontaneous() and self._requested_size is not None
                and event.size() != self._requested_size and self.isVisible()):
            self._user_sized = True

    def showEvent(self, event) -> None:  # noqa: N802
        self._fit_to_contents()
        super().showEvent(event)

    def _plain_hyphens_in_clipboard(self) -> None:
        """Text copied from the headline carries the display's U+2011: put plain hyphens back
        (a command pasted into a terminal must work)."""
        clipboard = QApplication.clipboard()
        text = clipboard.text()
        if (NB_HYPHEN in text or NB_SPACE in text) and self.diagnosis_label.hasSelectedText():
            clipboard.setText(plain_text(text))

    def _status_text(self, status: StepStatus) -> str:
        return {StepStatus.OK: self.tr("Correcto"), StepStatus.WARNING: self.tr("Aviso"),
                StepStatus.FAILED: self.tr("Fallo"), StepStatus.SKIPPED: self.tr("Omitido"),
                StepStatus.PENDING: self.tr("Pendiente")}[status]

    def _step_title(self, step_id: str, spanish: str = "") -> str:
        return step_title(step_id, qt_translate)

    def _set_row(self, row: int, step_id: str, title: str, color: str, status_text: str,
                 duration: str, text: str, tooltip: str = "") -> None:
        status_item = QTableWidgetItem(_dot(color), status_text)
        status_item.setData(Qt.ItemDataRole.UserRole, step_id)
        items = (status_item, QTableWidgetItem(title), QTableWidgetItem(duration),
                 QTableWidgetItem(no_break_hyphens(text)))
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
                      reader_lags=self._reader_lags,
                      on_step=lambda step: bridge.stepFinished.emit(run_id, step))

        def work() -> None:
            report = run_diagnostics(*args, **kwargs)  # never raises
            bridge.runFinished.emit(run_id, report)

        threading.Thread(target=work, name=f"kafka-diagnostics-{run_id}", daemon=True).start()

    def copy_report(self) -> None:
        """Put the last report's plain text, in the UI language, on the clipboard, and say so on
        the button for two seconds (a copy is otherwise invisible)."""
        if self._report is not None:
            QApplication.clipboard().setText(self.report_text())
            self.copy_button.setText(self.tr("Copiado"))
            self._copied_timer.start()  # owned by the dialog: gone with it, never fires on a dead button

    def report_text(self) -> str:
        """The last report as plain text in the UI language ("" before the first one ends)."""
        return "" if self._report is None else self._report.as_text(qt_translate)

    # -- worker results (GUI thread)
    def _on_step(self, run_id: int, step: StepResult) -> None:
        if run_id != self._run_id:
            return
        row = next(i for i, (sid, _) in enumerate(STEPS) if sid == step.id)
        explanation, action = translated_message(step.code, step.params)
        text = explanation if not action else (
            explanation + "\n" + self.tr("Qué hacer: %1").replace("%1", action))
        facts = "\n".join(f"{k}: {v}" for k, v in render_facts(step.facts, qt_translate))
        duration = "" if step.status is StepStatus.SKIPPED else f"{step.duration_ms:.0f} ms"
        self._set_row(row, step.id, self._step_title(step.id, STEPS[row][1]),
                      STATUS_COLORS[step.status], self._status_text(step.status), duration, text,
                      facts)
        self.progress.setValue(row + 1)
        if row + 1 < len(STEPS) and step.status is not StepStatus.SKIPPED:
            next_id, next_title = STEPS[row + 1]
            self._set_row(row + 1, next_id, self._step_title(next_id, next_title), RUNNING_COLOR,
                          self.tr("En curso…"), "", "")
        self._fit_to_contents()

    def _on_finished(self, run_id: int, report: DiagnosticsReport) -> None:
        if run_id != self._run_id:
            return
        self._report = report
        self._running = False
        diagnosis = report.diagnosis
        color = headline_color(report)
        self.diagnosis_label.setText(no_break_hyphens(diagnosis.render(qt_translate)))
        self.diagnosis_label.setStyleSheet(f"color: {color};")
        self.diagnosis_label.updateGeometry()   # a longer text wraps onto more lines
        self.progress.setValue(len(STEPS))
        self.progress.setVisible(False)
        self.rerun_button.setEnabled(True)
        self.copy_button.setEnabled(True)
        self.table.resizeRowsToContents()
        self._fit_to_contents(exact=True)
        self.diagnosticsFinished.emit(report)

    def done(self, result: int) -> None:  # closing (Cerrar, Esc) cancels a run
        self._cancel.set()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 - window X / close()
        self._cancel.set()
        super().closeEvent(event)
