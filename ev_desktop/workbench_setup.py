"""Wire the operator workbench (alerts inbox, audit) into the main window.

Kept out of ``main_window.py`` (already long): one call, :func:`install_workbench`, adds the
workbench pages under the dashboard's grid, feeds the local alerts from the window's Central
and Kafka status, keeps the unacknowledged count on the "Alertas" page and the "Operador" tab,
and opens a CP's tile when a notification or an alert asks for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from ev_desktop.views.alerts_view import AlertsInbox
from ev_desktop.views.audit_view import AuditView
from ev_desktop.views.reports_view import ReportsView
from ev_desktop.views.suspects_view import SuspectsView
from ev_desktop.views.timeline_view import TimelineDialog
from ev_desktop.workbench_controller import WorkbenchController


@dataclass
class Workbench:
    controller: WorkbenchController
    inbox: AlertsInbox
    audit: AuditView
    alerts_index: int
    suspects: SuspectsView | None = None
    reports: ReportsView | None = None
    timeline: TimelineDialog | None = None

    def close(self) -> None:
        self.controller.close()


def install_workbench(window, *, poll_ms: int = 2000, tray: bool = True) -> Workbench:
    dash = window.dashboard
    controller = WorkbenchController(window.operator_session, lambda: window.settings, window,
                                     poll_ms=poll_ms, tray=tray)
    inbox = AlertsInbox(controller.model)
    inbox.setObjectName("alertsInbox")
    audit = AuditView()
    alerts_index = dash.add_workbench_tab(inbox, QCoreApplication.translate("Workbench", "Alertas"))
    suspects = SuspectsView()
    reports = ReportsView()
    dash.add_workbench_tab(suspects, QCoreApplication.translate("Workbench", "Suministros sospechosos"))
    dash.add_workbench_tab(reports, QCoreApplication.translate("Workbench", "Informes"))
    dash.add_workbench_tab(audit, QCoreApplication.translate("Workbench", "Auditoría"))
    wb = Workbench(controller, inbox, audit, alerts_index, suspects, reports)
    _wire_supplies(window, wb)

    inbox.ackRequested.connect(controller.acknowledge)
    inbox.refreshRequested.connect(controller.refresh)
    inbox.showCpRequested.connect(controller.showCp)
    controller.ackDone.connect(lambda _id: controller.load_audit())
    controller.queryFailed.connect(inbox.show_error)
    controller.queryFailed.connect(audit.show_error)
    audit.refreshRequested.connect(controller.load_audit)
    controller.auditLoaded.connect(audit.show_entries)
    window.operator_session.signedIn.connect(lambda _op: controller.load_audit())
    window.central_status.changed.connect(controller.show_central)
    window.ctx.link.changed.connect(controller.show_link)

    operator_index = window.tabs.indexOf(window.operator_stack)

    def badge(n: int) -> None:
        dash.workbench_tabs.setTabText(alerts_index, QCoreApplication.translate("Workbench", "Alertas ({n})").format(n=n) if n else QCoreApplication.translate("Workbench", "Alertas"))
        window.tabs.setTabText(operator_index,
                               QCoreApplication.translate("Workbench", "Operador ({n})").format(n=n) if n else QCoreApplication.translate("MainWindow", "Operador"))

    def show_cp(cp_id: str) -> None:
        window.tabs.setCurrentWidget(window.operator_stack)
        if window.isMinimized():
            window.showNormal()
        window.activateWindow()
        dash.select_cp(cp_id)

    controller.model.unackedChanged.connect(badge)
    controller.showCp.connect(show_cp)
    return wb


def _wire_supplies(window, wb: Workbench) -> None:
    """Suspects (close with a reason), reports (pages, charts, CSV) and the timeline dialog."""
    c, suspects, reports = wb.controller, wb.suspects, wb.reports

    def refresh_suspects() -> None:
        c.request("suspects", {}, suspects.show_suspects, suspects.show_status, exclusive=True)

    def closed(data: dict) -> None:
        t = data.get("ticket") or {}
        suspects.show_status(QCoreApplication.translate("Workbench", "Suministro {s} cerrado: {kwh:.3f} kWh, {eur:.2f} €")
                             .format(s=data.get("closed", ""), kwh=float(t.get("kwh") or 0), eur=float(t.get("eur") or 0)))
        refresh_suspects()
        c.load_audit()

    def open_timeline(session_id: str) -> None:
        if not session_id:
            return

        def show(data: dict) -> None:
            if wb.timeline is not None:
                wb.timeline.close()
            wb.timeline = TimelineDialog(data, window)
            wb.timeline.show()
        c.request("timeline", {"session_id": session_id}, show)

    def export(args: dict, path: str) -> None:
        c.export_csv(args, path, lambda n, t: reports.show_status(
            QCoreApplication.translate("Workbench", "Exportados {n} de {t} suministros a {p}").format(n=n, t=t, p=path)),
            reports.show_status)

    suspects.refreshRequested.connect(refresh_suspects)
    suspects.closeRequested.connect(lambda sid, reason: c.request(
        "close", {"session_id": sid, "reason": reason}, closed, suspects.show_status))
    suspects.timelineRequested.connect(open_timeline)
    reports.pageRequested.connect(lambda args: c.request("supplies", args, reports.show_page, reports.show_status))
    reports.chartRequested.connect(lambda args: c.request("energy", args, reports.show_chart, reports.show_status))
    reports.exportRequested.connect(export)
    reports.timelineRequested.connect(open_timeline)
    window.operator_session.signedIn.connect(lambda _op: refresh_suspects())
