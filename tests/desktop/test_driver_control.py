"""The driver panel gives control and never surprises: the cancel button says what it undoes
and is enabled exactly when it applies; stopping a supply asks first; the selection is cleared
(not moved) when the chosen CP leaves the list; a local check is a neutral hint, not a red
denial; requests are disabled when the live list shows no free CP; Servicios ▸ Detener says
what happens to the supply in progress. Fast tests with the core's tracker (the real core goes
through a real broker and real processes in tests/e2e/test_driver_control.py)."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ev_common.contract import ChargeAuthorized, SupplyStartedNotice
from ev_common.kafka.status import LinkState
from ev_desktop.core.events import RequestCancelled, RequestQueued, StopRequested
from ev_desktop.core.tracker import SupplyTracker
from ev_desktop.main_window import MainWindow
from ev_desktop.models.freshness import Freshness
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import make_state

T0 = 1_800_000_000.0


class _Core:
    """What the panel uses of a DriverCore: its tracker and the undo intents (recorded)."""

    started = True

    def __init__(self) -> None:
        self.tracker = SupplyTracker("driver1")
        self.calls: list[str] = []
        self.requests: list[str | None] = []

    def cancel_current(self) -> str | None:
        what = self.tracker.can_cancel
        self.calls.append(what or "")
        if what == "request":
            self.tracker.apply(RequestCancelled(self.tracker.request_id, None))
        elif what == "supply":
            self.tracker.apply(StopRequested(self.tracker.session_id, None))
        return what

    def request_charge(self, cp_id):
        self.requests.append(cp_id)
        self.tracker.apply(RequestQueued(f"r{len(self.requests)}", cp_id, LinkState.CONNECTED, T0))
        return f"r{len(self.requests)}"


def _panel(qtbot, data_dir):
    w = MainWindow(AppSettings(bootstrap_servers="127.0.0.1:1", central="127.0.0.1:1", topic_prefix="t",
                               role="driver"), data_dir, start=False)
    qtbot.addWidget(w)
    core = w.session.core = _Core()
    panel = w.driver_panel
    panel.stack.setCurrentIndex(1)
    return w, panel, core


def _answer(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    def click() -> None:
        box = QApplication.activeModalWidget()
        seen.append(box.text())
        box.button(button).click()
    QTimer.singleShot(50, click)


def test_cancel_button_follows_the_phase(qtbot, data_dir, qloop):
    w, panel, core = _panel(qtbot, data_dir)
    btn = panel.supply.cancel_btn
    panel.refresh()
    assert not btn.isEnabled() and btn.isHidden()
    core.tracker.apply(RequestQueued("r1", "CP001", LinkState.OFFLINE, T0))
    panel.refresh()
    assert btn.isEnabled() and btn.text() == "Cancelar solicitud"
    btn.click()
    assert core.calls == ["request"] and panel.supply.headline.text() == "Cancelado"
    assert not btn.isEnabled()
    core.tracker.apply(RequestQueued("r2", "CP001", LinkState.CONNECTED, T0))
    core.tracker.apply(ChargeAuthorized(driver_id="driver1", request_id="r2", session_id="s2", cp_id="CP001",
                                        location="x", price_eur_kwh=0.3, reservation_expires_at=T0 + 30))
    panel.refresh()
    assert btn.text() == "Cancelar reserva" and btn.isEnabled()
    w.session.core = None


def test_stopping_a_supply_asks_first_and_a_no_sends_nothing(qtbot, data_dir, qloop):
    w, panel, core = _panel(qtbot, data_dir)
    core.tracker.apply(RequestQueued("r1", "CP003", LinkState.CONNECTED, T0))
    core.tracker.apply(ChargeAuthorized(driver_id="driver1", request_id="r1", session_id="s1", cp_id="CP003",
                                        location="x", price_eur_kwh=0.3, reservation_expires_at=T0 + 30))
    core.tracker.apply(SupplyStartedNotice(driver_id="driver1", session_id="s1", cp_id="CP003", started_at=T0))
    panel.refresh()
    btn = panel.supply.cancel_btn
    assert btn.text() == "Detener carga" and btn.isEnabled()
    seen: list[str] = []
    _answer(QMessageBox.StandardButton.No, seen)
    btn.click()
    assert core.calls == [] and "CP003" in seen[0]
    _answer(QMessageBox.StandardButton.Yes, seen)
    btn.click()
    assert core.calls == ["supply"]
    assert panel.supply.headline.text() == "Deteniendo la carga en CP003…"
    assert btn.text() == "Deteniendo…" and not btn.isEnabled()
    w.session.core = None


def test_selection_is_cleared_not_moved_when_the_chosen_cp_leaves(qtbot, data_dir, qloop):
    w, panel, core = _panel(qtbot, data_dir)
    panel.apply_states([make_state(i, "available") for i in (3, 4, 5)])
    assert panel.select_cp("CP0003")
    panel.apply_states([make_state(3, "reserved")])   # someone else took it
    qtbot.waitUntil(lambda: panel.selected_cp() is None, timeout=2000)
    assert not panel.cp_table.selectionModel().hasSelection()
    assert not panel.cp_table.currentIndex().isValid()
    panel.request_selected()        # nothing chosen: a hint, nothing sent, no "denegada"
    assert core.requests == [] and not panel.hint.isHidden()
    assert panel.hint.text().startswith("Seleccione primero un punto de carga")
    assert panel.supply.headline.text() == "Sin carga en curso"
    w.session.core = None


def test_requesting_clears_the_choice(qtbot, data_dir, qloop):
    w, panel, core = _panel(qtbot, data_dir)
    panel.apply_states([make_state(i, "available") for i in (3, 4)])
    panel.select_cp("CP0003")
    panel.request_btn.click()
    assert core.requests == ["CP0003"] and panel.selected_cp() is None
    w.session.core = None


def test_buttons_disabled_when_the_live_list_has_no_free_cp(qtbot, data_dir, qloop):
    w, panel, core = _panel(qtbot, data_dir)
    panel.show_freshness(Freshness("connected", T0, None, T0))
    panel.mark_caught_up()
    assert panel.free_count.text() == "0 libres"
    assert not panel.request_btn.isEnabled() and not panel.any_btn.isEnabled()
    panel.apply_states([make_state(4, "available")])
    assert panel.request_btn.isEnabled() and panel.any_btn.isEnabled()
    # a stale list (Kafka down) proves nothing: a request may still be queued for Central
    panel.apply_states([make_state(4, "charging")])
    panel.show_freshness(Freshness("offline", T0, T0, T0))
    assert panel.any_btn.isEnabled()
    w.session.core = None


def test_services_stop_says_the_running_supply_goes_on(qtbot, data_dir, qloop):
    w, panel, core = _panel(qtbot, data_dir)
    core.tracker.apply(RequestQueued("r1", "CP001", LinkState.CONNECTED, T0))
    seen: list[str] = []
    _answer(QMessageBox.StandardButton.No, seen)
    panel.stop_services()
    assert "¿Detener también el suministro en curso" in seen[0]
    assert core.calls == []
    assert panel.services.status.text() == "Servicios detenidos; el suministro en curso continúa hasta su final."
    _answer(QMessageBox.StandardButton.Yes, seen)
    panel.stop_services()
    assert core.calls == ["request"]
    assert panel.services.status.text() == "Servicios detenidos; el suministro en curso se detiene."
    w.session.core = None


def test_services_progress_has_no_count_before_a_file(qtbot):
    from ev_desktop.views.services_view import ServicesView

    v = ServicesView()
    qtbot.addWidget(v)
    assert v.progress.isHidden()


def test_history_totals_and_numeric_sort(qtbot):
    from PySide6.QtCore import Qt

    from ev_desktop.views.history_view import HistoryView

    v = HistoryView()
    qtbot.addWidget(v)
    v.show_rows([{"session_id": "a" * 32, "cp_id": "CP001", "location": "C/ Mayor 1, Alicante", "status": "billed",
                  "started_at": T0, "kwh": 9.0, "eur": 2.7, "outcome": "completed"},
                 {"session_id": "b" * 32, "cp_id": "CP002", "status": "billed", "started_at": T0 + 60, "kwh": 10.5,
                  "eur": 3.15, "outcome": "completed"}])
    assert v.totals.text() == "Total: 19.50 kWh, 5.85 €"
    v.table.sortItems(3, Qt.SortOrder.AscendingOrder)     # 9.00 before 10.50 (numbers, not text)
    assert [v.table.item(r, 3).text() for r in range(2)] == ["9.00", "10.50"]
    assert v.table.item(0, 2).text() == "C/ Mayor 1, Alicante"   # where it happened
    assert v.table.item(1, 2).text() == "—"                       # an older Central gave no place
    assert v.table.item(0, 6).toolTip() == "a" * 32       # the whole session id is there


def test_ticket_can_be_copied(qtbot, qapp):
    from ev_common.contract import Ticket
    from ev_desktop.views.supply_view import SupplyView

    t = SupplyTracker("driver1")
    t.apply(Ticket(driver_id="driver1", session_id="s-1", cp_id="CP003", started_at=T0, ended_at=T0 + 60,
                   kwh=1.25, eur=0.38, price_eur_kwh=0.3, outcome="completed"), now=T0 + 60)
    v = SupplyView()
    qtbot.addWidget(v)
    v.render(t, now=T0 + 60)
    assert not v.ticket_buttons.isHidden()
    v.copy_ticket_btn.click()
    text = qapp.clipboard().text()
    assert "TICKET s-1" in text and "Energía: 1.25 kWh" in text and "Total: 0.38 €" in text
    assert v.copy_ticket_btn.text() == "Copiado"


def test_free_list_sorts_by_price_as_a_number_and_selection_follows_the_cp(qtbot, data_dir, qloop):
    from PySide6.QtCore import Qt

    w, panel, core = _panel(qtbot, data_dir)
    panel.apply_states([make_state(i, "available") for i in (1, 2, 3, 4)])
    panel.cp_table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    prices = [panel.free_sorted.index(r, 2).data() for r in range(4)]
    assert prices == sorted(prices, key=lambda t: float(t.split()[0]))
    assert panel.select_cp("CP0003") and panel.selected_cp() == "CP0003"
    w.session.core = None


def test_the_end_of_the_drivers_supply_is_announced(qtbot, data_dir, qloop, monkeypatch):
    from dataclasses import replace

    from PySide6.QtWidgets import QApplication

    from ev_common.contract import Ticket

    beeps: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: beeps.append(1)))
    w, panel, core = _panel(qtbot, data_dir)
    core.tracker.apply(RequestQueued("r1", "CP003", LinkState.CONNECTED, T0))
    core.tracker.apply(ChargeAuthorized(driver_id="driver1", request_id="r1", session_id="s1", cp_id="CP003",
                                        location="x", price_eur_kwh=0.3, reservation_expires_at=T0 + 30))
    ticket = Ticket(driver_id="driver1", session_id="s1", cp_id="CP003", started_at=T0, ended_at=T0 + 60,
                    kwh=1.25, eur=0.38, price_eur_kwh=0.3, outcome="completed")
    core.tracker.apply(ticket)
    w.session.driverEvent.emit(ticket)
    assert w.statusBar().currentMessage() == "Suministro terminado en CP003: 1.25 kWh, 0.38 €"
    assert beeps == [1]                                   # sound on by default
    w.settings = replace(w.settings, sound="off")         # Ajustes ▸ "Aviso sonoro…" unticked
    w.statusBar().clearMessage()
    w.session.driverEvent.emit(ticket)
    assert w.statusBar().currentMessage() == "Suministro terminado en CP003: 1.25 kWh, 0.38 €"
    assert beeps == [1]                                   # told, silently
    w.session.core = None
