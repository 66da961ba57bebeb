"""Kafka goes down in the middle of a supply: telemetry and the final report wait in the
Engine's outbox and arrive after the broker is back — in order, once."""
from __future__ import annotations

import re

import pytest

from ev_common import contract as c
from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.cp.support import Commands, EventLog, MonitorFacingCentral, engine_proc, monitor_proc, no_traceback
from tests.helpers import start_private_broker, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
CP = "CP001"


def _queued(engine) -> int:
    """Ask the Engine's menu for its status line; the outbox count it prints."""
    engine.send_line("s")
    found = re.findall(r"(\d+) evento\(s\) en cola local", engine.output())
    return int(found[-1]) if found else 0


def test_telemetry_and_final_report_survive_a_kafka_outage(tmp_path, data_dir):
    broker = start_private_broker(tmp_path)
    bootstrap = broker.start(timeout=120)
    topics = Topics(prefix="outage")
    ensure_topics(bootstrap, topics)
    central = MonitorFacingCentral().start()
    port = free_port()
    engine = engine_proc("engine", tmp_path, bootstrap, topics, data_dir, port)
    monitor = monitor_proc("monitor", tmp_path, port, central, CP, data_dir=data_dir)
    commands = Commands(bootstrap, topics)
    try:
        engine.wait_output("Monitor conectado:", 30)
        engine.wait_output("Kafka conectado", 30)
        commands.authorize(CP, "S-out")
        engine.wait_output("AUTORIZADO", 40)
        engine.send_line("p")
        engine.wait_output("ENCHUFADO")
        before = EventLog(bootstrap, topics.cp_events)
        try:  # a few telemetry ticks delivered before the outage
            before.wait_for(c.Telemetry, lambda t: t.session_id == "S-out", count=2, timeout=30)
        finally:
            before.close()
        commands.close()
        broker.stop()
        engine.wait_output("Kafka no disponible", 30)
        # a few ticks queued in the Engine's outbox during the outage (its own status line says)
        wait_until(lambda: _queued(engine) >= 3, 30, interval=0.5, message="telemetry queued in the outbox")
        engine.send_line("u")
        engine.wait_output("FINALIZADO")
        # the final report waits in the outbox too: the status line printed after it (only the
        # output from here on — earlier lines may say 0, and "10 evento(s)" contains "0 evento(s)")
        seen = len(engine.output())
        engine.send_line("s")
        wait_until(lambda: re.search(r"(\d+) evento\(s\) en cola local", engine.output()[seen:]), 10,
                   message="status line after the final report")
        after = int(re.findall(r"(\d+) evento\(s\) en cola local", engine.output()[seen:])[-1])
        assert after >= 4, f"{after} event(s) queued: the final report is not waiting in the outbox"

        broker.start(timeout=120)
        events = EventLog(bootstrap, topics.cp_events)
        try:
            [fin] = events.wait_for(c.SupplyFinished, timeout=60)
            events.sync()  # anything duplicated, sent before the end marker, is read by now
            envs = [e for e in (events.poll() and events.envelopes())
                    if getattr(e.body, "session_id", None) == "S-out"]
        finally:
            events.close()
        ids = [e.id for e in envs]
        assert len(ids) == len(set(ids)), "an event arrived twice"
        kinds = [e.type for e in envs]
        assert kinds[0] == "supply_started" and kinds[-1] == "supply_finished"
        tel = [e.body for e in envs if e.type == "telemetry"]
        assert [t.seq for t in tel] == list(range(1, len(tel) + 1))  # in order, none missing
        assert len(tel) >= 5
        assert fin.reason == "unplugged" and fin.kwh == tel[-1].kwh
        assert engine.interrupt() == 0 and monitor.interrupt() == 0
        no_traceback(engine)
    finally:
        engine.stop()
        monitor.stop()
        central.stop()
        broker.stop(hard=True)
