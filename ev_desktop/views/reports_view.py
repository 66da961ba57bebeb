"""ReportsView: supplies table (filters, sort by header, pages) and energy/revenue charts.

A view: it only turns the filters into query arguments and emits intents —
``pageRequested(args)``, ``chartRequested(args)``, ``exportRequested(args, path)``,
``timelineRequested(session_id)``; the workbench wiring asks Central and calls
:meth:`show_page` / :meth:`show_chart`. Sorting and paging happen in Central's SQL.
"""
from __future__ import annotations

import math
import time

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QDate, QDateTime, QTime, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from ev_desktop.models.report_models import SuppliesModel

PAGE_SIZE = 50


class ReportsView(QWidget):
    pageRequested = Signal(dict)
    chartRequested = Signal(dict)
    exportRequested = Signal(dict, str)
    timelineRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SuppliesModel(self)
        self.page = 0
        self.total = 0
        self.sort, self.descending = "created_at", True
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-30))
        self.date_to = QDateEdit(today)
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("dd/MM/yyyy")
        self.cp = QLineEdit()
        self.cp.setPlaceholderText(self.tr("Punto (todos)"))
        self.driver = QLineEdit()
        self.driver.setPlaceholderText(self.tr("Conductor (todos)"))
        self.outcome = QComboBox()
        for value, text in (("", self.tr("Todos los resultados")), ("completed", self.tr("completado")),
                            ("fault", self.tr("avería")), ("operator_stop", self.tr("parado por operador")),
                            ("monitor_lost", self.tr("monitor perdido")), ("interrupted", self.tr("interrumpido")),
                            ("open", self.tr("abiertos"))):
            self.outcome.addItem(text, value)
        self.bucket = QComboBox()
        self.bucket.addItem(self.tr("Por día"), "day")
        self.bucket.addItem(self.tr("Por hora"), "hour")
        self.run_btn = QPushButton(self.tr("Consultar"))
        self.run_btn.setObjectName("runReport")
        self.run_btn.clicked.connect(self.run)
        self.export_btn = QPushButton(self.tr("Exportar CSV…"))
        self.export_btn.clicked.connect(self.ask_export)
        filters = QHBoxLayout()
        for label, w in ((self.tr("Desde"), self.date_from), (self.tr("Hasta"), self.date_to)):
            filters.addWidget(QLabel(label))
            filters.addWidget(w)
        for w in (self.cp, self.driver, self.outcome, self.bucket, self.run_btn, self.export_btn):
            filters.addWidget(w)

        self.table = QTableView()
        self.table.setObjectName("suppliesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self.sort_by)
        self.table.doubleClicked.connect(
            lambda idx: self.timelineRequested.emit(str(self.model.rows[idx.row()].get("id", ""))))
        self.prev_btn = QPushButton(self.tr("Anterior"))
        self.next_btn = QPushButton(self.tr("Siguiente"))
        self.prev_btn.clicked.connect(lambda: self.go(self.page - 1))
        self.next_btn.clicked.connect(lambda: self.go(self.page + 1))
        self.page_label = QLabel()
        self.page_label.setObjectName("pageInfo")
        pager = QHBoxLayout()
        pager.addWidget(self.page_label, 1)
        pager.addWidget(self.prev_btn)
        pager.addWidget(self.next_btn)

        self.chart = QChart()
        self.chart.setTitle(self.tr("Energía y facturación"))
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(160)
        self.buckets: list[dict] = []

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.table, 1)
        ll.addLayout(pager)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.chart_view)
        split.setSizes([560, 440])
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(split, 1)
        self._update_pager()

    # ------------------------------------------------------------------ intents
    def filter_args(self) -> dict:
        def secs(d: QDate) -> int:
            return int(QDateTime(d, QTime(0, 0)).toSecsSinceEpoch())
        args: dict = {"date_from": secs(self.date_from.date()), "date_to": secs(self.date_to.date().addDays(1))}
        for key, text in (("cp_id", self.cp.text().strip()), ("driver_id", self.driver.text().strip()),
                          ("outcome", self.outcome.currentData())):
            if text:
                args[key] = text
        return args

    def run(self) -> None:
        self.page = 0
        self.go(0)
        args = self.filter_args()
        args.update(bucket=self.bucket.currentData(),
                    tz_offset_s=int(QDateTime.currentDateTime().offsetFromUtc()))
        self.chartRequested.emit(args)

    def go(self, page: int) -> None:
        if page < 0:
            return
        self.page = page
        self.pageRequested.emit({**self.filter_args(), "page": page, "page_size": PAGE_SIZE, "sort": self.sort,
                                 "descending": self.descending})

    def sort_by(self, column: int) -> None:
        key = self.model.key_of(column)
        self.descending = not self.descending if key == self.sort else True
        self.sort = key
        self.table.horizontalHeader().setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if self.descending else Qt.SortOrder.AscendingOrder)
        self.go(0)

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Exportar suministros"), "suministros.csv",
                                              self.tr("CSV (*.csv)"))
        if path:
            self.exportRequested.emit(self.filter_args(), path)

    # ------------------------------------------------------------------ answers
    def show_page(self, data: dict) -> None:
        self.model.set_rows(data.get("rows") or [])
        self.total = int(data.get("total") or 0)
        self.page = int(data.get("page") or 0)
        self._update_pager()

    def show_chart(self, data: dict) -> None:
        self.buckets = list(data.get("buckets") or [])
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        hourly = self.bucket.currentData() == "hour"
        fmt = "%d/%m %Hh" if hourly else "%d/%m"
        energy, money = QBarSet(self.tr("kWh")), QBarSet(self.tr("€"))
        cats = []
        for b in self.buckets[-60:]:   # the last 60 bars stay readable
            energy.append(float(b.get("kwh", 0.0)))
            money.append(float(b.get("eur", 0.0)))
            cats.append(time.strftime(fmt, time.localtime(b.get("start", 0))))
        series = QBarSeries()
        series.append(energy)
        series.append(money)
        self.chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(cats)
        x.setLabelsAngle(-90)
        y = QValueAxis()
        top = max([float(b.get("kwh", 0.0)) for b in self.buckets[-60:]] + [float(b.get("eur", 0.0))
                                                                           for b in self.buckets[-60:]] + [1.0])
        y.setRange(0, math.ceil(top * 1.1))
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def show_status(self, text: str) -> None:
        self.page_label.setText(text)

    def _update_pager(self) -> None:
        pages = max(1, math.ceil(self.total / PAGE_SIZE))
        self.page_label.setText(self.tr("Página {p} de {n} — {t} suministros").format(
            p=self.page + 1, n=pages, t=self.total))
        self.prev_btn.setEnabled(self.page > 0)
        self.next_btn.setEnabled(self.page + 1 < pages)
