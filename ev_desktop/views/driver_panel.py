"""Driver panel: login, live free-CP list, Solicitar Carga, the supply as it happens, services,
history. Renders :class:`QtDriverSession` (which wraps the plain-Python DriverCore); the main
window tells it when the free-CP list went stale (:meth:`DriverPanel.show_freshness`)."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QSplitter, QStackedWidget, QTableView, QTabWidget, QVBoxLayout, QWidget)

from ev_common.contract import Ticket
from ev_desktop.core.events import OutboxSetAside, RequestNotSaved
from ev_desktop.qt_sessions.driver import QtDriverSession
from ev_desktop.models.free_cps import FreeCpModel, SortRole
from ev_desktop.models.central_status import CentralStatus
from ev_desktop.models.freshness import Freshness
from ev_desktop.views.history_view import HistoryView
from ev_desktop.views.login_form import LoginForm, login_error_text
from ev_desktop.views.services_view import ServicesView
from ev_desktop.views.status_widgets import CentralDownBanner, StaleDataBanner, clock_text
from ev_desktop.views.supply_view import SupplyView


class DriverPanel(QWidget):
    def __init__(self, session: QtDriverSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._notice = ""  # a refusal / warning kept visible until the next request
        self.free = FreeCpModel(self)
        self.login = LoginForm()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.login)
        self.stack.addWidget(self._build_main())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)

        self.login.loginRequested.connect(self.session.login)
        session.loggedIn.connect(self._on_logged_in)
        session.loginFailed.connect(self._on_login_failed)
        session.driverEvent.connect(self._on_event)
        session.historyLoaded.connect(self.history.show_rows)
        session.historyFailed.connect(lambda code, msg: self.history.show_error(
            login_error_text(self, code, msg, session.settings.central)))
        session.servicesProgress.connect(self.services.show_progress)
        session.servicesFinished.connect(self.services.finished)
        session.loggedOut.connect(lambda: self.stack.setCurrentIndex(0))
        self.services.runRequested.connect(self._run_services)
        self.services.stopRequested.connect(self.stop_services)
        self.supply.cancelRequested.connect(self.cancel_current)
        self.history.refreshRequested.connect(session.load_history)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self.refresh)

    def _build_main(self) -> QWidget:
        page = QWidget()
        self.who = QLabel()
        self.who.setObjectName("driverWho")
        self.logout_btn = QPushButton(self.tr("Cerrar sesión"))
        self.logout_btn.clicked.connect(self._logout)
        header = QHBoxLayout()
        header.addWidget(self.who, 1)
        header.addWidget(self.logout_btn)

        # -- charge tab: free CPs on the left, the supply on the right
        self.cp_table = QTableView()
        self.cp_table.setObjectName("freeCps")
        # connected before the view's own handler, which moves the current row to a neighbour
        self.free.rowsAboutToBeRemoved.connect(self._on_rows_leaving)
        self._chosen_leaving = False
        self.free_sorted = QSortFilterProxyModel(self)   # columns sort (price as a number)
        self.free_sorted.setSourceModel(self.free)
        self.free_sorted.setSortRole(SortRole)
        self.cp_table.setModel(self.free_sorted)
        self.cp_table.setSortingEnabled(True)
        self.cp_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.cp_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cp_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.cp_table.verticalHeader().hide()
        self.cp_table.setWordWrap(False)   # "0.30 €/kWh" on one line, whole ids
        self.cp_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.cp_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.cp_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.cp_table.doubleClicked.connect(lambda _i: self.request_selected())
        # the selection never moves by itself: when the chosen CP leaves the list it is cleared,
        # so the next "Solicitar Carga" cannot go to a neighbour the driver never chose
        self._chosen_cp: str | None = None
        self._link_up = False      # the free-CP list is live when Kafka is connected…
        self._caught_up = False    # …and the whole CP picture has been read
        self.cp_table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.free.rowsRemoved.connect(self._after_rows_left)
        self.free.modelReset.connect(self._clear_selection)
        self.stale_banner = StaleDataBanner()
        self.central_banner = CentralDownBanner()
        self.hint = QLabel()
        self.hint.setObjectName("driverHint")   # local checks: neutral words, not a denial
        self.hint.setWordWrap(True)
        self.hint.hide()
        self.free_count = QLabel()
        self.free.rowsInserted.connect(self._update_free_count)
        self.free.rowsRemoved.connect(self._update_free_count)
        self.free.modelReset.connect(self._update_free_count)
        self.request_btn = QPushButton(self.tr("Solicitar Carga"))
        self.request_btn.setObjectName("requestCharge")
        self.any_btn = QPushButton(self.tr("Cualquier CP libre"))
        self.any_btn.setObjectName("requestAny")
        self.request_btn.clicked.connect(self.request_selected)
        self.any_btn.clicked.connect(lambda: self.request(None))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Puntos de carga libres ahora"))
        title.setObjectName("sectionTitle")
        ll.addWidget(title)
        ll.addWidget(self.stale_banner)
        ll.addWidget(self.central_banner)
        ll.addWidget(self.free_count)
        ll.addWidget(self.cp_table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.request_btn)
        buttons.addWidget(self.any_btn)
        ll.addLayout(buttons)
        ll.addWidget(self.hint)
        self.supply = SupplyView()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.supply)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([420, 640])

        self.services = ServicesView()
        self.history = HistoryView()
        self.tabs = QTabWidget()
        self.tabs.addTab(split, self.tr("Carga"))
        self.tabs.addTab(self.services, self.tr("Servicios"))
        self.tabs.addTab(self.history, self.tr("Historial"))
        self.tabs.currentChanged.connect(self._tab_changed)
        lay = QVBoxLayout(page)
        lay.addLayout(header)
        lay.addWidget(self.tabs, 1)
        self._update_free_count()
        return page

    # ------------------------------------------------------------------ CP list
    def apply_states(self, states: list) -> None:
        self.free.apply(states)

    def reset_states(self) -> None:
        self._caught_up = False
        self.free.clear()

    def _update_free_count(self, *_args) -> None:
        n = self.free.rowCount()
        self.free_count.setText(self.tr("{n} libre").format(n=n) if n == 1 else self.tr("{n} libres").format(n=n))
        self._update_buttons()

    def _on_selection_changed(self, *_args) -> None:
        if self._chosen_leaving:
            return   # Qt moving the highlight to a neighbour: not the driver's choice
        self._chosen_cp = self.selected_cp()
        self.hint.hide()
        self._update_buttons()

    def _on_rows_leaving(self, _parent: QModelIndex, first: int, last: int) -> None:
        chosen = getattr(self, "_chosen_cp", None)
        self._chosen_leaving = chosen is not None and first <= self.free.row_of(chosen) <= last

    def _after_rows_left(self, *_args) -> None:
        if self._chosen_leaving:
            self._chosen_leaving = False
            self._clear_selection()

    def _clear_selection(self) -> None:
        self.cp_table.selectionModel().clear()   # also the current index: nothing moves into its place
        self._chosen_cp = None
        self._update_buttons()

    def show_central(self, st: CentralStatus) -> None:
        """Central not answering: the list says so, and a queued request says it waits for Central."""
        self.central_banner.show_status(st)
        self.supply.central_down = st.down
        self.supply.central_since = clock_text(st.last_seen, st.now) if st.last_seen else ""
        self.refresh()

    def show_freshness(self, f: Freshness) -> None:
        """Kafka link down or back: the free-CP list says since when it may be out of date."""
        self.stale_banner.show_freshness(f)
        self._link_up = f.state == "connected"
        self._update_buttons()

    def mark_caught_up(self) -> None:
        """The whole CP picture has been read (slot for ``AppContext.cpCaughtUp``)."""
        self._caught_up = True
        self._update_buttons()

    def selected_cp(self) -> str | None:
        rows = self.cp_table.selectionModel().selectedRows()
        return self.free.cp_at(self.free_sorted.mapToSource(rows[0]).row()) if rows else None

    def select_cp(self, cp_id: str) -> bool:
        row = self.free.row_of(cp_id)
        if row >= 0:
            self.cp_table.selectRow(self.free_sorted.mapFromSource(self.free.index(row, 0)).row())
        return row >= 0

    # ------------------------------------------------------------------ intents
    def show_hint(self, text: str) -> None:
        """A local check the driver can fix (nothing was sent): plain words under the buttons."""
        self.hint.setText(text)
        self.hint.show()

    def request_selected(self) -> None:
        cp = self.selected_cp()
        if cp is None:
            self.show_hint(self.tr("Seleccione primero un punto de carga de la lista "
                                   "(o pulse «Cualquier CP libre»)."))
            return
        self.request(cp)

    def request(self, cp_id: str | None) -> str | None:
        t = self.session.tracker
        if t is not None and t.active:
            self.show_hint(self.tr("Ya hay una solicitud o carga en curso; espere a que termine."))
            return None
        self.hint.hide()
        self.tabs.setCurrentIndex(0)
        try:
            request_id = self.session.request_charge(cp_id)
        except RequestNotSaved as exc:  # not on disk, so not queued: say so, never lose it silently
            self._show_notice(self.not_saved_text(exc.code, exc.queued))
            return None
        self._notice = ""
        self._clear_selection()   # the request is on its way; the list will change under it
        return request_id

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmDriver")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def cancel_current(self, what: str = "") -> str | None:
        """The cancel button: a queued request or a reservation at once; a running supply after
        a confirmation (it ends the charge and bills it)."""
        t = self.session.tracker
        what = (t.can_cancel if t is not None else None) or None
        if what is None:
            return None
        if what == "supply" and not self.confirm(
                self.tr("Detener la carga"),
                self.tr("¿Detener ahora la carga en {cp}? Recibirá el ticket de la energía suministrada "
                        "hasta este momento.").format(cp=t.cp_id)):
            return None
        try:
            done = self.session.cancel()
        except RequestNotSaved as exc:
            self._show_notice(self.not_saved_text(exc.code, exc.queued))
            return None
        self.refresh()
        return done

    def stop_services(self) -> None:
        """Servicios ▸ Detener: no new request is sent; the supply in progress either stops too
        (the driver confirms) or is said plainly to go on to its end."""
        t = self.session.tracker
        stop_supply = False
        if t is not None and t.can_cancel is not None:
            stop_supply = self.confirm(
                self.tr("Detener los servicios"),
                self.tr("No se pedirán más servicios. ¿Detener también el suministro en curso en {cp}? "
                        "Si responde No, seguirá hasta su final.").format(cp=t.cp_id or t.requested_cp or "?"))
        self.session.stop_services()
        if stop_supply:
            try:
                self.session.cancel()
            except RequestNotSaved as exc:
                self._show_notice(self.not_saved_text(exc.code, exc.queued))
            self.services.note_stopped(self.tr("Servicios detenidos; el suministro en curso se detiene."))
        elif t is not None and t.active:
            self.services.note_stopped(self.tr("Servicios detenidos; el suministro en curso continúa hasta su final."))
        self.refresh()

    def _update_buttons(self) -> None:
        """Enabled exactly when they apply: not while a request/supply is in flight, and not when
        the list — known to be current — shows no free CP. While the list is stale or not loaded
        yet (Kafka down) a request still makes sense: it waits in the outbox and Central decides."""
        t = self.session.tracker
        busy = t is not None and t.active
        none_free = self._link_up and self._caught_up and self.free.rowCount() == 0
        self.request_btn.setEnabled(not busy and not none_free)
        self.any_btn.setEnabled(not busy and not none_free)

    def _show_notice(self, text: str) -> None:
        """A sentence that stays under the supply view until the next request (later status
        refreshes would otherwise overwrite it before the user could read it)."""
        self._notice = text
        self.supply.detail.setText(text)

    def not_saved_text(self, code: str, queued: int) -> str:
        if code == "disk_full":
            return self.tr("No se pudo guardar la solicitud: disco lleno — libere espacio y vuelva "
                           "a intentarlo")
        if code == "full":
            return self.tr("No se pudo guardar la solicitud: ya hay {n} eventos esperando a Kafka "
                           "(límite de la cola) — espere a que se envíen y vuelva a intentarlo").format(n=queued)
        return self.tr("No se pudo guardar la solicitud: error al escribir en el disco — vuelva a "
                       "intentarlo")

    def _run_services(self, cps: list) -> None:
        if cps and self.session.run_services(cps) is not None:
            self.services.set_running(True)

    def _logout(self) -> None:
        import asyncio
        asyncio.ensure_future(self.session.logout())

    # ------------------------------------------------------------------ session → view
    def _on_logged_in(self, driver_id: str) -> None:
        self.login.set_busy(False)
        self.login.password.clear()
        self.who.setText(self.tr("Conductor: <b>{d}</b>").format(d=driver_id))
        self.stack.setCurrentIndex(1)
        self.refresh()

    def _on_login_failed(self, code: str, message: str) -> None:
        self.login.show_error(login_error_text(self, code, message, self.session.settings.central,
                                               self.session.last_retry_after_s))

    def _on_event(self, event: object) -> None:
        self.refresh()
        if isinstance(event, OutboxSetAside):
            self._show_notice(self.tr(
                "Aviso: la cola de envío local estaba dañada; se ha apartado como {path} y se usa "
                "una nueva. Las solicitudes que esperaban en ella no se enviaron.").format(path=event.kept))
        if isinstance(event, Ticket) and self.tabs.currentWidget() is self.history:
            self.session.load_history()

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.history:
            self.session.load_history()

    def refresh(self) -> None:
        t = self.session.tracker
        self.supply.render(t)
        if self._notice and (t is None or not t.active):
            self.supply.detail.setText(self._notice)
        self._update_buttons()
        # once a second while a reservation counts down, or while a queued request waits
        # (its "waiting for" time must visibly move, or the app looks frozen)
        counting = t is not None and (t.reservation_left() is not None or t.phase.value == "queued")
        if counting and not self._countdown.isActive():
            self._countdown.start()
        elif not counting and self._countdown.isActive():
            self._countdown.stop()
