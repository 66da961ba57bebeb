"""WorkbenchController: the operator workbench's Qt glue — polls Central, acknowledges, notifies.

Central keeps the alerts (so every operator sees the same acknowledgements); this controller
asks for them over the socket link (``OPQUERY alerts``, every ``poll_ms`` while an operator is
signed in), feeds the :class:`AlertsModel`, adds the app's own alerts (Kafka unreachable,
Central silent — facts only this app knows), shows a system-tray notification for each new
unacknowledged alert (a click opens the CP's tile) and keeps the unacknowledged count on the
tab. One query at a time: a slow Central never piles up requests.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from ev_desktop.core.central_client import LoginError
from ev_desktop.core.workbench_client import WorkbenchClient
from ev_desktop.models.alerts_model import AlertsModel, kind_text

log = logging.getLogger(__name__)


class WorkbenchController(QObject):
    alertsRefreshed = Signal()
    ackDone = Signal(int)           # alert id acknowledged (by this operator or before)
    auditLoaded = Signal(list)      # audit entries, newest first
    queryFailed = Signal(str)       # Spanish default text (views show their own tr())
    showCp = Signal(str)            # a notification / the inbox asks to open a CP tile

    def __init__(self, operator_session, settings_fn: Callable[[], object], parent: QObject | None = None, *,
                 poll_ms: int = 2000, tray: bool = True) -> None:
        super().__init__(parent)
        self.operator_session = operator_session
        self.settings_fn = settings_fn
        self.model = AlertsModel(self)
        self._busy = False
        self._again = False
        self._in_flight: set[str] = set()
        self._again_requests: dict[str, tuple] = {}
        self._tasks: set[asyncio.Task] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.refresh)
        self._last_cp: str | None = None
        self.tray: QSystemTrayIcon | None = None
        if tray and QSystemTrayIcon.isSystemTrayAvailable():
            app = QApplication.instance()
            icon = app.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) if app else None
            self.tray = QSystemTrayIcon(icon, self) if icon is not None else QSystemTrayIcon(self)
            self.tray.messageClicked.connect(self._on_message_clicked)
        self.model.alertRaised.connect(self.notify)
        operator_session.signedIn.connect(lambda _op: self.start())
        operator_session.signedOut.connect(lambda _why: self.stop())

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self.tray is not None:
            self.tray.show()
        self._timer.start()
        self.refresh()

    def stop(self) -> None:
        self._timer.stop()
        self.model.set_central([])

    def close(self) -> None:
        self._timer.stop()
        for t in list(self._tasks):
            t.cancel()
        if self.tray is not None:
            self.tray.hide()

    # ------------------------------------------------------------------ local facts
    def show_central(self, st) -> None:
        """CentralStatus → the local "Central silent" alert (only while Kafka works)."""
        self.model.set_local("central_silent", st.state == "down",
                             "sin latido de la CENTRAL en Kafka")

    def show_link(self, summary) -> None:
        """LinkSummary → the local "Kafka unreachable" / "Kafka degraded" alerts."""
        self.model.set_local("kafka_unreachable", summary.state == "offline", summary.last_error or "")
        self.model.set_local("kafka_degraded", summary.state == "degraded", summary.last_error or "")

    # ------------------------------------------------------------------ Central queries
    def _credentials(self) -> tuple[str, str] | None:
        keeper = getattr(self.operator_session, "keeper", None)
        if self.operator_session.login is None or keeper is None or not keeper.usable:
            return None
        return keeper.session_id, keeper.token

    def _client(self) -> WorkbenchClient:
        settings = self.settings_fn()
        host, port = settings.central_host_port
        return WorkbenchClient(host, port, fallbacks=settings.central_fallbacks)

    def _spawn(self, coro) -> asyncio.Task | None:
        try:
            task = asyncio.ensure_future(coro)
        except RuntimeError:  # no event loop (a test without qasync)
            coro.close()
            return None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _query(self, name: str, args: dict | None = None) -> dict | None:
        creds = self._credentials()
        if creds is None:
            return None
        try:
            return await self._client().query(*creds, name, args)
        except LoginError as exc:
            log.info("workbench query %s failed: %s", name, exc.code)
            self.queryFailed.emit(exc.message)
            return None

    def refresh(self) -> asyncio.Task | None:
        if self._busy:
            self._again = True   # once the query in flight is answered
            return None
        if self._credentials() is None:
            return None
        self._busy = True
        return self._spawn(self._refresh())

    async def _refresh(self) -> None:
        try:
            data = await self._query("alerts", {"limit": 100})
            if data is not None and isinstance(data.get("alerts"), list):
                self.model.set_central(data["alerts"])
                self.alertsRefreshed.emit()
        finally:
            self._busy = False
            if self._again:
                self._again = False
                self.refresh()

    def acknowledge(self, alert_id: int) -> asyncio.Task | None:
        if alert_id < 0:  # the app's own alerts are acknowledged here
            op = self.operator_session.operator_id or ""
            if self.model.ack_local(alert_id, op):
                self.ackDone.emit(alert_id)
            return None
        return self._spawn(self._acknowledge(alert_id))

    async def _acknowledge(self, alert_id: int) -> None:
        if await self._query("ack", {"id": alert_id}) is not None:
            self.ackDone.emit(alert_id)
            self.refresh()

    def load_audit(self, limit: int = 100, operator: str | None = None) -> asyncio.Task | None:
        args: dict = {"limit": limit}
        if operator:
            args["operator"] = operator
        return self._spawn(self._load_audit(args))

    async def _load_audit(self, args: dict) -> None:
        data = await self._query("audit", args)
        if data is not None and isinstance(data.get("entries"), list):
            self.auditLoaded.emit(data["entries"])

    def request(self, name: str, args: dict, on_answer: Callable[[dict], None],
                on_error: Callable[[str], None] | None = None, *, exclusive: bool = False) -> asyncio.Task | None:
        """Any workbench query (reports, timeline, suspects, close): *on_answer(data)* on the Qt
        thread when Central answers; *on_error(text)* (or ``queryFailed``) when it does not.
        *exclusive*: not sent while the same query is still waiting for its answer (a refresh
        clicked repeatedly must not open one link per click)."""
        if exclusive and name in self._in_flight:
            # asked again while the answer is on its way: ask once more after it (the answer in
            # flight may predate what the caller just changed, e.g. a supply closed meanwhile)
            self._again_requests[name] = (args, on_answer, on_error)
            return None
        self._in_flight.add(name)
        return self._spawn(self._request(name, args, on_answer, on_error))

    async def _request(self, name, args, on_answer, on_error) -> None:
        try:
            await self._ask(name, args, on_answer, on_error)
        finally:
            self._in_flight.discard(name)
            again = self._again_requests.pop(name, None)
            if again is not None:
                self.request(name, *again, exclusive=True)

    async def _ask(self, name, args, on_answer, on_error) -> None:
        creds = self._credentials()
        if creds is None:
            (on_error or self.queryFailed.emit)("Inicie sesión como operador")
            return
        try:
            data = await self._client().query(*creds, name, args)
        except LoginError as exc:
            log.info("workbench query %s failed: %s", name, exc.code)
            (on_error or self.queryFailed.emit)(exc.message)
            return
        on_answer(data)

    def export_csv(self, args: dict, path: str, on_done: Callable[[int, int], None],
                   on_error: Callable[[str], None]) -> asyncio.Task | None:
        """Write the filtered supplies to *path* (Central's pages, up to 50,000 rows):
        *on_done(written, total)* or *on_error(text)* on the Qt thread."""
        creds = self._credentials()
        if creds is None:
            on_error("Inicie sesión como operador")
            return None
        return self._spawn(self._export_csv(creds, args, path, on_done, on_error))

    async def _export_csv(self, creds, args, path, on_done, on_error) -> None:
        from pathlib import Path

        from ev_desktop.core.report_export import export_supplies
        try:
            written, total = await export_supplies(self._client(), *creds, args, Path(path))
        except LoginError as exc:
            on_error(exc.message)
            return
        except OSError as exc:
            on_error(f"No se pudo escribir {path}: {exc.strerror or exc}")
            return
        on_done(written, total)

    # ------------------------------------------------------------------ notifications
    def notify(self, alert: dict) -> None:
        """A new unacknowledged alert: a tray message; clicking it opens the CP's tile."""
        self._last_cp = alert.get("cp_id")
        if self.tray is None or not self.tray.isVisible():
            return
        title = kind_text(alert.get("kind", ""))
        subject = alert.get("cp_id") or alert.get("subject") or ""
        self.tray.showMessage(f"{title}: {subject}", str(alert.get("detail") or ""),
                              QSystemTrayIcon.MessageIcon.Warning, 8000)

    def _on_message_clicked(self) -> None:
        if self._last_cp:
            self.showCp.emit(self._last_cp)
