"""A real Engine process (auto mode) on the real broker obeys only commands signed by Central
with its CP's key: forged, foreign-key, wrongly-directed and replayed commands are refused
(logged, counted) and do not make the CP supply energy; its own events carry its MAC."""
from __future__ import annotations

import time

import pytest

from ev_common import contract as c
from ev_common import msgauth
from ev_common.ports import free_port
from tests.cp.support import DEMO_KEY, Commands, EventLog, MonitorFacingCentral, engine_proc, monitor_proc, no_traceback
from tests.helpers import wait_until

pytestmark = [pytest.mark.kafka]
CP = "CP001"


def _authorize(session: str, cp_id: str = CP) -> c.AuthorizeSupply:
    return c.AuthorizeSupply(cp_id=cp_id, session_id=session, driver_id="driver1", price_eur_kwh=0.5,
                             max_kw=22.0, expires_at=time.time() + 120)


@pytest.fixture
def rig(tmp_path, kafka_broker, topics, data_dir):
    central = MonitorFacingCentral().start()
    port = free_port()
    engine = engine_proc("engine", tmp_path, kafka_broker, topics, data_dir, port, "--auto",
                         "--auto-plug-delay", "0", "--auto-duration", "1", "--no-menu", stdin=False)
    monitor = monitor_proc("monitor", tmp_path, port, central, CP, data_dir=data_dir)
    events = EventLog(kafka_broker, topics.cp_events)
    commands = Commands(kafka_broker, topics)
    try:
        engine.wait_output("Monitor del CP CP001 conectado", 40)
        events.wait_for(c.EngineOnline)  # bound: its consumer reads the commands topic from here on
        yield engine, events, commands
        no_traceback(engine)
    finally:
        for p in (monitor, engine):
            p.stop()
        events.close()
        commands.close()
        central.stop()


def _started(events: EventLog, session: str) -> list:
    return [b for b in events.of(c.SupplyStarted) if b.session_id == session]


def test_forged_authorize_supply_does_not_make_a_cp_supply_energy(rig):
    engine, events, commands = rig
    forged = {
        "unsigned": c.envelope(_authorize("S-unsigned"), source="attacker"),
        "wrong key": msgauth.sign(c.envelope(_authorize("S-wrongkey"), source="attacker"), "guessed",
                                  msgauth.CP_COMMAND, CP),
        "CP002's key": msgauth.sign(c.envelope(_authorize("S-otherkey"), source="central"), "key-of-CP002",
                                    msgauth.CP_COMMAND, "CP002"),
        "signed as an event": msgauth.sign(c.envelope(_authorize("S-event"), source="engine-CP001"), DEMO_KEY,
                                           msgauth.CP_EVENT, CP),
    }
    for env in forged.values():
        commands.send_env(env)
    commands.authorize(CP, "S-real", price=0.5)  # after the forgeries in the same partition
    [real] = events.wait_for(c.SupplyStarted, lambda b: b.session_id == "S-real")
    assert real.cp_id == CP
    for name, env in forged.items():
        assert _started(events, env.body.session_id) == [], name
    wait_until(lambda: engine.output().count("REFUSED") >= len(forged), 20, message="refusals logged")
    assert "Orden authorize_supply RECHAZADA" in engine.output()


def test_a_replayed_command_is_refused(rig):
    engine, events, commands = rig
    stop = msgauth.sign(c.envelope(c.SetAvailability(CP, False), source="central"), DEMO_KEY,
                        msgauth.CP_COMMAND, CP)
    commands.send_env(stop)
    engine.wait_output("CP PARADO por el operador", 30)
    commands.send(c.SetAvailability(CP, True))
    engine.wait_output("CP REANUDADO por el operador", 30)
    commands.send_env(stop)  # captured and replayed: must not stop the CP again
    commands.authorize(CP, "S-after-replay")
    events.wait_for(c.SupplyStarted, lambda b: b.session_id == "S-after-replay")
    assert engine.output().count("CP PARADO por el operador") == 1
    assert "REFUSED: replayed" in engine.output()


def test_the_engines_events_carry_its_mac(rig):
    engine, events, commands = rig
    commands.authorize(CP, "S-signed")
    events.wait_for(c.SupplyFinished, lambda b: b.session_id == "S-signed")
    mine = [e for e in events.envelopes() if getattr(e.body, "session_id", None) == "S-signed"]
    assert {type(e.body) for e in mine} >= {c.SupplyStarted, c.Telemetry, c.SupplyFinished}
    for env in mine:
        msgauth.verify(env, DEMO_KEY, msgauth.CP_EVENT, CP)  # raises if not signed by CP001
