"""Unit tests of the pure parts: power model, journal, the Engine's state machine."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, strategies as st

from ev_common import contract as c
from cp_simulator.engine import AutoConfig, Engine, Notice, Publish, SaveJournal
from cp_simulator.journal import Journal, JournalState, SupplyRecord
from cp_simulator.power import PowerModel

NOW = 1_700_000_000.0


def auth(session="S1", expires=NOW + 60, cp="CP001") -> c.AuthorizeSupply:
    return c.AuthorizeSupply(cp_id=cp, session_id=session, driver_id="driver1", price_eur_kwh=0.5,
                             max_kw=22.0, expires_at=expires)


def published(fx, kind=None):
    return [f.body for f in fx if isinstance(f, Publish) and (kind is None or isinstance(f.body, kind))]


def ready_engine(**kw) -> Engine:
    e = Engine("CP001", rng=random.Random(1), **kw)
    e.monitor_seen(0.0)
    return e


@given(st.lists(st.floats(min_value=0.01, max_value=5.0), min_size=1, max_size=50))
def test_power_energy_grows_and_never_exceeds_max(steps):
    model = PowerModel(max_kw=22.0, price_eur_kwh=0.4)
    r = model.start()
    t = 0.0
    for dt in steps:
        t += dt
        nxt = model.advance(r, t, random.uniform(-1, 1))
        assert 0 <= nxt.kw <= 22.0
        assert nxt.kwh >= r.kwh
        assert nxt.eur == round(nxt.kwh * 0.4, 4)
        r = nxt
    assert r.kwh <= 22.0 * t / 3600 + 1e-6


def test_time_scale_meters_k_seconds_per_real_second_with_the_same_live_power():
    real = PowerModel(max_kw=22.0, price_eur_kwh=0.4, jitter=0.0)
    demo = PowerModel(max_kw=22.0, price_eur_kwh=0.4, jitter=0.0, time_scale=60.0)
    r, d = real.start(), demo.start()
    for t in range(1, 21):
        r, d = real.advance(r, float(t), 0.0), demo.advance(d, float(t), 0.0)
        assert d.kw == r.kw                        # the chart looks the same
    assert d.kwh == pytest.approx(60 * r.kwh, rel=1e-4)
    assert 6.0 < d.kwh < 7.4                       # 20 minutes at ~22 kW, a believable ticket
    assert d.eur == round(d.kwh * 0.4, 4)


def test_engine_time_scale_reaches_the_final_report():
    e = ready_engine(time_scale=60.0)
    e.authorize(auth(), NOW, 0.0)
    e.plug(NOW, 0.0)
    for i in range(1, 11):
        e.monitor_seen(float(i))
        e.tick(NOW + i, float(i))
    fin = published(e.unplug(NOW + 10, 10.0), c.SupplyFinished)[0]
    assert fin.kwh > 2.0                           # 10 min of charging, not 10 s (0.05 kWh)


def test_journal_roundtrip_and_corrupt_file(tmp_path):
    j = Journal(tmp_path / "journal.json")
    assert j.load() == JournalState()
    rec = SupplyRecord("CP001", "S1", "d1", NOW, 0.5, 22.0, kwh=0.123457, eur=0.0617, seq=3)
    j.save(JournalState(open=rec, recent=("S0",)))
    assert j.load() == JournalState(open=rec, recent=("S0",))
    (tmp_path / "journal.json").write_text("{not json")
    assert j.load() == JournalState()
    assert (tmp_path / "journal.json.corrupt").exists()


def test_full_supply_energy_consistent():
    e = ready_engine()
    e.authorize(auth(), NOW, 0.0)
    fx = e.plug(NOW, 0.0)
    assert published(fx, c.SupplyStarted)
    tel = []
    for i in range(1, 6):
        e.monitor_seen(float(i))
        tel += published(e.tick(NOW + i, float(i)), c.Telemetry)
    assert [t.seq for t in tel] == [1, 2, 3, 4, 5]
    assert all(b.kwh > a.kwh for a, b in zip(tel, tel[1:]))
    fx = e.unplug(NOW + 5.5, 5.5)
    last_tel = published(fx, c.Telemetry)[-1]
    fin = published(fx, c.SupplyFinished)[0]
    saved = [f.state for f in fx if isinstance(f, SaveJournal)]
    assert fin.reason == "unplugged" and fin.kwh == last_tel.kwh and fin.eur == last_tel.eur
    assert saved[-2].open.kwh == fin.kwh          # journal (finishing) == report
    assert saved[-1].open is None and "S1" in saved[-1].recent
    # order: journal written before the final report, closed after it
    kinds = [type(f).__name__ for f in fx if not isinstance(f, Notice)]
    assert kinds[-3:] == ["SaveJournal", "Publish", "SaveJournal"]
    assert e.authorize(auth(), NOW + 6, 6.0) == []  # redelivered: already done


def test_refusals_without_monitor_fault_or_operator_stop():
    e = Engine("CP001")
    assert e.authorize(auth(), NOW, 0.0)[0].text.startswith("Autorización S1 rechazada")
    assert not published(e.manual_request("r1"))
    e.monitor_seen(0.0)
    assert published(e.manual_request("r1"), c.ManualSupplyRequested)
    e.report_ko(NOW, 0.0)
    assert e.health() == "KO" and e.authorization is None
    e.authorize(auth(), NOW, 0.0)
    assert e.authorization is None
    e.report_ok()
    e.set_availability(c.SetAvailability("CP001", False), NOW, 0.0)
    e.authorize(auth(), NOW, 0.0)
    assert e.authorization is None
    e.set_availability(c.SetAvailability("CP001", True), NOW, 0.0)
    assert e.authorize(auth(expires=NOW - 1), NOW, 0.0)[0].text.endswith("caducado")
    e.authorize(auth(), NOW, 0.0)
    assert e.state == "authorized"


@pytest.mark.parametrize("action,reason", [
    ("monitor_lost", "monitor_lost"), ("ko", "interrupted"), ("stop", "operator_stop"),
    ("parar", "operator_stop"), ("cancel", "cancelled"), ("shutdown", "interrupted")])
def test_supply_ends_with_reason(action, reason):
    e = ready_engine(monitor_timeout_s=3.0)
    e.authorize(auth(), NOW, 0.0)
    e.plug(NOW, 0.0)
    e.tick(NOW + 1, 1.0)
    if action == "monitor_lost":
        fx = e.tick(NOW + 3.5, 3.5)
    elif action == "ko":
        fx = e.report_ko(NOW + 2, 2.0)
    elif action == "stop":
        fx = e.stop(c.StopSupply("CP001", "S1", "operator_stop"), NOW + 2, 2.0)
    elif action == "parar":
        fx = e.set_availability(c.SetAvailability("CP001", False), NOW + 2, 2.0)
    elif action == "cancel":
        fx = e.cancel(c.CancelAuthorization("CP001", "S1", "cancelled"), NOW + 2, 2.0)
    else:
        fx = e.shutdown(NOW + 2, 2.0)
    assert [f.reason for f in published(fx, c.SupplyFinished)] == [reason]
    assert e.state == "idle" and e.journal.open is None


def test_expiry_cancel_does_not_end_a_running_supply():
    e = ready_engine()
    e.authorize(auth(), NOW, 0.0)
    e.plug(NOW, 0.0)
    assert e.cancel(c.CancelAuthorization("CP001", "S1", "expired"), NOW + 1, 0.5) == []
    assert e.state == "supplying"


def test_auto_mode_plugs_and_unplugs():
    e = ready_engine(auto=AutoConfig(plug_delay_s=2.0, duration_s=3.0))
    e.authorize(auth(), NOW, 0.0)
    fins = []
    for i in range(1, 30):
        t = i * 0.2
        e.monitor_seen(t)
        fins += published(e.tick(NOW + t, t), c.SupplyFinished)
    assert e.supply is None and [f.reason for f in fins] == ["unplugged"]


def test_recover_open_journal_reports_interrupted_once():
    rec = SupplyRecord("CP001", "S9", "d1", NOW, 0.5, 22.0, kwh=0.042, eur=0.021, seq=7,
                       updated_at=NOW + 7)
    e = Engine("CP001", journal=JournalState(open=rec))
    fx = e.recover(NOW + 100)
    fin = published(fx, c.SupplyFinished)
    assert len(fin) == 1 and fin[0].reason == "interrupted" and fin[0].kwh == 0.042
    assert [f.msg_id for f in fx if isinstance(f, Publish)] == ["final-S9"]
    assert e.journal.open is None and e.recover(NOW + 101) == []
