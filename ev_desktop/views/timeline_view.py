"""TimelineDialog: what Central recorded about one supply, in time order, for a dispute.

Shows the supply's facts, every recorded event (request, authorization, start, interruptions,
operator actions, bill refusals, ticket) with its time, the energy over time as a chart (from
the events that carry energy: the start at 0 kWh and the ticket/last known value), and offers
"Copiar" (plain text to the clipboard) and "Exportar…" (the same text to a file).
"""
from __future__ import annotations

import time

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPainter
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)


def _when(ts) -> str:
    return time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(ts)) if ts else "—"


class TimelineDialog(QDialog):
    def __init__(self, data: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = data
        s = data.get("supply") or {}
        self.setWindowTitle(self.tr("Cronología del suministro {s}").format(s=s.get("session_id", "")))
        self.resize(760, 560)
        self.text = QPlainTextEdit(self.as_text())
        self.text.setObjectName("timelineText")
        self.text.setReadOnly(True)
        self.chart = QChart()
        self.chart.setTitle(self.tr("Energía suministrada (kWh)"))
        self.chart.legend().hide()
        self._fill_chart()
        view = QChartView(self.chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(180)
        copy_btn = QPushButton(self.tr("Copiar"))
        copy_btn.clicked.connect(self.copy)
        export_btn = QPushButton(self.tr("Exportar…"))
        export_btn.clicked.connect(self.export)
        close_btn = QPushButton(self.tr("Cerrar"))
        close_btn.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(self.tr("Datos registrados por la CENTRAL")), 1)
        for b in (copy_btn, export_btn, close_btn):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(view)
        lay.addWidget(self.text, 1)
        lay.addLayout(buttons)

    def as_text(self) -> str:
        s = self.data.get("supply") or {}
        t = self.data.get("ticket")
        lines = [self.tr("Suministro {s} — punto {cp} — conductor {d}").format(
                     s=s.get("session_id", ""), cp=s.get("cp_id", ""), d=s.get("driver_id", "")),
                 self.tr("Estado: {st}; {kwh:.3f} kWh; {eur:.2f} €; precio {p} €/kWh").format(
                     st=s.get("status", ""), kwh=float(s.get("kwh") or 0), eur=float(s.get("eur") or 0),
                     p=s.get("price_eur_kwh", "")), ""]
        for e in self.data.get("events") or []:
            lines.append(f"{_when(e.get('ts'))}  {e.get('kind', '')}  {e.get('detail', '')}".rstrip())
        if t:
            lines += ["", self.tr("Ticket: {kwh:.3f} kWh, {eur:.2f} € ({o}), emitido {w}").format(
                kwh=float(t.get("kwh") or 0), eur=float(t.get("eur") or 0), o=t.get("outcome", ""),
                w=_when(t.get("issued_at")))]
        return "\n".join(lines)

    def _fill_chart(self) -> None:
        s = self.data.get("supply") or {}
        t = self.data.get("ticket") or {}
        series = QLineSeries()
        start = s.get("started_at")
        end = t.get("ended_at") or s.get("ended_at")
        if start:
            series.append(0.0, 0.0)
            for p in self.data.get("samples") or []:   # Central's sampled telemetry points
                if p.get("ts", 0) >= start:
                    series.append((p["ts"] - start) / 60.0, float(p.get("kwh") or 0.0))
            if end and end >= start:
                series.append((end - start) / 60.0, float(t.get("kwh") or s.get("kwh") or 0.0))
        self.chart.addSeries(series)
        x, y = QValueAxis(), QValueAxis()
        x.setTitleText(self.tr("minutos desde el inicio"))
        y.setTitleText(self.tr("kWh"))
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.as_text())

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Exportar cronología"), "cronologia.txt",
                                              self.tr("Texto (*.txt)"))
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.as_text())
