"""Operator dashboard: grid of CP tiles, per-state counts, search, live event log, Parar/Reanudar.

A view only: it renders :class:`CpGridModel` / :class:`EventLogModel` and turns clicks into
``stopRequested(cp_id)`` / ``resumeRequested(cp_id)`` intents (``"*"`` = every CP). Sending
the OperatorCommand is the controller's job (see ``main_window``), and so is telling it when
the data went stale (:meth:`OperatorDashboard.show_freshness`).
"""
from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListView, QMenu,
                               QMessageBox, QPushButton, QSplitter, QStyle, QTabWidget, QVBoxLayout, QWidget)

from ev_common import contract as c
from ev_desktop.models.cp_grid import STATE_COLORS, STATES, CpGridModel, CpIdRole, CpStateRole, FilterRole
from ev_desktop.models.event_log import EventLogModel
from ev_desktop.models.freshness import Freshness
from ev_desktop.views.cp_tile_delegate import TILE_SIZE, CpTileDelegate, state_label
from ev_desktop.models.event_text import log_entry
from ev_desktop.models.central_status import CentralStatus
from ev_desktop.views.status_widgets import CentralDownBanner, Dot, StaleDataBanner

# The event log asks for room for the lines an operator reads most (a denial with its reason, a
# ticket with kWh and €) but never for more than this, so the grid keeps 4-5 tile columns.
LOG_MAX_WIDTH = 640


def typical_log_lines() -> list[str]:
    """Long-but-common event lines in the current language, as the log shows them."""
    bodies = [
        c.ChargeDenied(driver_id="driver999", request_id="-", reason="cp_unavailable"),
        c.Ticket(driver_id="driver999", session_id="-", cp_id="CP0017", started_at=0, ended_at=0,
                 kwh=21.37, eur=15.34, price_eur_kwh=0.25, outcome="completed"),
        c.SupplyFinished(cp_id="CP0017", session_id="-", started_at=0, ended_at=0, kwh=21.37, eur=15.34,
                         reason="unplugged"),
    ]
    entries = [log_entry(b, 0) for b in bodies]
    return ["00:00:00  " + e.text for e in entries if e is not None]


class _LegendLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class StateSummaryBar(QWidget):
    """● Disponible 120  ● Reservado 3 … and the total. Clicking a state shows only those CPs
    (``stateClicked``); clicking it again shows all."""

    stateClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(14)
        self.labels: dict[str, QLabel] = {}
        for state in STATES:
            box = QHBoxLayout()
            box.setSpacing(4)
            box.addWidget(Dot(STATE_COLORS[state]))
            label = _LegendLabel()
            label.setObjectName(f"count_{state}")
            label.setCursor(Qt.CursorShape.PointingHandCursor)
            label.setToolTip(self.tr("Pulse para ver solo estos puntos de carga (otra vez: todos)"))
            label.clicked.connect(lambda s=state: self.stateClicked.emit(s))
            self.labels[state] = label
            box.addWidget(label)
            lay.addLayout(box)
        self.total = QLabel()
        lay.addStretch(1)
        lay.addWidget(self.total)
        self.set_counts({s: 0 for s in STATES})

    def set_counts(self, counts: dict[str, int], selected: str | None = None) -> None:
        for state, label in self.labels.items():
            text = f"{state_label(state)}: {counts.get(state, 0)}"
            label.setText(f"<u><b>{text}</b></u>" if state == selected else text)
        self.total.setText(self.tr("Total: {n} CP").format(n=sum(counts.values())))


class CpFilterProxy(QSortFilterProxyModel):
    """Search by id or location (case-insensitive substring). Ids/locations do not change, so
    rows are filtered on insert and on a new search text only — not on every state update."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFilterRole(FilterRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(False)
        self.state: str | None = None   # show only CPs in this state (the legend)

    def set_state(self, state: str | None) -> None:
        self.beginFilterChange()
        self.state = state
        self.refilter()

    def refilter(self) -> None:
        """Apply the filter again (the rows' states changed); Qt ≥ 6.10's begin/end pair."""
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        if not super().filterAcceptsRow(row, parent):
            return False
        if self.state is None:
            return True
        st = self.sourceModel().index(row, 0, parent).data(CpStateRole)
        return st is not None and st.state == self.state


class _LogPanel(QWidget):
    """The event log's column. Its size hint is the width a typical line needs, so the splitter
    starts it there (instead of QListView's generic 256 px, which elided most lines); the
    grid has stretch and takes whatever the window adds. The user can still drag the handle."""

    def __init__(self, width_hint: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._width_hint = width_hint

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(max(hint.width(), self._width_hint()), hint.height())


class OperatorDashboard(QWidget):
    stopRequested = Signal(str)
    resumeRequested = Signal(str)
    signOutRequested = Signal()  # "Cerrar sesión": the operator leaves; the controller drops the token

    def __init__(self, grid: CpGridModel, log: EventLogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.log_model = log
        self.proxy = CpFilterProxy(self)
        self.proxy.setSourceModel(grid)

        self.search = QLineEdit()
        self.search.setObjectName("cpSearch")
        self.search.setPlaceholderText(self.tr("Buscar por id o ubicación…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.stop_all_btn = QPushButton(self.tr("Parar todos"))
        self.stop_all_btn.setObjectName("stopAll")
        self.resume_all_btn = QPushButton(self.tr("Reanudar todos"))
        self.resume_all_btn.setObjectName("resumeAll")
        self.stop_all_btn.clicked.connect(lambda: self.request_all("stop"))
        self.resume_all_btn.clicked.connect(lambda: self.request_all("resume"))
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.stop_all_btn)
        top.addWidget(self.resume_all_btn)
        self.operator_label = QLabel()
        self.operator_label.setObjectName("operatorName")
        self.sign_out_btn = QPushButton(self.tr("Cerrar sesión"))
        self.sign_out_btn.setObjectName("operatorSignOut")
        self.sign_out_btn.clicked.connect(self.signOutRequested.emit)
        top.addSpacing(12)
        top.addWidget(self.operator_label)
        top.addWidget(self.sign_out_btn)

        self.stale_banner = StaleDataBanner()
        self.central_banner = CentralDownBanner()
        self.summary = StateSummaryBar()
        grid.countsChanged.connect(self._on_counts)
        self.summary.stateClicked.connect(self.toggle_state_filter)
        self.filter_label = QLabel()
        self.filter_label.setObjectName("filterInfo")
        self.filter_label.hide()
        self.search.textChanged.connect(self._update_filter_label)
        self.stop_all_btn.setToolTip(self.tr("Parar todos los puntos de carga (se pide confirmación)"))
        self.resume_all_btn.setToolTip(self.tr("Volver a poner en servicio todos los puntos de carga"))
        self.search.setToolTip(self.tr("Filtrar por id o ubicación (Ctrl+F)"))

        self.view = QListView()
        self.view.setObjectName("cpGrid")
        self.view.setModel(self.proxy)
        self.delegate = CpTileDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.viewport().installEventFilter(self)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setGridSize(TILE_SIZE)
        self.view.setSpacing(0)
        self.view.setWrapping(True)
        # QListView lays a left-to-right flow out as if an "as needed" scroll bar were always
        # there; with it really always there, the layout width is the viewport's width and the
        # tile stretching below fills whole rows whatever the number of CPs
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(500)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)

        self.log_view = QListView()
        self.log_view.setObjectName("eventLog")
        self.log_view.setModel(log)
        self.log_view.setUniformItemSizes(True)
        self.log_view.setAlternatingRowColors(True)
        self.log_view.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has the rest
        log_box = _LogPanel(self.log_width_hint)
        log_lay = QVBoxLayout(log_box)
        log_lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Eventos en directo"))
        title.setObjectName("sectionTitle")
        log_lay.addWidget(title)
        log_lay.addWidget(self.log_view)

        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("dashboardSplit")
        split.addWidget(self.view)
        split.addWidget(log_box)
        split.setChildrenCollapsible(False)
        # a wider window widens the grid (more tile columns); the log keeps the width it needs
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.stale_banner)
        lay.addWidget(self.central_banner)
        lay.addWidget(self.summary)
        lay.addWidget(self.filter_label)
        # the workbench (alerts, audit, …) below the grid: tabs added by add_workbench_tab
        self.workbench_tabs = QTabWidget()
        self.workbench_tabs.setObjectName("workbenchTabs")
        self.workbench_tabs.hide()
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(split)
        self.vsplit.addWidget(self.workbench_tabs)
        self.vsplit.setStretchFactor(0, 3)
        self.vsplit.setStretchFactor(1, 1)
        lay.addWidget(self.vsplit, 1)

    def add_workbench_tab(self, widget: QWidget, title: str) -> int:
        """A workbench page under the grid (the first one makes the tab bar appear)."""
        self.workbench_tabs.show()
        return self.workbench_tabs.addTab(widget, title)

    # ------------------------------------------------------------------ filter
    def _on_counts(self, counts: dict) -> None:
        self.summary.set_counts(counts, self.proxy.state)
        if self.proxy.state is not None:
            self.proxy.beginFilterChange()
            self.proxy.refilter()   # a CP that changed state joins or leaves the view
        self._update_filter_label()

    def toggle_state_filter(self, state: str) -> None:
        self.proxy.set_state(None if self.proxy.state == state else state)
        self.summary.set_counts(self.grid.counts(), self.proxy.state)
        self._update_filter_label()

    def _update_filter_label(self, *_args) -> None:
        """"Mostrando 1 de 5" while filtered; a sentence when nothing matches."""
        total, shown = self.grid.rowCount(), self.proxy.rowCount()
        filtered = bool(self.search.text()) or self.proxy.state is not None
        if not filtered:
            self.filter_label.hide()
            return
        if shown == 0:
            self.filter_label.setText(self.tr("Ningún punto de carga coincide con el filtro "
                                              "(borre la búsqueda o pulse otra vez el estado)"))
        else:
            self.filter_label.setText(self.tr("Mostrando {n} de {t}").format(n=shown, t=total))
        self.filter_label.show()

    def set_operator(self, operator_id: str) -> None:
        """Who is signed in (their name is on every command this dashboard sends)."""
        self.operator_label.setText(self.tr("Operador: <b>{o}</b>").format(o=html.escape(operator_id)))

    # ------------------------------------------------------------------ layout
    def log_width_hint(self) -> int:
        """Pixels the event log needs to show a typical line whole (in this language and font)."""
        fm = self.log_view.fontMetrics()
        text = max((fm.horizontalAdvance(t) for t in typical_log_lines()), default=0)
        chrome = (2 * self.log_view.frameWidth() + 16
                  + self.log_view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent))
        return min(text + chrome, LOG_MAX_WIDTH)

    # ------------------------------------------------------------------ stale data
    def show_freshness(self, f: Freshness) -> None:
        """Kafka link down or back: banner with the time of the data; countdowns stop at that
        time (and say "quedaban") instead of ticking down to a zero nobody saw."""
        self.stale_banner.show_freshness(f)
        frozen_at = f.frozen_at
        if frozen_at != self.delegate.frozen_at:
            self.delegate.frozen_at = frozen_at
            self.grid.set_frozen(frozen_at is not None)
            self.view.viewport().update()

    def show_central(self, st: CentralStatus) -> None:
        """Central not answering: banner, and the tiles greyed over (their states are what
        Central last published; nothing changes them until it is back)."""
        self.central_banner.show_status(st)
        if self.delegate.dimmed != st.down:
            self.delegate.dimmed = st.down
            self.view.viewport().update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        """Stretch the tiles so the columns fill the grid's width (no ragged empty margin)."""
        if obj is self.view.viewport() and event.type() == QEvent.Type.Resize:
            # QListView wraps a row that would end exactly on the viewport's edge: keep 1 px
            # spare, or a width that divides evenly loses a whole column of tiles
            width = self.view.viewport().width() - 1
            columns = max(1, width // TILE_SIZE.width())
            size = QSize(max(TILE_SIZE.width(), width // columns), TILE_SIZE.height())
            if size != self.delegate.tile_size:
                self.delegate.tile_size = size
                self.view.setGridSize(size)
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------------ intents
    def cp_at(self, pos: QPoint) -> str | None:
        idx = self.view.indexAt(pos)
        return idx.data(CpIdRole) if idx.isValid() else None

    def context_menu_for(self, cp_id: str) -> QMenu:
        """Only what applies to the CP's state: Parar unless it is already stopped, Reanudar only
        when it is stopped by an operator (a faulted or disconnected CP cannot be resumed here)."""
        # No parent: the menu lives as long as the caller's reference (the right-click that shows
        # it), not as a child of the dashboard — one more child per right-click otherwise, all
        # of them (with actions holding Python slots) destroyed only with the dashboard.
        menu = QMenu()
        st = self.grid.state_of(cp_id)
        state = st.state if st is not None else None
        if state != "out_of_order":
            stop = menu.addAction(self.tr("Parar {cp}").format(cp=cp_id))
            stop.setObjectName("stopOne")
            stop.triggered.connect(lambda: self.request_stop(cp_id))
        if state in ("out_of_order", None):
            resume = menu.addAction(self.tr("Reanudar {cp}").format(cp=cp_id))
            resume.setObjectName("resumeOne")
            resume.triggered.connect(lambda: self.resumeRequested.emit(cp_id))
        return menu

    def request_stop(self, cp_id: str) -> bool:
        """Parar one CP. While it charges (or is reserved) the operator is asked first, told
        whose supply it ends — as "Parar todos" does."""
        st = self.grid.state_of(cp_id)
        if st is not None and st.state == "charging":
            ok = self.confirm(self.tr("Parar {cp}").format(cp=cp_id),
                              self.tr("{cp} está suministrando a {d} ({kwh:.2f} kWh). ¿Parar el punto de carga? "
                                      "El suministro terminará ahora y se le cobrará lo suministrado.").format(
                                  cp=cp_id, d=st.driver_id or "?", kwh=st.kwh))
        elif st is not None and st.state == "reserved":
            ok = self.confirm(self.tr("Parar {cp}").format(cp=cp_id),
                              self.tr("{cp} está reservado para {d}. ¿Parar el punto de carga? La reserva "
                                      "quedará anulada.").format(cp=cp_id, d=st.driver_id or "?"))
        else:
            ok = True
        if ok:
            self.stopRequested.emit(cp_id)
        return ok

    def _context_menu(self, pos: QPoint) -> None:
        cp_id = self.cp_at(pos)
        if cp_id:
            self.context_menu_for(cp_id).exec(self.view.viewport().mapToGlobal(pos))

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmAll")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def request_all(self, action: str) -> bool:
        n = self.grid.rowCount()
        if action == "stop":
            ok = self.confirm(self.tr("Parar todos los CP"),
                              self.tr("¿Parar los {n} puntos de carga? Los suministros en curso "
                                      "terminarán ahora.").format(n=n))
        else:
            ok = self.confirm(self.tr("Reanudar todos los CP"),
                              self.tr("¿Reanudar los {n} puntos de carga?").format(n=n))
        if ok:
            (self.stopRequested if action == "stop" else self.resumeRequested).emit("*")
        return ok

    def select_cp(self, cp_id: str) -> QModelIndex:
        row = self.grid.row_of(cp_id)
        idx = self.proxy.mapFromSource(self.grid.index(row)) if row >= 0 else QModelIndex()
        if idx.isValid():
            self.view.setCurrentIndex(idx)
        return idx
