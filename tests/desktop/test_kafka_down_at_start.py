"""The field failure seen from the UI: the app starts while Kafka is unreachable.

The status bar says so, a driver request and an operator command are queued ("N eventos en
cola", "Esperando a Kafka…"), then the broker starts: the indicator turns connected and both
messages are on their topics — nothing was dropped, nobody restarted anything.
"""
from __future__ import annotations

import threading

import pytest

from ev_common.kafka.admin import ensure_topics
from ev_common.topics import Topics
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from ev_desktop.views.status_widgets import LINK_COLORS
from tests.desktop.helpers_desktop import sign_in_through_form
from tests.desktop.kafka_support import ScriptedCentral, read_envelopes
from tests.helpers import start_private_broker

pytestmark = pytest.mark.kafka


def test_kafka_down_at_start_then_delivered(qtbot, qloop, tmp_path, data_dir):
    broker = start_private_broker(tmp_path)  # configured, NOT started
    bootstrap = broker.config.bootstrap
    central = ScriptedCentral()
    port = central.start()
    topics = Topics("fieldfail")
    settings = AppSettings(bootstrap_servers=bootstrap, central=f"127.0.0.1:{port}", topic_prefix=topics.prefix)
    w = MainWindow(settings, data_dir)
    qtbot.addWidget(w)
    w.show()
    try:
        qtbot.waitUntil(lambda: "Kafka: sin conexión" in w.kafka_indicator.text(), timeout=15000)
        assert bootstrap in w.kafka_indicator.text()
        assert w.kafka_indicator.dot.color() == LINK_COLORS["offline"]

        # the operator signs in (Central is up) and stops a CP: queued durably, visible in the status bar
        sign_in_through_form(qtbot, w)
        w.send_command("stop", "CP0042")
        qtbot.waitUntil(lambda: "1 evento en cola" in w.kafka_indicator.text(), timeout=5000)
        assert "en cola" in w.log_model.entries()[0].text

        # a driver logs in (Central works, Kafka does not) and asks for a supply
        panel = w.driver_panel
        panel.login.driver.setText("driver1")
        panel.login.password.setText("pass123")
        panel.login.button.click()
        qtbot.waitUntil(lambda: panel.stack.currentIndex() == 1, timeout=15000)
        panel.any_btn.click()
        qtbot.waitUntil(lambda: "Solicitud en cola" in panel.supply.headline.text(), timeout=5000)
        assert "Esperando a Kafka — se enviará en cuanto haya conexión" in panel.supply.detail.text()
        qtbot.waitUntil(lambda: "2 eventos en cola" in w.kafka_indicator.text(), timeout=5000)

        # Kafka comes up (started off the Qt thread; the app keeps running meanwhile)
        started = threading.Event()

        def start_broker() -> None:
            broker.start(timeout=120)
            ensure_topics(bootstrap, topics)
            started.set()
        threading.Thread(target=start_broker, daemon=True).start()
        qtbot.waitUntil(started.is_set, timeout=150000)
        qtbot.waitUntil(lambda: "Kafka: conectado" in w.kafka_indicator.text(), timeout=60000)
        qtbot.waitUntil(lambda: "0 eventos en cola" in w.kafka_indicator.text(), timeout=60000)
        assert w.kafka_indicator.dot.color() == LINK_COLORS["connected"]
        # the request left; this test's Central answers logins but publishes no heartbeat, so once
        # Kafka works the panel says that Central is not answering (not merely "sending")
        qtbot.waitUntil(lambda: "La CENTRAL no responde" in panel.supply.detail.text(), timeout=30000)

        cmds = read_envelopes(bootstrap, topics.operator_commands, 1, timeout=30)
        assert [(e.body.action, e.body.cp_id, e.body.operator) for e in cmds] == [("stop", "CP0042", "operator1")]
        assert cmds[0].body.token.startswith("op:operator1.")
        reqs = read_envelopes(bootstrap, topics.driver_requests, 1, timeout=30)
        assert len(reqs) == 1 and reqs[0].body.driver_id == "driver1" and reqs[0].body.cp_id is None
        assert reqs[0].body.request_id == panel.session.tracker.request_id
    finally:
        qloop.run_until_complete  # noqa: B018  (keep the fixture alive until here)
        import asyncio
        task = asyncio.ensure_future(w.session.close())
        qtbot.waitUntil(task.done, timeout=20000)
        w.ctx.close()
        central.stop()
        broker.stop()
