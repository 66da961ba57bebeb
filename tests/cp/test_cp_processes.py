"""End-to-end tests of ev-cp-engine + ev-cp-monitor as real processes on a real broker.

Central is played by the test: a framed socket server (MonitorFacingCentral) for the Monitor and a
plain Kafka producer for the commands; cp_events are read back from the broker.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from ev_common import contract as c
from ev_common.framing import ACK, NACK, encode_frame
from ev_common.ports import free_port
from tests.cp.support import (Commands, EventLog, MonitorFacingCentral, engine_proc, monitor_proc, no_traceback,
                              read_journal)
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka]
CP = "CP001"


class Rig:
    def __init__(self, tmp_path: Path, bootstrap: str, topics, data_dir: Path) -> None:
        self.tmp, self.bootstrap, self.topics, self.data_dir = tmp_path, bootstrap, topics, data_dir
        self.central = MonitorFacingCentral().start()
        self.events = EventLog(bootstrap, topics.cp_events)
        self.commands = Commands(bootstrap, topics)
        self.engine_port = free_port()
        self.procs = []
        self.engine = None
        self.monitor = None
        self._n = 0

    def start_engine(self, *extra: str):
        self._n += 1
        self.engine = engine_proc(f"engine{self._n}", self.tmp, self.bootstrap, self.topics,
                                  self.data_dir, self.engine_port, *extra)
        self.procs.append(self.engine)
        self.engine.wait_output("Engine escuchando", 20)
        return self.engine

    def start_monitor(self, *extra: str):
        self._n += 1
        self.monitor = monitor_proc(f"monitor{self._n}", self.tmp, self.engine_port, self.central, CP, *extra,
                                    data_dir=self.data_dir)
        self.procs.append(self.monitor)
        return self.monitor

    def close(self) -> None:
        for p in self.procs:
            p.stop()
        self.central.stop()
        self.events.close()
        self.commands.close()


@pytest.fixture
def rig(tmp_path, kafka_broker, topics, data_dir):
    r = Rig(tmp_path, kafka_broker, topics, data_dir)
    yield r
    r.close()


def _ready(rig: Rig) -> None:
    """Engine bound to CP001 with its Monitor, Monitor authenticated with the fake Central."""
    rig.engine.wait_output("Monitor conectado", 30)
    wait_until(lambda: rig.central.verbs("AUTH"), 20, message="AUTH at central")
    rig.events.wait_for(c.EngineOnline)


def test_auto_supply_reports_consistent_energy(rig):
    rig.start_engine("--auto", "--auto-plug-delay", "1", "--auto-duration", "6", "--no-menu")
    rig.start_monitor()
    _ready(rig)
    assert rig.central.verbs("AUTH")[0][:2] == ["AUTH", CP]
    rig.commands.authorize(CP, "S-auto")
    [fin] = rig.events.wait_for(c.SupplyFinished, timeout=60)
    assert fin.reason == "unplugged" and fin.session_id == "S-auto"
    envs = [e for e in rig.events.envelopes() if getattr(e.body, "session_id", None) == "S-auto"]
    kinds = [e.type for e in envs]
    assert kinds[0] == "supply_started" and kinds[-1] == "supply_finished"
    tel = [e for e in envs if e.type == "telemetry"]
    assert len(tel) >= 5
    assert [e.body.seq for e in tel] == list(range(1, len(tel) + 1))
    assert all(b.body.kwh > a.body.kwh for a, b in zip(tel, tel[1:]))
    gaps = [b.ts - a.ts for a, b in zip(tel[:-2], tel[1:-1])]  # the last one is the unplug reading
    assert all(0.6 < g < 1.6 for g in gaps), gaps
    assert fin.kwh == tel[-1].body.kwh and fin.eur == tel[-1].body.eur
    assert fin.eur == round(fin.kwh * 0.5, 4)
    journal = read_journal(rig.data_dir, CP)
    assert journal["open"] is None and "S-auto" in journal["recent"]
    assert [e.id for e in envs if e.type == "supply_finished"] == ["final-S-auto"]
    # HB keeps flowing to Central and nothing was reported as faulty
    assert rig.central.verbs("HB") and not rig.central.verbs("FAULT")


def test_engine_kill9_mid_supply_reports_journal_energy_once(rig):
    rig.start_engine()
    rig.start_monitor()
    _ready(rig)
    rig.commands.authorize(CP, "S-crash")
    rig.engine.wait_output("AUTORIZADO")
    rig.engine.send_line("p")
    rig.events.wait_for(c.Telemetry, count=3)
    rig.engine.kill9()
    journal = read_journal(rig.data_dir, CP)
    rec = journal["open"]
    assert rec["session_id"] == "S-crash" and rec["kwh"] > 0 and rec["ended_at"] is None
    wait_until(lambda: rig.central.verbs("FAULT"), 10, message="FAULT at central")
    rig.monitor.wait_output("AVERÍA")
    # the journal is never behind what was reported
    tel = rig.events.of(c.Telemetry)
    assert tel[-1].kwh <= rec["kwh"]

    rig.start_engine()
    [fin] = rig.events.wait_for(c.SupplyFinished, timeout=40)
    assert fin.reason == "interrupted" and fin.kwh == rec["kwh"] and fin.eur == rec["eur"]
    wait_until(lambda: rig.central.verbs("RECOVER"), 15, message="RECOVER at central")
    rig.events.sync()  # a duplicate report sent so far would be read by now
    assert len(rig.events.of(c.SupplyFinished)) == 1
    assert [e.id for e in rig.events.envelopes() if e.type == "supply_finished"] == ["final-S-crash"]
    assert read_journal(rig.data_dir, CP)["open"] is None
    no_traceback(rig.engine)


def test_monitor_killed_ends_supply_and_blocks_new_ones(rig):
    rig.start_engine("--monitor-timeout", "2")
    rig.start_monitor()
    _ready(rig)
    rig.commands.authorize(CP, "S-mon")
    rig.engine.wait_output("AUTORIZADO")
    rig.engine.send_line("p")
    rig.events.wait_for(c.Telemetry, count=2)
    rig.monitor.kill9()
    [fin] = rig.events.wait_for(c.SupplyFinished, timeout=15)
    assert fin.reason == "monitor_lost"
    rig.engine.wait_output("Monitor perdido")

    rig.commands.authorize(CP, "S-refused")
    rig.engine.wait_output("Autorización S-refused rechazada: sin Monitor conectado")
    rig.engine.send_line("m")
    rig.engine.wait_output("Suministro manual rechazado: sin Monitor conectado")
    rig.engine.send_line("p")
    rig.engine.wait_output("No hay ninguna autorización")
    assert not rig.events.of(c.ManualSupplyRequested)
    assert not [t for t in rig.events.of(c.SupplyStarted) if t.session_id == "S-refused"]

    rig.start_monitor()
    wait_until(lambda: rig.engine.output().count("Monitor conectado:") >= 2, 15, message="monitor back")
    rig.engine.send_line("m")
    rig.events.wait_for(c.ManualSupplyRequested)
    rig.commands.authorize(CP, "S-after")
    rig.engine.wait_output("Suministro AUTORIZADO: sesión S-after")


def test_central_down_supply_continues_and_monitor_reconnects(rig):
    rig.start_engine("--auto", "--auto-plug-delay", "0.5", "--auto-duration", "8", "--no-menu")
    rig.start_monitor()
    _ready(rig)
    rig.commands.authorize(CP, "S-central")
    rig.events.wait_for(c.SupplyStarted)
    auths_before = len(rig.central.verbs("AUTH"))
    rig.central.stop()
    rig.monitor.wait_output("CENTRAL", 10)
    wait_until(lambda: "Conexión con la CENTRAL perdida" in rig.monitor.output()
               or "Imposible conectar con la CENTRAL" in rig.monitor.output(), 15, message="central down shown")
    [fin] = rig.events.wait_for(c.SupplyFinished, timeout=30)
    assert fin.reason == "unplugged"  # the supply ran to its normal end
    rig.central.start()
    wait_until(lambda: len(rig.central.verbs("AUTH")) > auths_before, 20, message="re-AUTH")
    wait_until(lambda: rig.monitor.output().count("autenticado") >= 2, 10, message="monitor shows reconnect")
    no_traceback(rig.monitor)


def test_bad_frames_get_nack_and_engine_keeps_serving(rig):
    rig.start_engine("--no-menu")
    rig.start_monitor()
    _ready(rig)
    with socket.create_connection(("127.0.0.1", rig.engine_port), timeout=5) as s:
        s.sendall(b"garbage\r\n")
        assert s.recv(1) == NACK
        bad_lrc = bytearray(encode_frame(["PING", CP]))
        bad_lrc[-1] ^= 0xFF
        s.sendall(bytes(bad_lrc))
        assert s.recv(1) == NACK
        s.sendall(encode_frame(["HACK", "me"]))
        assert s.recv(1) == NACK
        s.sendall(encode_frame(["PING", CP]))
        assert s.recv(1) == ACK
        answer = b""
        while not answer.endswith(b"\x03") and len(answer) < 50:
            answer += s.recv(1)
        answer += s.recv(1)  # the LRC
        assert b"OK#OK" in answer
        s.sendall(ACK)
        s.sendall(encode_frame(["PING", "CP999"]))
        assert s.recv(1) == ACK
        assert b"wrong_cp" in s.recv(100)
    # the real Monitor was served throughout: two more of its heartbeats reach Central after
    # the hostile frames, and no FAULT before them
    beats = len(rig.central.verbs("HB"))
    wait_until(lambda: len(rig.central.verbs("HB")) >= beats + 2, 30, message="two more heartbeats")
    assert not rig.central.verbs("FAULT")
    assert "bad frame" in rig.engine.output()
    no_traceback(rig.engine)


def test_simulated_fault_ends_supply_and_monitor_reports_it(rig):
    rig.start_engine()
    rig.start_monitor()
    _ready(rig)
    rig.commands.authorize(CP, "S-ko")
    rig.engine.wait_output("AUTORIZADO")
    rig.engine.send_line("p")
    rig.events.wait_for(c.Telemetry, count=2)
    rig.engine.send_line("k")
    [fin] = rig.events.wait_for(c.SupplyFinished)
    assert fin.reason == "interrupted"
    wait_until(lambda: rig.central.verbs("FAULT"), 10, message="FAULT")
    wait_until(lambda: ["HB", CP, "KO"] in rig.central.frames, 10, message="HB KO")
    rig.engine.send_line("o")
    wait_until(lambda: rig.central.verbs("RECOVER"), 10, message="RECOVER")


def test_ctrl_c_exits_cleanly(rig):
    rig.start_engine()
    rig.start_monitor()
    _ready(rig)
    rig.commands.authorize(CP, "S-int")
    rig.engine.wait_output("AUTORIZADO")
    rig.engine.send_line("p")
    rig.events.wait_for(c.Telemetry)
    assert rig.monitor.interrupt() == 0
    assert rig.engine.interrupt() == 0
    for p in (rig.engine, rig.monitor):
        no_traceback(p)
    [fin] = rig.events.wait_for(c.SupplyFinished)  # the running supply was closed and reported
    assert fin.kwh == read_journal(rig.data_dir, CP)["open"] is None or fin.kwh > 0


def test_central_rejects_cp_with_clear_message(tmp_path, kafka_broker, topics, data_dir):
    central = MonitorFacingCentral(auth_error=("bad_credentials", "clave incorrecta")).start()
    port = free_port()
    mon = monitor_proc("monitor", tmp_path, port, central, CP, "--auth-retry", "1")
    try:
        mon.wait_output("CENTRAL rechaza el CP CP001: credenciales incorrectas", 15)
        mon.wait_output("AVERÍA", 10)  # no Engine listening either
        wait_until(lambda: len(central.verbs("AUTH")) >= 2, 10, message="AUTH retried")
        assert mon.interrupt() == 0
        no_traceback(mon)
    finally:
        mon.stop()
        central.stop()
