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
from ev_desktop.workbench_controller import WorkbenchController


def _t(text: str) -> str:
    return QCoreApplication.translate("Workbench", text)


@dataclass
class Workbench:
    controller: WorkbenchController
    inbox: AlertsInbox
    audit: AuditView
    alerts_index: int

    def close(self) -> None:
        self.controller.close()


def install_workbench(window, *, poll_ms: int = 2000, tray: bool = True) -> Workbench:
    dash = window.dashboard
    controller = WorkbenchController(window.operator_session, lambda: window.settings, window,
                                     poll_ms=poll_ms, tray=tray)
    inbox = AlertsInbox(controller.model)
    inbox.setObjectName("alertsInbox")
    audit = AuditView()
    alerts_index = dash.add_workbench_tab(inbox, _t("Alertas"))
    dash.add_workbench_tab(audit, _t("Auditoría"))
    wb = Workbench(controller, inbox, audit, alerts_index)

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
        dash.workbench_tabs.setTabText(alerts_index, _t("Alertas ({n})").format(n=n) if n else _t("Alertas"))
        window.tabs.setTabText(operator_index,
                               _t("Operador ({n})").format(n=n) if n else QCoreApplication.translate("MainWindow", "Operador"))

    def show_cp(cp_id: str) -> None:
        window.tabs.setCurrentWidget(window.operator_stack)
        if window.isMinimized():
            window.showNormal()
        window.activateWindow()
        dash.select_cp(cp_id)

    controller.model.unackedChanged.connect(badge)
    controller.showCp.connect(show_cp)
    return wb
