"""Scale-out (``--scale-out``): two Central instances serving one PostgreSQL database at once.

Real PostgreSQL (the ``postgres_url`` fixture), the real broker, two in-process
:class:`CentralService` instances. A decision is made "through" an instance by running it in
that instance's transaction path (``_transact`` on its loop), as its Kafka consumer or socket
would; the cross-instance facts must come from the database, never from a shared memory.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from ev_common import contract as c
from central_service.instance_guard import LockLost
from central_service.runtime import CentralConfig, CentralService
from tests.central.support import Kafka, Monitor, seed_db, sqlite_url
from tests.helpers import wait_until


class ShiftedClock:
    """An instance's injected clock: the wall clock plus an offset a test moves."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def pair(kafka_broker, topics, data_dir, postgres_url):
    """start(name, clock=None, **overrides) → a scale-out instance on the shared PostgreSQL."""
    seed_db(postgres_url, drivers=4, cps=3)
    started: list[CentralService] = []
    monitors: list[Monitor] = []

    def start(name: str, clock=time.time, **overrides) -> CentralService:
        cfg = CentralConfig(port=0, host="127.0.0.1", bootstrap_servers=kafka_broker,
                            data_dir=data_dir / name, topic_prefix=topics.prefix, db_url=postgres_url,
                            heartbeat_interval=0.5, monitor_timeout=3.0, reservation_timeout=60.0,
                            billing_time_scale=3600.0, instance=name, scale_out=True,
                            lease_interval=0.5, lease_length=overrides.pop("lease_length", 10.0),
                            token_secret="scale-out-test-secret-0123456789abcdef", **overrides)
        svc = CentralService(cfg, clock=clock).start_in_thread()
        started.append(svc)
        return svc

    start.monitor = lambda svc, cp_id: monitors.append(Monitor(svc.port, cp_id).start()) or monitors[-1]
    start.url = postgres_url
    yield start
    for m in monitors:
        m.stop()
    for svc in started:
        svc.stop()


def _request(svc: CentralService, driver: str, cp_id: str | None = None) -> c.Payload:
    """A driver's charge request decided by *svc* (its principal authenticated as *driver*)."""
    body = c.ChargeRequested(driver_id=driver, request_id=c.new_id(), cp_id=cp_id)
    env = c.envelope(body, source="test")
    out: list[c.Payload] = []

    def step() -> list[c.Payload]:
        out.extend(svc.core.on_message(env, driver))
        return list(out)
    svc.call(lambda: svc._transact(step), timeout=30)
    return next(p for p in out if isinstance(p, (c.ChargeAuthorized, c.ChargeDenied)))


def _connected_everywhere(a: CentralService, b: CentralService, cp_ids: list[str]) -> None:
    """Both instances' pictures show these CPs' Monitors connected (B learns it from the rows)."""
    for svc in (a, b):
        wait_until(lambda svc=svc: all(svc.call(lambda: svc.core.cps[cp].monitor_connected) for cp in cp_ids),
                   30, interval=0.1, message=f"{svc.config.instance} sees {cp_ids} connected")


def _open_rows(url: str, column: str) -> dict[str, int]:
    conn = _pg(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT {column}, count(*) FROM supplies WHERE status IN ('reserved', 'charging') "
                        f"GROUP BY {column}")
            return dict(cur.fetchall())
    finally:
        conn.close()


def _count(url: str, sql: str) -> int:
    conn = _pg(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def _pg(url: str):
    import psycopg2
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def test_scale_out_on_sqlite_is_refused_with_a_sentence_and_exit_code_2(data_dir):
    url = sqlite_url(data_dir / "central.db")
    done = subprocess.run([sys.executable, "-m", "central_service.cli", "--scale-out", "--db", url,
                           "--data-dir", str(data_dir), "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "--scale-out" in done.stderr and "PostgreSQL" in done.stderr


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the refusal, in its thread
def test_a_scale_out_service_on_sqlite_does_not_start(kafka_broker, topics, data_dir):
    cfg = CentralConfig(port=0, host="127.0.0.1", bootstrap_servers=kafka_broker, data_dir=data_dir,
                        topic_prefix=topics.prefix, db_url=sqlite_url(data_dir / "central.db"), scale_out=True)
    svc = CentralService(cfg)
    with pytest.raises(RuntimeError, match="necesita PostgreSQL"):
        svc.start_in_thread(timeout=60)
    svc._thread.join(30)  # its thread ends with the refusal: reported (and filtered) here


def test_a_cp_reserved_through_one_instance_is_not_given_by_the_other(pair):
    a, b = pair("central-a"), pair("central-b")
    for cp in ("CP001", "CP002", "CP003"):
        pair.monitor(a if cp != "CP003" else b, cp)
    _connected_everywhere(a, b, ["CP001", "CP002", "CP003"])

    first = _request(a, "driver1", "CP001")
    assert isinstance(first, c.ChargeAuthorized) and first.cp_id == "CP001"
    # B's picture holds A's reservation with its exact expiry (a 4-byte REAL column rounded
    # it by up to a minute: B expired A's fresh reservations at once)
    wait_until(lambda: b.call(lambda: b.core.cps["CP001"].reservation is not None), 30, interval=0.1,
               message="B sees A's reservation")
    assert abs(b.call(lambda: b.core.cps["CP001"].reservation.expires_at) - first.reservation_expires_at) < 0.01
    named = _request(b, "driver2", "CP001")   # the named CP A just reserved
    assert isinstance(named, c.ChargeDenied), named
    anyfree = _request(b, "driver2")           # "any free CP" through B: never A's
    assert isinstance(anyfree, c.ChargeAuthorized) and anyfree.cp_id != "CP001"
    third = _request(a, "driver3")             # and A, in turn, never B's
    assert isinstance(third, c.ChargeAuthorized) and third.cp_id not in ("CP001", anyfree.cp_id)
    full = _request(b, "driver4")
    assert isinstance(full, c.ChargeDenied), full
    assert set(_open_rows(pair.url, "cp_id").values()) == {1}
    assert len(_open_rows(pair.url, "cp_id")) == 3


def test_one_open_supply_per_driver_across_instances(pair):
    a, b = pair("central-a"), pair("central-b")
    for cp in ("CP001", "CP002"):
        pair.monitor(a, cp)
    _connected_everywhere(a, b, ["CP001", "CP002"])
    first = _request(a, "driver1")
    assert isinstance(first, c.ChargeAuthorized)
    again = _request(b, "driver1")
    assert isinstance(again, c.ChargeDenied) and again.reason == "driver_busy", again
    assert _open_rows(pair.url, "driver_id") == {"driver1": 1}


def test_a_monitor_on_one_instance_is_seen_connected_by_the_other_and_not_timed_out_there(pair, kafka_broker,
                                                                                         topics):
    clock_b = ShiftedClock()
    a, b = pair("central-a"), pair("central-b", clock=clock_b)
    pair.monitor(a, "CP001")
    _connected_everywhere(a, b, ["CP001"])
    assert b.call(lambda: b.core.cps["CP001"].holder) == "central-a"
    # each instance's heartbeat counts the Monitors it holds: the dashboard shows who serves what
    kafka = Kafka(kafka_broker, topics)
    try:
        def held() -> dict[str, int]:
            return {i: beats[-1].cps_connected for i in ("central-a", "central-b")
                    if (beats := kafka.bodies(c.CentralHeartbeat, instance=i))}
        wait_until(lambda: held() == {"central-a": 1, "central-b": 0}, 30, interval=0.3,
                   message="heartbeats: central-a holds the Monitor, central-b none")
    finally:
        kafka.close()
    # B's clock runs ahead past the monitor timeout (3 s) but not past A's lease (10 s): the
    # heartbeats A gets are not B's to time; B must go on seeing the Monitor connected
    clock_b.offset = 6.0
    ticks = b.call(lambda: b._scale.decisions)
    wait_until(lambda: b.call(lambda: b._scale.decisions) > ticks + 10, 30, interval=0.1, message="B ticked")
    assert b.call(lambda: b.core.cps["CP001"].monitor_connected)
    assert a.call(lambda: a.core.cps["CP001"].monitor_connected)
    assert _count(pair.url, "SELECT count(*) FROM event_log WHERE kind = 'monitor_lost'") == 0


def test_a_hung_instance_s_monitors_are_lost_once_and_its_pending_effects_relayed_once(pair, kafka_broker, topics):
    kafka = Kafka(kafka_broker, topics)
    try:
        a, b = pair("central-a", lease_length=3.0), pair("central-b", lease_length=3.0)
        pair.monitor(a, "CP001")
        _connected_everywhere(a, b, ["CP001"])
        marker = f"marker-{c.new_id()}"

        def hang() -> None:
            """On A's loop: an effect committed and not relayed yet, then A stops responding
            (no renewals, no ticks, no relays) like a frozen process."""
            with a.store.atomic():
                a._effects.stage([c.CentralHeartbeat(instance=marker, started_at=0.0, interval_s=1.0)])
            time.sleep(8.0)
        frozen = threading.Thread(target=lambda: a.call(hang, timeout=30), daemon=True)
        frozen.start()

        kafka.wait(c.CentralHeartbeat, timeout=30, instance=marker)
        lost = kafka.wait_state("CP001", "disconnected", timeout=30)
        assert lost.cp_id == "CP001"
        frozen.join(30)
        # A wakes up: its lease is gone, so it stops serving instead of deciding on
        wait_until(lambda: isinstance(a.failed, LockLost), 30, interval=0.1, message="A fenced")
        assert b.failed is None
        # B goes on ticking: the loss was decided once, the effect relayed once
        ticks = b.call(lambda: b._scale.decisions)
        wait_until(lambda: b.call(lambda: b._scale.decisions) > ticks + 10, 30, interval=0.1, message="B ticked")
        conn = _pg(pair.url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM event_log WHERE kind = 'monitor_lost' AND cp_id = 'CP001'")
                assert cur.fetchone()[0] == 1
        finally:
            conn.close()

        def pending_rows() -> int:  # relayed rows are deleted by B's forget timer (EffectRelay.forget_relayed)
            conn = _pg(pair.url)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT count(*) FROM pending_effects")
                    return cur.fetchone()[0]
            finally:
                conn.close()
        wait_until(lambda: pending_rows() == 0, 10, interval=0.1, message="every pending effect relayed and deleted")
        conn = _pg(pair.url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM central_instances")
                assert [r[0] for r in cur.fetchall()] == ["central-b"]
        finally:
            conn.close()
        assert len(kafka.bodies(c.CentralHeartbeat, instance=marker)) == 1
    finally:
        kafka.close()


def _decide(svc: CentralService, body: c.Payload) -> list[c.Payload]:
    """A CP event decided by *svc* (as its events consumer would apply it)."""
    env = c.envelope(body, source="test")
    out: list[c.Payload] = []

    def step() -> list[c.Payload]:
        out.extend(svc.core.on_message(env))
        return list(out)
    svc.call(lambda: svc._transact(step), timeout=30)
    return out


def _supply_running_on_both(pair) -> tuple[CentralService, CentralService, str, float]:
    """Instances A and B, CP001's Monitor on A, a supply of driver1 authorized and started
    through A and seen running by B: (a, b, session id, started at)."""
    a, b = pair("central-a"), pair("central-b")
    pair.monitor(a, "CP001")
    _connected_everywhere(a, b, ["CP001"])
    granted = _request(a, "driver1", "CP001")
    assert isinstance(granted, c.ChargeAuthorized)
    sid, started = granted.session_id, time.time()
    _decide(a, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=started))
    wait_until(lambda: b.call(lambda: b.core.cps["CP001"].session is not None), 30,
               interval=0.1, message="B sees the supply running")
    return a, b, sid, started


def test_a_supply_finished_through_one_instance_is_billed_once_and_stale_live_values_never_move_it(pair):
    from central_service.domain.cp import RunningSession
    a, b, sid, started = _supply_running_on_both(pair)
    final = c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=started, ended_at=started + 60,
                             kwh=2.0, eur=0.7, reason="unplugged")
    assert any(isinstance(p, c.Ticket) for p in _decide(b, final))
    assert not any(isinstance(p, c.Ticket) for p in _decide(a, final))   # the redelivery, on A: billed once
    # A's live values of that supply, from a picture older than the finish (telemetry takes no
    # lock): the flush must not move the billed figures
    a.call(lambda: a.store.save_live_values([RunningSession(sid, "driver1", started, kw=7.0, kwh=99.0, eur=30.0,
                                                            seq=10_000)]))
    assert _count(pair.url, f"SELECT count(*) FROM tickets WHERE session_id = '{sid}'") == 1
    assert _count(pair.url, f"SELECT count(*) FROM supplies WHERE id = '{sid}' AND kwh = 2.0 "
                            "AND status = 'finished'") == 1


def test_an_older_database_s_coarse_supply_times_are_widened_when_scale_out_starts(pair):
    conn = _pg(pair.url)
    try:
        with conn.cursor() as cur:
            cur.execute('ALTER TABLE supplies ALTER COLUMN reservation_expires_at TYPE real')
            cur.execute('ALTER TABLE charge_points ALTER COLUMN last_seen TYPE real')
        pair("central-a")
        with conn.cursor() as cur:
            cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE column_name IN "
                        "('reservation_expires_at', 'interrupted_at', 'last_seen') AND table_name IN "
                        "('supplies', 'charge_points')")
            assert dict(cur.fetchall()) == {"reservation_expires_at": "double precision",
                                            "interrupted_at": "double precision", "last_seen": "double precision"}
    finally:
        conn.close()


def test_the_alert_keeper_follows_supplies_whose_telemetry_another_instance_applies(pair):
    """Each instance applies the telemetry of its own partitions and flushes it to the database;
    the instance keeping the operators' alerts (A: the smallest id) must see those supplies
    move too — no "sin telemetría" alert while they run, a timeline point of their values —
    and still raise the alert once they really go silent. The workbench's clock is moved
    in steps shorter than the silence threshold, so a periodic evaluation in between cannot
    raise it early."""
    from central_service.domain.cp import RunningSession
    a, b, sid, started = _supply_running_on_both(pair)
    assert a.call(a._scale.leads)
    clock = ShiftedClock()
    a.workbench.clock = clock
    silent_after = a.config.alert_silent_supply

    def silent_alerts() -> list:
        return a.call(lambda: [al for al in a.workbench.book.active.values()
                               if al.kind == "supply_silent" and al.subject == sid])
    for step, seq in enumerate((5, 6, 7)):
        clock.offset = step * silent_after * 2 / 3
        # B applied telemetry of the supply (its partition) and flushed it, as its runtime does
        b.call(lambda seq=seq: b.store.save_live_values([RunningSession(sid, "driver1", started, kw=7.0,
                                                                        kwh=seq / 10, eur=seq / 30, seq=seq)]))
        a.call(a._evaluate_alerts)
        ses = a.call(lambda: a.core.cps["CP001"].session)
        assert (ses.seq, ses.kwh) == (seq, seq / 10)
        assert silent_alerts() == []
    samples = {round(kwh, 3) for (kwh,) in _rows(pair.url, f"SELECT kwh FROM supply_samples WHERE session_id = '{sid}'")}
    assert {0.5, 0.6, 0.7} <= samples
    clock.offset += silent_after + 5    # nothing flushed since: now it is silent
    a.call(a._evaluate_alerts)
    assert len(silent_alerts()) == 1


def _rows(url: str, sql: str) -> list[tuple]:
    conn = _pg(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()
