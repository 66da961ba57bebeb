"""Suspect supplies and reports end to end: real broker, real Central, the operator app.

A supply goes silent → it is listed as suspect → the operator closes it with a reason → the
driver's ticket (billed from the last telemetry) is on Kafka, the CP is told to stop, the close
is audited; the reports page and chart show Central's numbers."""
from __future__ import annotations

from ev_common import contract as c
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.central.support import login
from tests.desktop.helpers_desktop import sign_in_through_form


def _operator_app(qtbot, tmp_path, svc, kafka_broker, prefix) -> MainWindow:
    s = AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{svc.port}", topic_prefix=prefix,
                    role="operator")
    w = MainWindow(s, tmp_path / "app", start=False)
    qtbot.addWidget(w)
    sign_in_through_form(qtbot, w)
    return w


def _charging_supply(central, svc) -> str:
    k, t = central.kafka, central.topics
    central.monitor(svc, "CP001")
    k.wait_state("CP001", "available")
    token = login(svc.port)
    k.send(t.driver_requests, c.ChargeRequested(driver_id="driver1", token=token, request_id="r1", cp_id="CP001"))
    sid = k.wait(c.ChargeAuthorized, request_id="r1").session_id
    k.send(t.cp_events, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=1000.0))
    k.send(t.cp_events, c.Telemetry(cp_id="CP001", session_id=sid, seq=1, kw=11.0, kwh=0.5, eur=0.15))
    k.wait(c.SupplyProgress, session_id=sid, kwh=0.5)
    return sid


def test_silent_supply_closed_by_the_operator_bills_last_telemetry_and_driver_gets_ticket(
        central, qtbot, qloop, tmp_path, kafka_broker):
    svc = central(alert_silent_supply=1.0, alert_interval=0.2)
    sid = _charging_supply(central, svc)
    w = _operator_app(qtbot, tmp_path, svc, kafka_broker, central.topics.prefix)
    view = w.workbench.suspects

    def listed() -> bool:
        view.refreshRequested.emit()   # one query at a time (exclusive): no flood of links
        return any(r["session_id"] == sid and "silent" in r["reasons"] for r in view.model.rows)
    qtbot.waitUntil(listed, timeout=40000)
    view.table.selectRow(next(i for i, r in enumerate(view.model.rows) if r["session_id"] == sid))
    view.ask_reason = lambda _sid: "sin telemetría, el conductor se fue"
    assert view.ask_close()

    k = central.kafka
    # wait pumping Qt events: the app's request goes out on the qasync loop
    qtbot.waitUntil(lambda: bool(k.bodies(c.Ticket, session_id=sid)), timeout=30000)
    ticket = k.bodies(c.Ticket, session_id=sid)[0]
    assert (ticket.driver_id, ticket.kwh, ticket.eur, ticket.outcome) == ("driver1", 0.5, 0.15, "operator_stop")
    central.kafka.wait(c.StopSupply, session_id=sid, reason="operator_stop")
    central.kafka.wait_state("CP001", "available")
    def gone() -> bool:
        view.refreshRequested.emit()
        return not any(r["session_id"] == sid for r in view.model.rows)
    qtbot.waitUntil(gone, timeout=30000)
    qtbot.waitUntil(lambda: any(e["action"] == "close_supply" and e["target"] == sid
                                for e in w.workbench.audit.model.entries), timeout=30000)
    # the timeline of that supply, from Central's records, ready to copy for a dispute
    view.timelineRequested.emit(sid)
    qtbot.waitUntil(lambda: w.workbench.timeline is not None and w.workbench.timeline.isVisible(), timeout=30000)
    text = w.workbench.timeline.as_text()
    kinds = [e["kind"] for e in w.workbench.timeline.data["events"]]
    assert kinds.index("requested") < kinds.index("authorized") < kinds.index("supply_started") \
        < kinds.index("operator_closed") < kinds.index("ticket")
    assert "sin telemetría, el conductor se fue" in text and "0.500 kWh, 0.15 €" in text
    w.workbench.timeline.copy()
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == text


def test_reports_page_and_daily_chart_show_centrals_numbers(central, qtbot, qloop, tmp_path, kafka_broker):
    from central_service.db import Supply

    svc = central()
    day0 = 1_700_006_400.0

    def seed() -> None:
        for i, (cp, at, kwh) in enumerate((("CP001", day0 + 60, 10.0), ("CP002", day0 + 7200, 4.0),
                                           ("CP001", day0 + 86400 + 60, 2.0))):
            Supply.create(id=f"h{i}", driver_id="driver1", cp_id=cp, status="finished", created_at=at,
                          price_eur_kwh=0.5, kwh=kwh, eur=kwh * 0.5, outcome="completed")
    svc.call(seed)
    w = _operator_app(qtbot, tmp_path, svc, kafka_broker, central.topics.prefix)
    rv = w.workbench.reports
    rv.filter_args = lambda: {"date_from": day0, "date_to": day0 + 2 * 86400}   # a fixed range, not today's
    rv.run()
    qtbot.waitUntil(lambda: rv.total == 3 and len(rv.buckets) >= 2, timeout=30000)
    assert [r["id"] for r in rv.model.rows] == ["h2", "h1", "h0"]      # newest first
    assert sum(b["kwh"] for b in rv.buckets) == 16.0 and sum(b["eur"] for b in rv.buckets) == 8.0
    rv.sort_by(rv.model.columns.index(next(col for col in rv.model.columns if col[0] == "kwh")))
    qtbot.waitUntil(lambda: [r["id"] for r in rv.model.rows] == ["h0", "h1", "h2"], timeout=30000)
    # CSV export from the app: the same filter, every matching row, through Central's pages
    out = tmp_path / "export.csv"
    done: list = []
    w.workbench.controller.export_csv(rv.filter_args(), str(out), lambda n, t: done.append((n, t)), done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    assert done == [(3, 3)]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,cp_id,driver_id") and [ln.split(",")[0] for ln in lines[1:]] == ["h0", "h1", "h2"]
