"""The one window: tabs "Conductor" / "Operador", status bar with the Kafka and Central
indicators, settings dialog. Wires the I/O side (AppContext, QtDriverSession) to the views."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QStackedWidget, QTabWidget, QWidget

from ev_common.tls_links import LinkTLS
from ev_desktop.context import AppContext
from ev_desktop.qt_sessions.driver import QtDriverSession
from ev_desktop.models.cp_grid import CpGridModel
from ev_desktop.models.central_status import CentralStatusModel
from ev_desktop.models.event_log import EventLogModel, load_entries, save_entries
from ev_desktop.models.event_text import command_entry, link_entry
from ev_desktop.models.freshness import DataFreshness
from ev_desktop.qt_sessions.operator import QtOperatorSession
from ev_desktop.settings_store import AppSettings, SettingsStore
from ev_desktop.views.driver_panel import DriverPanel
from ev_desktop.views.login_form import login_error_text
from ev_desktop.views.operator_dashboard import OperatorDashboard
from ev_desktop.views.operator_login import OperatorLoginForm
from ev_desktop.views.settings_dialog import SettingsDialog
from ev_desktop.views.status_widgets import CentralIndicator, KafkaIndicator
from ev_desktop.workbench_setup import install_workbench

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    closed = Signal()  # the user closed the window; the app then awaits shutdown()

    def __init__(self, settings: AppSettings, data_dir: Path, *, store: SettingsStore | None = None,
                 start: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.data_dir = Path(data_dir)
        self.store = store
        self.operator = settings.role != "driver"
        self.setWindowTitle(self.tr("EVCharging — Centro de control"))
        self.resize(1280, 820)

        self.ctx = AppContext(settings, data_dir, operator=self.operator, parent=self)
        self.session = QtDriverSession(settings, data_dir, parent=self)

        self.grid = CpGridModel(self)
        self.log_model = EventLogModel(self)
        self.log_model.add(list(reversed(load_entries(self.event_log_path()))))  # the recent log survives a restart
        self._log_dirty = False
        self.log_model.rowsInserted.connect(self._mark_log_dirty)
        self.log_model.dataChanged.connect(self._mark_log_dirty)
        self._log_timer = QTimer(self)
        self._log_timer.setInterval(3000)
        self._log_timer.timeout.connect(self.save_event_log)
        self._log_timer.start()
        self._delivery_timer = QTimer(self)   # see _settle_delivered
        self._delivery_timer.setInterval(1000)
        self._delivery_timer.timeout.connect(self._settle_delivered)
        self._delivery_timer.start()
        self._pending_commands: dict[str, tuple[str, str, float]] = {}  # msg id → (action, cp, ts)
        self._command_state: dict[str, str] = {}  # msg id → queued | delivered
        self._follow_restored_commands()
        self._kafka_was_up: bool | None = None
        self.driver_panel = DriverPanel(self.session)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("roleTabs")
        self.tabs.addTab(self.driver_panel, self.tr("Conductor"))
        self.dashboard: OperatorDashboard | None = None
        self.operator_session: QtOperatorSession | None = None
        self.operator_login: OperatorLoginForm | None = None
        self.operator_stack: QStackedWidget | None = None
        if self.operator:
            self._build_operator_tab()
        else:
            self.tabs.tabBar().hide()
        self.setCentralWidget(self.tabs)

        # status bar: Kafka (clickable) | Central | role
        self.kafka_indicator = KafkaIndicator()
        self.central_indicator = CentralIndicator()
        self.central_indicator.set_link_secure(LinkTLS.from_env().secure)  # what every Central link uses
        self.role_label = QLabel(self.tr("Operador") if self.operator else self.tr("Conductor"))
        sb = self.statusBar()
        sb.addWidget(self.kafka_indicator)
        sb.addWidget(self.central_indicator)
        sb.addPermanentWidget(self.role_label)
        self.kafka_indicator.set_summary(self.ctx.link.summary())
        self.kafka_indicator.clicked.connect(self.open_diagnostics)

        menu = self.menuBar().addMenu(self.tr("&Archivo"))
        self.settings_action = QAction(self.tr("Ajustes de conexión…"), self)
        self.settings_action.triggered.connect(self.open_settings)
        menu.addAction(self.settings_action)
        diag = QAction(self.tr("Diagnóstico de Kafka…"), self)
        diag.triggered.connect(self.open_diagnostics)
        menu.addAction(diag)
        menu.addSeparator()
        quit_action = QAction(self.tr("Salir"), self)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("A&yuda"))
        self.about_action = QAction(self.tr("Acerca de EVCharging…"), self)
        self.about_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))   # F1
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        self.find_action = QAction(self.tr("Buscar punto de carga"), self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))             # Ctrl+F
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)

        # I/O → views
        self.ctx.link.changed.connect(self.kafka_indicator.set_summary)
        # Central: heartbeats + the Kafka link → what can honestly be said (status bar, banners, log)
        self.central_status = CentralStatusModel(self, clock=time.time)
        self.ctx.centralChanged.connect(self.central_status.set_heartbeat)
        self.ctx.centralInstances.connect(self.central_indicator.set_instances)
        self.session.centralAnswered.connect(self.central_indicator.set_address)  # the Central in use
        if self.operator_session is not None:
            self.operator_session.centralAnswered.connect(self.central_indicator.set_address)
        self.ctx.link.changed.connect(self.central_status.set_link)
        self.central_status.changed.connect(self.central_indicator.show_status)
        self.central_status.changed.connect(self.driver_panel.show_central)
        if self.dashboard is not None:
            self.central_status.changed.connect(self.dashboard.show_central)
        self.central_status.wentDown.connect(lambda st: self.log_model.add([link_entry("central", False, st.now or time.time())]))
        self.central_status.cameBack.connect(lambda st: self.log_model.add([link_entry("central", True, st.now or time.time())]))
        self.ctx.link.changed.connect(self._on_link_summary)
        self._central_timer = QTimer(self)
        self._central_timer.setInterval(1000)
        self._central_timer.timeout.connect(self.central_status.tick)
        self._central_timer.start()
        self.ctx.commandsSettled.connect(self._on_commands_settled)
        self.ctx.cpStates.connect(self.grid.apply)
        self.ctx.cpStates.connect(self.driver_panel.apply_states)
        self.ctx.cpCaughtUp.connect(self.driver_panel.mark_caught_up)
        self.ctx.logEntries.connect(self.log_model.add)
        self.ctx.reset.connect(self._on_context_reset)
        # stale data: the link state the status bar shows, plus the arrival of CP states
        self.freshness = DataFreshness(self)
        self.ctx.link.changed.connect(self.freshness.set_link)
        self.ctx.cpStates.connect(self.freshness.data_received)
        self.freshness.changed.connect(self.driver_panel.show_freshness)
        if self.dashboard is not None:
            self.freshness.changed.connect(self.dashboard.show_freshness)
        self.freshness.set_link(self.ctx.link.summary())
        self.session.linkChanged.connect(lambda st: self.ctx.link.update_producer("driver", st))
        self.session.driverEvent.connect(self.notify_supply_end)
        self.session.loggedOut.connect(lambda: self.ctx.link.forget("driver"))
        self._diagnostics = None
        self._closing = False
        # alerts inbox + audit under the operator's grid (ev_desktop/workbench_setup.py)
        self.workbench = install_workbench(self) if self.dashboard is not None else None
        if start:
            self.ctx.start()

    # ------------------------------------------------------------------ operator sign-in
    def _build_operator_tab(self) -> None:
        """The "Operador" tab: the sign-in form first, the dashboard only with an operator token
        (Central refuses every command without one)."""
        self.dashboard = OperatorDashboard(self.grid, self.log_model)
        self.operator_login = OperatorLoginForm()
        self.operator_session = QtOperatorSession(self.settings, self)
        self.operator_stack = QStackedWidget()
        self.operator_stack.setObjectName("operatorStack")
        self.operator_stack.addWidget(self.operator_login)
        self.operator_stack.addWidget(self.dashboard)
        self.tabs.addTab(self.operator_stack, self.tr("Operador"))
        self.tabs.setCurrentWidget(self.operator_stack)
        self.dashboard.stopRequested.connect(lambda cp: self.send_command("stop", cp))
        self.dashboard.resumeRequested.connect(lambda cp: self.send_command("resume", cp))
        self.dashboard.signOutRequested.connect(lambda: self.operator_session.sign_out("logout"))
        self.operator_login.loginRequested.connect(self.operator_session.sign_in)
        self.operator_session.signedIn.connect(self._on_operator_signed_in)
        self.operator_session.signInFailed.connect(self._on_operator_sign_in_failed)
        self.operator_session.signedOut.connect(self._on_operator_signed_out)

    @property
    def operator_signed_in(self) -> bool:
        return self.operator_session is not None and self.operator_session.login is not None

    def _on_operator_signed_in(self, operator_id: str) -> None:
        assert self.dashboard is not None and self.operator_stack is not None
        self.dashboard.set_operator(operator_id)
        self.operator_stack.setCurrentWidget(self.dashboard)

    def _on_operator_sign_in_failed(self, code: str, message: str) -> None:
        assert self.operator_login is not None and self.operator_session is not None
        self.operator_login.show_error(login_error_text(self, code, message, self.settings.central,
                                                        self.operator_session.last_retry_after_s))

    def _on_operator_signed_out(self, reason: str) -> None:
        assert self.operator_login is not None and self.operator_stack is not None
        texts = {"expired": self.tr("Su sesión de operador ha caducado — vuelva a iniciar sesión"),
                 "settings": self.tr("Ha cambiado la CENTRAL — vuelva a iniciar sesión como operador")}
        self.operator_login.set_signed_out(texts.get(reason, ""))
        self.operator_stack.setCurrentWidget(self.operator_login)
        self.tabs.setCurrentWidget(self.operator_stack)
        self.operator_login.driver.setFocus()

    # ------------------------------------------------------------------ actions
    def send_command(self, action: str, cp_id: str) -> str | None:
        """Queue an OperatorCommand carrying the operator's token. Without a valid sign-in
        nothing is sent: the sign-in form comes back (with the reason) instead."""
        creds = self.operator_session.credentials() if self.operator_session is not None else None
        if creds is None:
            log.info("operator command %s cp=%s not sent: no operator signed in", action, cp_id)
            return None
        msg_id = self.ctx.send_operator_command(action, cp_id, *creds)
        if msg_id is not None:
            now = time.time()
            self._pending_commands[msg_id] = (action, cp_id, now)
            queued = self.ctx.producer.queued if self.ctx.producer else 0
            state = "queued" if queued else "delivered"
            self._command_state[msg_id] = state
            self.log_model.add([command_entry(action, cp_id, state, now, queued, key=msg_id)])
        return msg_id

    # ------------------------------------------------------------------ event log upkeep
    def _on_link_summary(self, summary) -> None:
        """Kafka outages and recoveries go to the log; queued commands become "entregado" once
        the operator's outbox is empty (FIFO: everything sent before has been acknowledged)."""
        state = getattr(summary, "data_state", summary.state)  # a missing broker is no outage
        if state in ("connected", "offline", "degraded"):
            up = state == "connected"
            if up != self._kafka_was_up and (self._kafka_was_up is not None or not up):
                self.log_model.add([link_entry("kafka", up, time.time())])
            self._kafka_was_up = up
        self._settle_delivered()

    def _settle_delivered(self) -> None:
        """Queued command lines become "entregado" once the operator's outbox is empty (FIFO:
        everything sent before has been acknowledged). Called on every link change and by a
        1 s timer: the outbox can drain between the send and the line being registered, after
        which no link change would ever come to update it."""
        producer = self.ctx.producer
        if producer is not None and producer.queued == 0:
            for msg_id, (action, cp_id, ts) in list(self._pending_commands.items()):
                if self._command_state.get(msg_id) == "queued":
                    self._command_state[msg_id] = "delivered"
                    self.log_model.update(msg_id, command_entry(action, cp_id, "delivered", ts, key=msg_id))

    def _on_commands_settled(self, settled: list) -> None:
        for msg_id, applied in settled:
            got = self._pending_commands.pop(msg_id, None)
            self._command_state.pop(msg_id, None)
            if got is not None:
                action, cp_id, ts = got
                self.log_model.update(msg_id, command_entry(action, cp_id, "applied" if applied else "refused",
                                                            ts, key=msg_id))

    def _follow_restored_commands(self) -> None:
        """Command lines restored from the saved log that were still queued or delivered: their
        messages are still in the outbox (same ids) or already at Central, so keep following
        them like this run's own commands rather than leaving "en cola" on screen forever."""
        for e in self.log_model.entries():
            if e.key and e.action and e.cp_id and e.state in ("queued", "delivered"):
                self._pending_commands[e.key] = (e.action, e.cp_id, e.ts)
                self._command_state[e.key] = e.state

    def event_log_path(self) -> Path:
        return self.data_dir / "event-log.jsonl"

    def _mark_log_dirty(self, *_args) -> None:
        self._log_dirty = True

    def save_event_log(self) -> None:
        if self._log_dirty:
            self._log_dirty = False
            save_entries(self.event_log_path(), self.log_model.entries()[:200])

    def about_text(self) -> str:
        from importlib.metadata import PackageNotFoundError, version
        try:
            ver = version("evcharging")
        except PackageNotFoundError:
            ver = "?"
        return self.tr("EVCharging — Centro de control, versión {v}\n\n"
                       "Datos (ajustes, colas de envío, registro de eventos): {d}\n"
                       "Registro de eventos del operador: {log}\n"
                       "Fichero de registro (log) de la aplicación: {applog}\n\n"
                       "Atajos: F1 esta ayuda · Ctrl+F buscar un punto de carga · "
                       "pulse el indicador de Kafka para ver el diagnóstico").format(
            v=ver, d=self.data_dir, log=self.event_log_path(), applog=self.data_dir / "ev-desktop.log")

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Acerca de EVCharging"), self.about_text(),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("aboutBox")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    def focus_search(self) -> None:
        """Ctrl+F: the dashboard's search (operators) — the driver's list has no search."""
        if self.dashboard is not None and self.operator_signed_in:
            self.tabs.setCurrentWidget(self.operator_stack)
            self.dashboard.search.setFocus()
            self.dashboard.search.selectAll()

    def notify_supply_end(self, event: object) -> None:
        """A supply ended or was interrupted: say so even if the window is in the background."""
        from ev_common.contract import SupplyInterrupted, Ticket
        if isinstance(event, Ticket):
            text = self.tr("Suministro terminado en {cp}: {kwh:.2f} kWh, {eur:.2f} €").format(
                cp=event.cp_id, kwh=event.kwh, eur=event.eur)
        elif isinstance(event, SupplyInterrupted):
            text = self.tr("Suministro interrumpido en {cp}").format(cp=event.cp_id)
        else:
            return
        tracker = self.session.tracker
        if tracker is None or tracker.session_id != event.session_id:
            return   # not the supply this panel shows
        self.statusBar().showMessage(text, 15000)
        QApplication.alert(self)   # the taskbar entry asks for attention
        if self.settings.sound != "off":   # Ajustes ▸ "Aviso sonoro…"
            QApplication.beep()

    def open_settings(self) -> None:
        dlg = SettingsDialog(self.settings, self)
        if dlg.exec():
            self.apply_settings(dlg.values())

    def apply_settings(self, new: AppSettings) -> None:
        changed = self.settings.connection_differs(new)
        if new.central != self.settings.central:
            self.central_indicator.set_address(None)  # named again when the new Central answers
        self.settings = new
        if self.store is not None:   # the dialog changes the connection; role/lang stay as saved
            saved = self.store.load()
            self.store.save(replace(new, role=saved.role, lang=saved.lang))
        if changed:
            if new.kafka_credentials:  # who this app is on Kafka, before its clients are rebuilt
                from ev_common.kafka.security import configure_process
                configure_process(new.kafka_credentials)
            self.session.settings = new
            self.ctx.apply_settings(new)
            if self.operator_session is not None:
                if new.central != self.operator_session.settings.central:
                    self.operator_session.sign_out("settings")  # another Central would refuse the token
                self.operator_session.settings = new
            if self.session.core is not None:
                self.statusBar().showMessage(
                    self.tr("Ajustes aplicados. Vuelva a iniciar sesión para usarlos en su sesión de conductor."),
                    8000)

    def _on_context_reset(self) -> None:
        self.grid.clear()
        self.driver_panel.reset_states()
        self.freshness.reset()
        self.central_status.reset()

    def open_diagnostics(self) -> None:
        try:
            from ev_desktop.views.diagnostics_dialog import DiagnosticsDialog
        except ImportError as exc:  # the dialog ships separately; never a traceback
            log.warning("diagnostics dialog unavailable: %s", exc)
            self.statusBar().showMessage(self.tr("El diagnóstico de Kafka no está disponible en esta instalación"), 5000)
            return
        # is Central keeping up? Requests/commands and CP events have a consumer group each
        groups = [f"{self.ctx.topics.prefix}.central.requests", f"{self.ctx.topics.prefix}.central"]
        if self._diagnostics is not None:
            self._diagnostics.close()
        self._diagnostics = DiagnosticsDialog(self.settings.bootstrap_servers, self.ctx.topics, groups, self,
                                              reader_lags=self.reader_lags)
        self._diagnostics.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._diagnostics.destroyed.connect(lambda *_: setattr(self, "_diagnostics", None))
        self._diagnostics.show()

    def reader_lags(self) -> dict[str, int | None]:
        """This app's own readers' lag for the diagnostics (called from its worker thread): the
        context's readers, and the logged-in driver's notifications."""
        lags = self.ctx.reader_lags()
        core = self.session.core
        if core is not None and getattr(core, "started", False) and hasattr(core, "lag"):
            lags["driver"] = core.lag()
        return lags

    # ------------------------------------------------------------------ shutdown
    async def shutdown(self) -> None:
        """Stop every worker; undelivered events stay in the outboxes for the next start."""
        if self._closing:
            return
        self._closing = True
        self.save_event_log()
        if self.operator_session is not None:
            self.operator_session.close()
        if self.workbench is not None:
            self.workbench.close()
        await self.session.close()
        objs = self.ctx.begin_close()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, AppContext.stop_objects, objs)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._diagnostics is not None:
            self._diagnostics.close()
        super().closeEvent(event)
        self.closed.emit()
