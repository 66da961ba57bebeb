"""Driver panel on the real broker, with the test playing Central: login failures as plain
messages; a whole supply as the driver sees it (queued → authorized → CARGANDO → ticket)."""
from __future__ import annotations

import asyncio
import time

import pytest

from ev_common import contract
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import make_state
from tests.desktop.kafka_support import ScriptedCentral, TopicWriter, read_envelopes
from tests.helpers import free_port

pytestmark = pytest.mark.kafka


def _login(panel, driver: str, password: str) -> None:
    panel.login.driver.setText(driver)
    panel.login.password.setText(password)
    panel.login.button.click()


def _close(qtbot, w: MainWindow) -> None:
    task = asyncio.ensure_future(w.session.close())
    qtbot.waitUntil(task.done, timeout=20000)
    w.ctx.close()


def test_login_failures_are_plain_messages(qtbot, qloop, kafka_broker, topics, data_dir):
    dead_port = free_port()
    w = MainWindow(AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{dead_port}",
                               topic_prefix=topics.prefix, role="driver"), data_dir)
    qtbot.addWidget(w)
    panel = w.driver_panel
    try:
        _login(panel, "driver1", "pass123")  # Central is down
        qtbot.waitUntil(lambda: bool(panel.login.error.text()), timeout=15000)
        assert panel.login.error.text().startswith("Imposible conectar con la CENTRAL")
        assert f"127.0.0.1:{dead_port}" in panel.login.error.text()
        assert "Traceback" not in panel.login.error.text()
        central = ScriptedCentral()
        central.start(dead_port)  # Central comes up; a wrong password is refused in plain words
        try:
            panel.login.error.clear()
            _login(panel, "driver1", "wrong")
            qtbot.waitUntil(lambda: bool(panel.login.error.text()), timeout=15000)
            assert panel.login.error.text() == "Usuario o contraseña incorrectos"
            assert panel.stack.currentIndex() == 0 and panel.login.button.isEnabled()
            _login(panel, "", "")
            assert "Escriba su identificador" in panel.login.error.text()
        finally:
            central.stop()
    finally:
        _close(qtbot, w)


def test_whole_supply_as_the_driver_sees_it(qtbot, qloop, kafka_broker, topics, data_dir):
    history = [{"session_id": "old1", "cp_id": "CP0001", "status": "finished", "created_at": time.time() - 86400,
                "started_at": time.time() - 86400, "ended_at": time.time() - 86000, "kwh": 5.5, "eur": 1.9,
                "price_eur_kwh": 0.35, "outcome": "completed"}]
    central = ScriptedCentral(history)
    port = central.start()
    writer = TopicWriter(kafka_broker)
    for i in range(1, 7):
        writer.send(topics.cp_state, make_state(i))  # CP0001 and CP0006... i%6 == 0/… mixed states
    w = MainWindow(AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{port}",
                               topic_prefix=topics.prefix, role="driver"), data_dir)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    panel = w.driver_panel
    try:
        _login(panel, "driver1", "pass123")
        qtbot.waitUntil(lambda: panel.stack.currentIndex() == 1, timeout=15000)
        assert "driver1" in panel.who.text()
        # the free list shows only available CPs, live
        qtbot.waitUntil(lambda: panel.free.cp_ids() == ["CP0006"], timeout=20000)
        writer.send(topics.cp_state, make_state(3, "available"))
        qtbot.waitUntil(lambda: panel.free.cp_ids() == ["CP0003", "CP0006"], timeout=15000)
        assert panel.select_cp("CP0003")
        panel.request_btn.click()
        qtbot.waitUntil(lambda: panel.supply.phase == "queued", timeout=5000)
        assert "Solicitud en cola para CP0003" in panel.supply.headline.text()
        req = read_envelopes(kafka_broker, topics.driver_requests, 1, timeout=30)[0].body
        assert isinstance(req, contract.ChargeRequested) and req.cp_id == "CP0003"

        # Central authorizes: reservation countdown
        writer.send(topics.driver_notifications, contract.ChargeAuthorized(
            driver_id="driver1", request_id=req.request_id, session_id="sess-1", cp_id="CP0003",
            location="Calle 3 nº 3, Alicante", price_eur_kwh=0.35, reservation_expires_at=time.time() + 120))
        # first message to this driver's brand-new consumer group: joining may take a while
        # on a busy machine
        qtbot.waitUntil(lambda: panel.supply.phase == "authorized", timeout=45000)
        assert panel.supply.headline.text() == "Autorizado en CP0003"
        assert "quedan 1:5" in panel.supply.detail.text() or "quedan 2:00" in panel.supply.detail.text()
        assert not panel.request_btn.isEnabled()

        # the car is plugged in: CARGANDO with live values and a chart
        started = time.time()
        writer.send(topics.driver_notifications, contract.SupplyStartedNotice(
            driver_id="driver1", session_id="sess-1", cp_id="CP0003", started_at=started))
        for k in range(1, 4):
            writer.send(topics.driver_notifications, contract.SupplyProgress(
                driver_id="driver1", session_id="sess-1", cp_id="CP0003", kw=7.0 + k, kwh=0.01 * k, eur=0.0035 * k))
        qtbot.waitUntil(lambda: panel.supply.kw.text() == "10.0 kW", timeout=15000)
        assert panel.supply.headline.text() == "CARGANDO ⚡ en CP0003"
        assert panel.supply.kwh.text() == "0.03 kWh" and panel.supply.eur.text() == "0.01 €"
        x, y = panel.supply.curve.getData()
        assert list(y) == [8.0, 9.0, 10.0] and panel.supply.plot.isVisible()

        # unplugged: the ticket
        writer.send(topics.driver_notifications, contract.Ticket(
            driver_id="driver1", session_id="sess-1", cp_id="CP0003", started_at=started, ended_at=time.time(),
            kwh=0.03, eur=0.0105, price_eur_kwh=0.35, outcome="completed"))
        qtbot.waitUntil(lambda: panel.supply.ticket.isVisible(), timeout=15000)
        assert panel.supply.headline.text() == "Suministro terminado en CP0003"
        ticket = panel.supply.ticket.text()
        assert "TICKET" in ticket and "0.03 kWh" in ticket and "0.01 €" in ticket and "completado" in ticket
        assert panel.request_btn.isEnabled()

        # history tab asks Central
        panel.tabs.setCurrentWidget(panel.history)
        qtbot.waitUntil(lambda: panel.history.table.rowCount() == 1, timeout=10000)
        assert panel.history.table.item(0, 1).text() == "CP0001"
        assert panel.history.table.item(0, 5).text() == "completado"
    finally:
        writer.close()
        _close(qtbot, w)
        central.stop()


def test_interrupted_supply_says_so(qtbot, qloop, kafka_broker, topics, data_dir):
    central = ScriptedCentral()
    port = central.start()
    writer = TopicWriter(kafka_broker)
    w = MainWindow(AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{port}",
                               topic_prefix=topics.prefix, role="driver"), data_dir)
    qtbot.addWidget(w)
    panel = w.driver_panel
    try:
        _login(panel, "driver1", "pass123")
        qtbot.waitUntil(lambda: panel.stack.currentIndex() == 1, timeout=15000)
        # a supply already running (e.g. after reopening the app): adopted and shown
        writer.send(topics.driver_notifications, contract.SupplyProgress(
            driver_id="driver1", session_id="s9", cp_id="CP0009", kw=11.0, kwh=1.0, eur=0.35))
        qtbot.waitUntil(lambda: panel.supply.phase == "charging", timeout=45000)
        writer.send(topics.driver_notifications, contract.SupplyInterrupted(
            driver_id="driver1", session_id="s9", cp_id="CP0009", reason="operator_stop"))
        qtbot.waitUntil(lambda: panel.supply.phase == "interrupted", timeout=15000)
        assert panel.supply.headline.text() == "Suministro interrumpido en CP0009"
        assert "parada por el operador" in panel.supply.detail.text()
        assert "Esperando el ticket final" in panel.supply.detail.text()
        # a denial of a new request shows the reason
        writer.send(topics.driver_notifications, contract.Ticket(
            driver_id="driver1", session_id="s9", cp_id="CP0009", started_at=0, ended_at=1, kwh=1.0, eur=0.35,
            price_eur_kwh=0.35, outcome="operator_stop"))
        qtbot.waitUntil(lambda: panel.supply.ticket.isVisibleTo(panel), timeout=15000)
        assert "parado por el operador" in panel.supply.ticket.text()
        rid = panel.request(None)
        assert rid
        writer.send(topics.driver_notifications, contract.ChargeDenied(
            driver_id="driver1", request_id=rid, reason="no_free_cp"))
        qtbot.waitUntil(lambda: panel.supply.phase == "denied", timeout=15000)
        assert "no hay ningún punto de carga libre" in panel.supply.detail.text()
    finally:
        writer.close()
        _close(qtbot, w)
        central.stop()


def test_reopened_app_shows_the_outcome_it_missed(qtbot, qloop, kafka_broker, topics, data_dir):
    """Closing the window mid-supply and reopening it shows how the supply ended (the core's
    consumer group resumes from its committed offset)."""
    central = ScriptedCentral()
    port = central.start()
    writer = TopicWriter(kafka_broker)
    settings = AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{port}",
                           topic_prefix=topics.prefix, role="driver")
    try:
        w1 = MainWindow(settings, data_dir)
        qtbot.addWidget(w1)
        _login(w1.driver_panel, "driver1", "pass123")
        qtbot.waitUntil(lambda: w1.driver_panel.stack.currentIndex() == 1, timeout=15000)
        writer.send(topics.driver_notifications, contract.SupplyStartedNotice(
            driver_id="driver1", session_id="s-reopen", cp_id="CP0011", started_at=time.time()))
        qtbot.waitUntil(lambda: w1.driver_panel.supply.phase == "charging", timeout=45000)
        _close(qtbot, w1)
        w1.close()

        # while the app is closed the supply goes on and ends
        writer.send(topics.driver_notifications, contract.SupplyProgress(
            driver_id="driver1", session_id="s-reopen", cp_id="CP0011", kw=7.0, kwh=2.5, eur=0.9))
        writer.send(topics.driver_notifications, contract.Ticket(
            driver_id="driver1", session_id="s-reopen", cp_id="CP0011", started_at=time.time() - 60,
            ended_at=time.time(), kwh=2.5, eur=0.9, price_eur_kwh=0.36, outcome="completed"))

        w2 = MainWindow(settings, data_dir)
        qtbot.addWidget(w2)
        _login(w2.driver_panel, "driver1", "pass123")
        panel = w2.driver_panel
        qtbot.waitUntil(lambda: panel.supply.ticket.isVisibleTo(panel), timeout=45000)
        assert panel.supply.headline.text() == "Suministro terminado en CP0011"
        assert "2.50 kWh" in panel.supply.ticket.text() and "0.90 €" in panel.supply.ticket.text()
        _close(qtbot, w2)
    finally:
        writer.close()
        central.stop()
