"""Solicitar Carga with the outbox's disk full (a real size-limited tmpfs): the request is
refused with a plain message in the panel (nothing raises out of the Qt slot — pytest-qt fails
a test on any exception in a slot), nothing is queued; once space is freed the next request
is saved and reaches Kafka. The headless ``ev-driver`` says the same sentence."""
from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from ev_common import contract
from ev_desktop.main_window import MainWindow
from ev_desktop.settings_store import AppSettings
from tests.desktop.helpers_desktop import make_state
from tests.desktop.kafka_support import ScriptedCentral, TopicWriter, read_envelopes
from tests.fs_support import Ballast, small_fs
from tests.helpers import REPO

pytestmark = pytest.mark.kafka

DISK_FULL = "No se pudo guardar la solicitud: disco lleno — libere espacio y vuelva a intentarlo"


def test_request_with_disk_full_is_refused_in_plain_words(qtbot, qloop, kafka_broker, topics, tmp_path):
    central = ScriptedCentral()
    port = central.start()
    TopicWriter(kafka_broker).send(topics.cp_state, make_state(6))
    with small_fs(tmp_path / "small", "2m") as fs:
        w = MainWindow(AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{port}",
                                   topic_prefix=topics.prefix, role="driver"), fs / "data")
        qtbot.addWidget(w)
        panel = w.driver_panel
        ballast = Ballast(fs / "ballast")
        try:
            panel.login.driver.setText("driver1")
            panel.login.password.setText("pass123")
            panel.login.button.click()
            qtbot.waitUntil(lambda: panel.stack.currentIndex() == 1, timeout=15000)
            qtbot.waitUntil(lambda: w.session.core is not None and w.session.core.started, timeout=15000)
            # With Kafka up and an empty outbox, the driver puts a request on the wire while its
            # outbox commit runs; if Kafka acknowledges it before that commit fails, the request
            # is truthfully "sent" (tests/test_producer_unstored.py) — a race this test lost on a
            # loaded CI machine. The refusal is the case where it was not on the wire first:
            core = w.session.core
            core._producer._outbox.on_staged = None  # noqa: SLF001 - the commit decides alone
            ballast.fill()
            queued_before = core.link_status().queued
            panel.any_btn.click()  # the user's click: the slot must not raise
            assert panel.supply.detail.text() == DISK_FULL
            assert panel.session.tracker is None or not panel.session.tracker.active
            assert w.session.core.link_status().queued == queued_before  # nothing half-queued
            ballast.release()
            panel.any_btn.click()
            qtbot.waitUntil(lambda: panel.supply.phase == "queued", timeout=5000)
            reqs = read_envelopes(kafka_broker, topics.driver_requests, 1, timeout=30)
            assert len(reqs) == 1 and isinstance(reqs[0].body, contract.ChargeRequested)
        finally:
            ballast.release()
            task = asyncio.ensure_future(w.session.close())
            qtbot.waitUntil(task.done, timeout=20000)
            w.ctx.close()
            central.stop()


def test_headless_driver_says_disk_full(kafka_broker, topics, tmp_path):
    central = ScriptedCentral()
    port = central.start()
    try:
        with small_fs(tmp_path / "small", "2m") as fs:
            data = fs / "data"
            data.mkdir()
            # the outbox exists (a first run), then the disk fills up
            first = subprocess.run([sys.executable, "-m", "ev_desktop.headless", "--bootstrap-servers",
                                    kafka_broker, "--topic-prefix", topics.prefix, "--central",
                                    f"127.0.0.1:{port}", "--driver-id", "driver1", "--demo",
                                    "--data-dir", str(data), "--cp", "CP001", "--supply-timeout", "1"],
                                   cwd=REPO, capture_output=True, text=True, timeout=120)
            assert "Solicitud en cola" in first.stdout, first.stdout + first.stderr
            ballast = Ballast(fs / "ballast")
            ballast.fill()
            done = subprocess.run([sys.executable, "-m", "ev_desktop.headless", "--bootstrap-servers",
                                   kafka_broker, "--topic-prefix", topics.prefix, "--central",
                                   f"127.0.0.1:{port}", "--driver-id", "driver1", "--demo",
                                   "--data-dir", str(data), "--cp", "CP001", "--supply-timeout", "1"],
                                  cwd=REPO, capture_output=True, text=True, timeout=120)
            ballast.release()
        out = done.stdout + done.stderr
        assert DISK_FULL in out, out
        assert "Traceback" not in out, out
        assert done.returncode != 0
    finally:
        central.stop()


def test_corrupt_outbox_is_set_aside_and_the_driver_warned(qtbot, qloop, kafka_broker, topics, data_dir):
    """A corrupt outbox no longer blocks login with a raw sqlite error: it is kept aside, a
    fresh one is used, and the panel says that what waited in it was not sent."""
    box = data_dir / "driver-driver1" / "outbox.sqlite3"
    box.parent.mkdir(parents=True)
    box.write_bytes(b"garbage, not a database " * 100)
    central = ScriptedCentral()
    port = central.start()
    w = MainWindow(AppSettings(bootstrap_servers=kafka_broker, central=f"127.0.0.1:{port}",
                               topic_prefix=topics.prefix, role="driver"), data_dir)
    qtbot.addWidget(w)
    panel = w.driver_panel
    try:
        panel.login.driver.setText("driver1")
        panel.login.password.setText("pass123")
        panel.login.button.click()
        qtbot.waitUntil(lambda: panel.stack.currentIndex() == 1, timeout=15000)
        qtbot.waitUntil(lambda: "cola de envío local estaba dañada" in panel.supply.detail.text(), timeout=10000)
        kept = list(box.parent.glob("outbox.sqlite3.corrupt-*"))
        assert len(kept) == 1 and kept[0].read_bytes().startswith(b"garbage")
        assert str(kept[0]) in panel.supply.detail.text()
        panel.any_btn.click()  # the fresh outbox works
        qtbot.waitUntil(lambda: panel.supply.phase == "queued", timeout=5000)
    finally:
        task = asyncio.ensure_future(w.session.close())
        qtbot.waitUntil(task.done, timeout=20000)
        w.ctx.close()
        central.stop()
