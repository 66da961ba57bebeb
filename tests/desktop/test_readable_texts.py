"""Texts a user can read: the singular "1 evento en cola", event-log lines readable (wide
enough, full text in the tooltip), the ticket without a live-power tile, readable disabled
buttons, and a queued request explained in plain words."""
from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt

from ev_common import contract as c
from ev_common.kafka.status import LinkState, ProducerStatus
from ev_desktop.core.events import RequestQueued
from ev_desktop.core.tracker import SupplyTracker
from ev_desktop.main_window import MainWindow
from ev_desktop.models.event_log import EventLogModel, LogEntry
from ev_desktop.settings_store import AppSettings
from ev_desktop.models.event_text import log_entry
from ev_desktop.views.operator_dashboard import typical_log_lines
from ev_desktop.models.link import LinkSummary
from ev_desktop.views.status_widgets import KafkaIndicator
from ev_desktop.views.supply_view import SupplyView, fmt_wait
from tests.desktop.helpers_desktop import make_state, sign_in_operator

REPO = Path(__file__).resolve().parents[2]


def _window(qtbot, data_dir, role: str = "operator") -> MainWindow:
    w = MainWindow(AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t",
                               role=role), data_dir, start=False)
    qtbot.addWidget(w)
    return w


# ---------------------------------------------------------------- 1. plural
def test_one_queued_event_is_singular(qtbot):
    ind = KafkaIndicator()
    qtbot.addWidget(ind)
    ind.set_summary(LinkSummary("offline", "h:1", 1))
    assert ind.text().endswith("— 1 evento en cola")
    ind.set_summary(LinkSummary("offline", "h:1", 2))
    assert ind.text().endswith("— 2 eventos en cola")
    ind.set_summary(LinkSummary("connected", "h:1", 0))
    assert ind.text().endswith("— 0 eventos en cola")


def test_one_queued_event_is_singular_in_english(qtbot, qapp):
    from ev_desktop.app import install_translator

    tr = install_translator(qapp, "en")
    assert tr is not None
    try:
        ind = KafkaIndicator()
        qtbot.addWidget(ind)
        ind.set_summary(LinkSummary("offline", "h:1", 1))
        assert ind.text().endswith("— 1 event queued")
        ind.set_summary(LinkSummary("offline", "h:1", 3))
        assert ind.text().endswith("— 3 events queued")
    finally:
        qapp.removeTranslator(tr)


# ---------------------------------------------------------------- 2. event log
def test_event_log_rows_have_the_full_text_as_tooltip(qtbot):
    log = EventLogModel()
    ts = time.mktime((2026, 11, 29, 10, 42, 13, 0, 0, -1))
    text = "driver9 denegado: el punto de carga no está disponible"
    log.add([LogEntry(text, "denied", ts)])
    tip = log.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == f"29/11/2026 10:42:13  {text}"


def test_typical_event_log_lines_fit_at_1440_px(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir)
    sign_in_operator(w)  # the dashboard is shown only to a signed-in operator
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    dash = w.dashboard
    assert dash is not None
    now = time.time()
    lines = [log_entry(b, now) for b in (
        c.ChargeDenied(driver_id="driver9", request_id="r", reason="cp_unavailable"),
        c.Ticket(driver_id="driver3", session_id="s", cp_id="CP017", started_at=now - 60, ended_at=now,
                 kwh=21.37, eur=5.34, price_eur_kwh=0.25, outcome="completed"))]
    w.log_model.add([e for e in lines if e is not None])
    view = dash.log_view
    qtbot.waitUntil(lambda: view.viewport().width() > 0, timeout=2000)
    fm = view.fontMetrics()
    for row in range(w.log_model.rowCount()):
        shown = w.log_model.index(row).data()
        assert fm.horizontalAdvance(shown) + 8 <= view.viewport().width(), shown
    assert all(fm.horizontalAdvance(t) + 8 <= view.viewport().width() for t in typical_log_lines())
    # the grid keeps most of the window, and its tiles fill whole rows (no lost column)
    w.ctx.cpStates.emit([make_state(i, "available") for i in range(1, 21)])
    w.grid.flush()
    width = dash.view.viewport().width()
    first_row = sum(1 for r in range(20) if dash.view.visualRect(dash.proxy.index(r, 0)).top() == 0)
    assert first_row == (width - 1) // 176 and first_row >= 5


# ---------------------------------------------------------------- 3. ticket
def _finished_tracker(now: float) -> SupplyTracker:
    t = SupplyTracker("driver1")
    t.apply(c.SupplyStartedNotice(driver_id="driver1", session_id="s1", cp_id="CP003", started_at=now - 240), now - 240)
    t.apply(c.SupplyProgress(driver_id="driver1", session_id="s1", cp_id="CP003", kw=10.9, kwh=0.7, eur=0.2), now - 1)
    t.apply(c.Ticket(driver_id="driver1", session_id="s1", cp_id="CP003", started_at=now - 240, ended_at=now,
                     kwh=0.71, eur=0.20, price_eur_kwh=0.28, outcome="completed"), now)
    return t


def test_ticket_screen_shows_the_tickets_figures_without_live_power(qtbot):
    view = SupplyView()
    qtbot.addWidget(view)
    now = time.time()
    t = _finished_tracker(now)
    view.render(t, now)
    assert view.values.isVisibleTo(view)
    assert not view.tiles["kw"].isVisibleTo(view)             # no "Potencia 0.0 kW"
    assert view.tiles["kwh"].isVisibleTo(view) and view.kwh.text() == "0.71 kWh"
    assert view.tiles["eur"].isVisibleTo(view) and view.eur.text() == "0.20 €"
    assert view.tiles["price"].isVisibleTo(view) and view.price.text() == "0.28 €/kWh"
    ticket = view.ticket.text()
    for part in ("Inicio", "Fin", "0.71 kWh", "0.28 €/kWh", "0.20 €", "completado",
                 time.strftime("%H:%M:%S", time.localtime(now - 240)), time.strftime("%H:%M:%S", time.localtime(now))):
        assert part in ticket


def test_live_power_tile_only_while_charging(qtbot):
    view = SupplyView()
    qtbot.addWidget(view)
    now = time.time()
    t = SupplyTracker("driver1")
    t.apply(c.SupplyProgress(driver_id="driver1", session_id="s1", cp_id="CP003", kw=10.9, kwh=0.7, eur=0.2), now)
    view.render(t, now)
    assert view.tiles["kw"].isVisibleTo(view) and view.kw.text() == "10.9 kW"
    assert not view.tiles["price"].isVisibleTo(view)
    t.apply(c.SupplyInterrupted(driver_id="driver1", session_id="s1", cp_id="CP003", reason="fault"), now + 1)
    view.render(t, now + 1)
    assert not view.tiles["kw"].isVisibleTo(view) and view.kwh.text() == "0.70 kWh"


# ---------------------------------------------------------------- 4. disabled buttons
def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_disabled_request_buttons_are_readable():
    qss = (REPO / "assets" / "styles" / "app.qss").read_text(encoding="utf-8")
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", qss, flags=re.S)))
    disabled = next(body for sel, body in rules.items() if "QPushButton#requestCharge:disabled" in sel)
    enabled = next(body for sel, body in rules.items()
                   if "QPushButton#requestCharge" in sel and ":disabled" not in sel)
    color = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", disabled).group(1)
    background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", disabled).group(1)
    assert _contrast(color, background) >= 4.5
    # still clearly disabled: not the green of the enabled button
    assert background.lower() != re.search(r"background:\s*(#[0-9a-fA-F]{6})", enabled).group(1).lower()


# ---------------------------------------------------------------- 6. queued request
def test_queued_request_says_what_is_happening_and_for_how_long(qtbot, data_dir, qloop):
    w = _window(qtbot, data_dir, role="driver")
    panel = w.driver_panel
    queued_at = time.mktime((2026, 11, 29, 10, 42, 13, 0, 0, -1))
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r-1", "CP004", LinkState.OFFLINE, queued_at), queued_at)
    w.session.core = SimpleNamespace(tracker=t, started=True, driver_id="driver1")
    panel._on_logged_in("driver1")
    info = panel.supply.queued_info
    assert info.isVisibleTo(panel)
    panel.supply.render(t, now=queued_at + 95)
    text = info.text()
    assert "CP004" in text and "10:42:13" in text and "1 min 35 s" in text
    assert "guardada en el disco" in text and "vuelva la conexión con Kafka" in text
    # the waiting time moves by itself (once a second), so the app never looks frozen
    assert panel._countdown.isActive()
    before = info.text()
    qtbot.waitUntil(lambda: info.text() != before, timeout=3000)
    # answered: the explanation goes away
    t.apply(c.ChargeAuthorized(driver_id="driver1", request_id="r-1", session_id="s1", cp_id="CP004",
                               location="Pl. Luceros 3", price_eur_kwh=0.42,
                               reservation_expires_at=time.time() + 120))
    panel.refresh()
    assert not info.isVisibleTo(panel)


def test_queued_request_when_kafka_is_up(qtbot):
    view = SupplyView()
    qtbot.addWidget(view)
    now = time.time()
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r-1", None, LinkState.OFFLINE, now), now)
    from ev_desktop.core.events import LinkChanged
    t.apply(LinkChanged(ProducerStatus(state=LinkState.CONNECTED, last_error=None, queued=0, bootstrap="h:1",
                                       since=now)), now)
    view.render(t, now + 4)
    assert "cualquier CP libre" in view.queued_info.text()
    assert "sale hacia la CENTRAL" in view.queued_info.text()
    assert fmt_wait(4) == "4 s" and fmt_wait(3725) == "1 h 02 min"


def test_history_count_is_singular_for_one_supply(qtbot):
    from ev_desktop.views.history_view import HistoryView

    view = HistoryView()
    qtbot.addWidget(view)
    row = {"started_at": 1_795_900_000.0, "cp_id": "CP001", "kwh": 1.5, "eur": 0.45,
           "outcome": "completed", "session_id": "abc"}
    view.show_rows([row])
    assert view.status.text() == "1 suministro"
    view.show_rows([row, row])
    assert view.status.text() == "2 suministros"
