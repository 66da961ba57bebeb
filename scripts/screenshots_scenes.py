"""The child side of scripts/screenshots.py: runs the app's real windows under the Xvfb the
parent started, puts each scene on screen and captures it."""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from screenshots_data import (
    BOOTSTRAP, CENTRAL, KAFKA_DOWN, big_network, charging_tracker, diagnostics_replay,
    local_network, producer_status,
)

REPO = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------- child: capturing

def workbench_shots(w, now: float, save, settle) -> None:
    """The workbench pages fed with what Central's OPQUERY answers would carry (docs/protocol.md §6)."""
    from ev_desktop.views.timeline_view import TimelineDialog

    wb = w.workbench
    tabs = w.dashboard.workbench_tabs
    w.dashboard.vsplit.setSizes([380, 420])
    alerts = [
        {"id": 41, "kind": "cp_faulted", "subject": "CP005", "severity": "critical", "detail": "Engine KO",
         "cp_id": "CP005", "first_seen": now - 52, "last_seen": now - 1, "count": 1, "cleared_at": None,
         "acked_by": None, "acked_at": None},
        {"id": 40, "kind": "supply_silent", "subject": "s-31", "severity": "warning",
         "detail": "sin telemetría desde hace 95 s", "cp_id": "CP011", "first_seen": now - 65, "last_seen": now - 1,
         "count": 1, "cleared_at": None, "acked_by": "operator2", "acked_at": now - 30},
        {"id": 39, "kind": "forged_input", "subject": "central", "severity": "critical",
         "detail": "entradas falsificadas o no autenticadas: 3 en total", "cp_id": None, "first_seen": now - 900,
         "last_seen": now - 400, "count": 3, "cleared_at": None, "acked_by": None, "acked_at": None},
        {"id": 37, "kind": "cp_disconnected", "subject": "CP019", "severity": "warning",
         "detail": "sin monitor desde hace 45 s", "cp_id": "CP019", "first_seen": now - 3600,
         "last_seen": now - 3300, "count": 1, "cleared_at": now - 3300, "acked_by": "operator1",
         "acked_at": now - 3500},
    ]
    wb.controller.model.set_central(alerts)
    tabs.setCurrentIndex(wb.alerts_index)
    wb.inbox.select_alert(41)
    save(w, "workbench_alerts")
    wb.suspects.show_suspects({"suspects": [
        {"session_id": "s-31", "cp_id": "CP011", "driver_id": "driver31", "status": "charging",
         "created_at": now - 5 * 3600, "kwh": 41.2, "reasons": ["too_long", "silent"]},
        {"session_id": "s-58", "cp_id": "CP027", "driver_id": "driver8", "status": "charging",
         "created_at": now - 1800, "kwh": 30.5, "reasons": ["energy"]}]})
    tabs.setCurrentWidget(wb.suspects)
    wb.suspects.table.selectRow(0)
    save(w, "workbench_suspects")
    day = 86400
    start = int(now // day * day) - 13 * day
    rng = random.Random(16)
    buckets = [{"start": start + i * day, "kwh": round(rng.uniform(300, 900), 1), "supplies": rng.randrange(20, 60)}
               for i in range(14)]
    for b in buckets:
        b["eur"] = round(b["kwh"] * 0.31, 2)
    rows = [{"id": f"s-{900 - i}", "cp_id": f"CP{rng.randrange(1, 40):03d}", "driver_id": f"driver{rng.randrange(1, 60)}",
             "status": "finished", "outcome": "completed" if i % 7 else "fault", "created_at": now - i * 1700,
             "kwh": round(rng.uniform(3, 45), 2)} for i in range(50)]
    for r in rows:
        r["eur"] = round(r["kwh"] * 0.31, 2)
    tabs.setCurrentWidget(wb.reports)
    wb.reports.show_page({"rows": rows, "total": 1234, "page": 0})
    wb.reports.show_chart({"buckets": buckets})
    save(w, "workbench_reports")
    dialog = TimelineDialog({
        "supply": {"session_id": "s-31", "cp_id": "CP011", "driver_id": "driver31", "status": "finished",
                   "kwh": 41.2, "eur": 12.77, "price_eur_kwh": 0.31, "started_at": now - 5 * 3600 + 40},
        "events": [
            {"ts": now - 5 * 3600, "kind": "requested", "detail": "request=r-31"},
            {"ts": now - 5 * 3600 + 1, "kind": "authorized", "detail": "request=r-31"},
            {"ts": now - 5 * 3600 + 40, "kind": "supply_started", "detail": ""},
            {"ts": now - 95, "kind": "supply_interrupted", "detail": "monitor_lost"},
            {"ts": now - 20, "kind": "operator_closed", "detail": "operator1: sin telemetría desde hace 95 s"},
            {"ts": now - 20, "kind": "ticket", "detail": "kwh=41.200 eur=12.77 outcome=operator_stop"}],
        "ticket": {"kwh": 41.2, "eur": 12.77, "outcome": "operator_stop", "issued_at": now - 20,
                   "ended_at": now - 20}}, w)
    dialog.show()
    from PySide6.QtTest import QTest
    QTest.qWaitForWindowExposed(dialog, 5000)
    save(dialog, "workbench_timeline")
    dialog.close()
    tabs.setCurrentIndex(0)
    settle(100)


def run_child(args: argparse.Namespace) -> int:
    if os.environ.get("QT_QPA_PLATFORM") != "xcb" or not os.environ.get("DISPLAY"):
        sys.exit("screenshots: --child runs under the Xvfb that the script starts itself")
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ev_common import contract as c
    from ev_common.kafka.status import LinkState
    from ev_desktop.app import install_translator, load_style
    from ev_desktop.core.central_client import OperatorLogin
    from ev_desktop.core.events import LinkChanged, RequestQueued
    from ev_desktop.core.tracker import SupplyTracker
    from ev_desktop.settings_store import AppSettings
    from ev_desktop.views import diagnostics_dialog
    from ev_desktop.models.event_text import log_entry

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("EVCharging")
    install_translator(app, args.lang)
    load_style(app)
    from ev_desktop.main_window import MainWindow

    args.out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="ev-shots-"))
    suffix = "" if args.lang == "es" else f"_{args.lang}"
    saved: list[Path] = []
    now = time.time()

    def settle(ms: int = 400) -> None:
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)

    def show(window, width: int, height: int) -> None:
        window.resize(width, height)
        window.move(0, 0)
        window.show()
        QTest.qWaitForWindowExposed(window, 5000)
        settle()

    def save(widget, name: str) -> None:
        """Capture the X screen where *widget* is (what a user would see there)."""
        settle()
        top_left = widget.mapToGlobal(QPoint(0, 0))
        rect = QRect(top_left, widget.size())
        pixmap = app.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
        path = args.out / f"{name}{suffix}.png"
        if pixmap.isNull() or not pixmap.save(str(path)):
            raise SystemExit(f"screenshots: could not capture {name}")
        saved.append(path)

    def capture_confirmation(target, name: str) -> None:
        """Make *target*.confirm show its real question without blocking, capture it, answer No."""
        from PySide6.QtWidgets import QMessageBox

        def confirm(title: str, text: str) -> bool:
            box = QMessageBox(QMessageBox.Icon.Question, title, text,
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, target)
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.show()
            QTest.qWaitForWindowExposed(box, 5000)
            save(box, name)
            box.close()
            return False
        target.confirm = confirm

    def window(role: str, width: int, height: int) -> MainWindow:
        w = MainWindow(AppSettings(bootstrap_servers=BOOTSTRAP, central=CENTRAL, role=role), data_dir,
                       start=False)
        show(w, width, height)
        return w

    try:
        # 1. driver login, after a failed attempt while Central is not running
        w = window("driver", 1100, 700)
        w.ctx.link.update_producer("driver", producer_status(LinkState.CONNECTED, 0))
        w.ctx.centralChanged.emit(False, now - 40)
        p = w.driver_panel
        p.login.driver.setText("driver1")
        p.login.password.setText("pass123")
        p._on_login_failed("unreachable", "")
        save(w, "login")

        # 2. driver panel while charging at CP003 (4 minutes in)
        t, sid, reading, price = charging_tracker(now, 240)
        w.ctx.centralChanged.emit(True, now)
        w.session.core = SimpleNamespace(tracker=t, started=True, driver_id="driver1")
        w.ctx.cpStates.emit(local_network(now))   # as the CP directory delivers them
        p._on_logged_in("driver1")
        save(w, "driver_charging")
        # 2a. the driver stops the charge: the question first (its answer here: No)
        capture_confirmation(p, "driver_stop_confirm")
        p.supply.cancel_btn.click()

        # 2b. the ticket once the driver unplugs
        t.apply(c.Ticket(driver_id="driver1", session_id=sid, cp_id="CP003", started_at=now - 240,
                         ended_at=now, kwh=round(reading.kwh, 3), eur=round(reading.kwh * price, 2),
                         price_eur_kwh=price, outcome="completed"), now)
        p.refresh()
        save(w, "driver_ticket")

        # 2c. a request queued while Kafka is down (nothing listens on 127.0.0.1:9092): the link
        # dropped 97 s ago, the driver asked for any free CP 95 s ago
        t2 = SupplyTracker("driver1")
        t2.apply(RequestQueued("r-2", None, LinkState.OFFLINE, now - 95), now - 95)
        w.session.core = SimpleNamespace(tracker=t2, started=True, driver_id="driver1")
        w.freshness.clock = lambda: now - 97      # the last CP states came just before the drop
        w.ctx.cpStates.emit(local_network(now)[:1])
        w.ctx.link.update_producer("driver", producer_status(LinkState.OFFLINE, 1, KAFKA_DOWN))
        w.freshness.clock = time.time
        w.ctx.centralChanged.emit(False, now - 95)
        p.refresh()
        save(w, "driver_queued_offline")

        # 2d. Kafka is back but Central does not answer: the request waits for Central, and the
        # driver may withdraw it ("Cancelar solicitud")
        w.ctx.link.update_producer("driver", producer_status(LinkState.CONNECTED, 0))
        w.ctx.cpStates.emit(local_network(now))
        w.central_status.clock = lambda: now + 10   # past the wait for heartbeats after Kafka returned
        w.central_status.tick()
        t2.apply(LinkChanged(producer_status(LinkState.CONNECTED, 0)), now)
        p.refresh()
        save(w, "driver_central_down")
        w.close()

        # 3. operator dashboard (signed in as operator1): 2,000 CPs in every state, live event log
        w = window("operator", 1440, 900)
        w.operator_session.accept(OperatorLogin("operator1", "op:operator1.-.-", now + 8 * 3600))
        w.ctx.link.update_producer("producer", producer_status(LinkState.CONNECTED, 0))
        w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
        w.ctx.centralChanged.emit(True, now)
        w.ctx.cpStates.emit(big_network(2000, now))   # as the CP directory delivers them
        w.grid.flush()
        events = [
            (now - 95, c.ChargeRequested(driver_id="driver12", token="-", request_id="r-12", cp_id="CP003")),
            (now - 94, c.ChargeAuthorized(driver_id="driver12", request_id="r-12", session_id="s-12",
                                          cp_id="CP003", location="-", price_eur_kwh=0.28,
                                          reservation_expires_at=now + 26)),
            (now - 81, c.SupplyStarted(cp_id="CP003", session_id="s-12", started_at=now - 81)),
            (now - 64, c.ChargeRequested(driver_id="driver7", token="-", request_id="r-7", cp_id=None)),
            (now - 63, c.ChargeAuthorized(driver_id="driver7", request_id="r-7", session_id="s-7",
                                          cp_id="CP002", location="-", price_eur_kwh=0.35,
                                          reservation_expires_at=now + 57)),
            (now - 52, c.SupplyInterrupted(driver_id="driver31", session_id="s-31", cp_id="CP005",
                                           reason="fault")),
            (now - 40, c.OperatorCommand(action="stop", cp_id="CP004", operator="operator1")),
            (now - 33, c.ChargeRequested(driver_id="driver9", token="-", request_id="r-9", cp_id="CP004")),
            (now - 33, c.ChargeDenied(driver_id="driver9", request_id="r-9", reason="cp_unavailable")),
            (now - 12, c.Ticket(driver_id="driver3", session_id="s-3", cp_id="CP017", started_at=now - 1500,
                                ended_at=now - 12, kwh=21.37, eur=5.34, price_eur_kwh=0.25,
                                outcome="completed")),
        ]
        w.log_model.clear()   # only the scene's events, not this script's own set-up
        w.log_model.add([e for e in (log_entry(body, ts) for ts, body in events) if e is not None])
        w.dashboard.select_cp("CP002")
        save(w, "operator_dashboard")

        # 3a. Parar on a charging CP asks first and names whose supply it ends
        charging = next(st.cp_id for st in big_network(2000, now) if st.state == "charging")
        capture_confirmation(w.dashboard, "operator_stop_confirm")
        w.dashboard.request_stop(charging)

        # 3b. Central stops answering (Kafka works): banner, greyed tiles, the outage in the log
        w.central_status.clock = lambda: now
        w.ctx.centralChanged.emit(False, now - 25)
        save(w, "central_down_dashboard")
        w.ctx.centralChanged.emit(True, now)

        # 3c. the operator workbench (issue 16): alerts inbox, suspect supplies, reports, timeline
        workbench_shots(w, now, save, settle)

        # 4. Kafka down (since 10 s ago): status bar red, events waiting in the outbox, the
        # dashboard says its data is from then and its countdowns stop there
        w.freshness.clock = lambda: now - 10      # the last CP states came just before the drop
        w.ctx.cpStates.emit(big_network(2000, now)[:1])
        w.ctx.link.update_producer("producer", producer_status(LinkState.OFFLINE, 3, KAFKA_DOWN))
        w.ctx.link.update_consumer("directory", LinkState.OFFLINE)
        w.freshness.clock = time.time
        w.ctx.centralChanged.emit(False, now - 10)   # its last heartbeat came just before
        save(w, "status_offline_window")
        save(w.statusBar(), "status_offline")

        # 5. the Kafka diagnostics dialog, opened as the Kafka indicator opens it
        for case in ("ok", "refused", "advertised"):
            diagnostics_dialog.run_diagnostics = diagnostics_replay(case)
            w.open_diagnostics()
            dialog = w._diagnostics
            QTest.qWaitForWindowExposed(dialog, 5000)
            deadline = time.monotonic() + 10
            while dialog.is_running() and time.monotonic() < deadline:
                settle(50)
            save(dialog, f"diagnostics_{case}")
            dialog.close()
            settle(100)
        w.close()
    finally:
        for top in app.topLevelWidgets():
            top.close()
        app.processEvents()
        shutil.rmtree(data_dir, ignore_errors=True)
    for path in saved:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0
