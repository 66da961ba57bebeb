"""One active Central per database: a second is refused or stands by; its heartbeat names it;
an active instance that loses its lock stops serving (fencing)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest

from ev_common import contract as c
from central_service.instance_guard import InstanceGuard, LockLost
from central_service.runtime import CentralConfig, CentralService
from tests.central.support import sqlite_url
from tests.helpers import wait_until


def _second(central, data_dir, **overrides) -> CentralService:
    cfg = CentralConfig(port=0, host="127.0.0.1", bootstrap_servers=central.bootstrap,
                        data_dir=data_dir / "second", topic_prefix=central.topics.prefix,
                        db_url=overrides.pop("db_url"), heartbeat_interval=0.5, monitor_timeout=3.0,
                        billing_time_scale=3600.0, **overrides)
    return CentralService(cfg)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, data_dir):
    if request.param == "sqlite":
        return sqlite_url(data_dir / "central.db")
    return request.getfixturevalue("postgres_url")


def test_heartbeat_names_the_instance_and_the_partitions_it_serves(central):
    central(instance="central-a")

    def serving_all():
        beats = central.kafka.bodies(c.CentralHeartbeat, instance="central-a")
        return beats and sum(len(p) for p in beats[-1].partitions.values()) == 18 and beats[-1]
    hb = wait_until(serving_all, 60, interval=0.5, message="a heartbeat listing the 18 partitions")
    topics = central.topics
    assert set(hb.partitions) == {topics.cp_events, topics.driver_requests, topics.operator_commands}


def test_a_second_central_on_the_same_database_is_refused(central, data_dir, db_url):
    central(db_url=db_url, instance="central-a")
    second = _second(central, data_dir, db_url=db_url, instance="central-b")
    with pytest.raises(RuntimeError, match="ya sirve esta base de datos.*--standby"):
        second.start_in_thread(timeout=60)


@contextlib.contextmanager
def _running(standby: Any) -> Iterator[threading.Thread]:
    """Run a standby Central in a thread of its own; stop it whatever the test did."""
    thread = threading.Thread(target=lambda: asyncio.run(standby.run()), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        standby.stop()
        thread.join(30)


def _took_over(central: Any, standby: Any) -> None:
    """The standby serves: its socket, every partition of both groups, its own heartbeat."""
    wait_until(standby.ready.is_set, 60, message="standby took over")
    assert standby.failed is None
    wait_until(lambda: standby.consumer_partitions() == 18, 90, interval=0.2, message="standby assigned")
    central.kafka.wait(c.CentralHeartbeat, timeout=30, instance="central-b")


def test_a_standby_takes_over_when_the_active_central_stops(central, data_dir, db_url):
    active = central(db_url=db_url, instance="central-a")
    standby = _second(central, data_dir, db_url=db_url, instance="central-b", standby=True)
    with _running(standby):
        assert not standby.ready.wait(3), "the standby must not serve while the active one does"
        active.stop()
        _took_over(central, standby)


_HOLD = """
import sys, time
from central_service.instance_guard import InstanceGuard, LockLost
g = InstanceGuard(sys.argv[1], "holder")
g.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_the_lock_of_a_killed_central_is_free_at_once(data_dir, db_url):
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, db_url], stdout=subprocess.PIPE, text=True,
                              cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == "held"
        guard = InstanceGuard(db_url, "next")
        assert not guard.try_acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        wait_until(guard.try_acquire, 20, interval=0.2, message="lock free after kill -9")
        guard.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_a_stopped_central_releases_the_database_for_a_restart(central, data_dir, db_url):
    first = central(db_url=db_url, instance="central-a")
    first.stop()
    guard = InstanceGuard(db_url, "next")
    assert guard.try_acquire()
    guard.release()


class _SlowToClose:
    """A connection whose close the server has not noticed yet (its backend still alive): what
    the next Central meets for a moment after a stop, on a loaded machine."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def cursor(self) -> Any:
        return self.conn.cursor()

    def close(self) -> None:
        pass


def test_a_released_lock_is_free_before_the_server_notices_the_closed_connection(postgres_url):
    """A restart right after a stop takes the lock at its first try: release() unlocks, it does
    not leave that to the end of the connection (3 of 7,000 rounds still held it under load)."""
    first = InstanceGuard(postgres_url, "first")
    assert first.try_acquire()
    conn = first._pg
    first._pg = _SlowToClose(conn)
    try:
        first.release()
        second = InstanceGuard(postgres_url, "second")
        assert second.try_acquire(), "the lock was still held after release()"
        second.release()
    finally:
        conn.close()


def test_ev_central_refuses_a_second_instance_with_exit_code_3_and_says_standby(central, data_dir):
    url = sqlite_url(data_dir / "central.db")
    central(db_url=url, instance="central-a")
    out = subprocess.run([sys.executable, "-m", "central_service.cli", "--bootstrap-servers", central.bootstrap,
                          "--topic-prefix", central.topics.prefix, "--db", url, "--port", "0",
                          "--data-dir", str(data_dir / "second"), "--instance-id", "central-b"],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 3, out.stdout + out.stderr
    assert "ya sirve esta base de datos" in out.stdout + out.stderr and "--standby" in out.stdout + out.stderr


def _terminate_lock_backend(pg_url: str, instance: str) -> int:
    """What a PostgreSQL restart, a dropped connection or an administrator does to the lock."""
    import psycopg2

    conn = psycopg2.connect(pg_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                        (f"ev-central {instance}",))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _serves(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def test_an_active_central_whose_lock_connection_is_killed_stops_serving_and_the_standby_serves(
        central, data_dir, postgres_url):
    active = central(db_url=postgres_url, instance="central-a", lock_check_interval=0.2)
    standby = _second(central, data_dir, db_url=postgres_url, instance="central-b", standby=True)
    with _running(standby):
        assert not standby.ready.wait(2), "the standby must not serve while the active one does"
        assert _serves(active.port)
        assert _terminate_lock_backend(postgres_url, "central-a") == 1
        wait_until(lambda: isinstance(active.failed, LockLost), 30, interval=0.1, message="the active one fenced")
        active._thread.join(60)
        assert not active._thread.is_alive(), "the fenced instance must stop"
        assert not _serves(active.port), "the fenced instance's socket must be closed"
        _took_over(central, standby)


def _ev_central(central, data_dir, url: str, *extra: str) -> tuple[subprocess.Popen, Path]:
    from tests.central.support import seed_db

    seed_db(url)
    log_path = data_dir / "central-a.log"
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "central_service.cli", "--bootstrap-servers",
                                 central.bootstrap, "--topic-prefix", central.topics.prefix, "--db", url,
                                 "--port", "0", "--data-dir", str(data_dir / "a"), "--instance-id", "central-a",
                                 "--lock-check-interval", "0.2", *extra],
                                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return proc, log_path


def test_ev_central_without_a_supervisor_stands_by_after_losing_its_lock_and_serves_again(
        central, data_dir, postgres_url):
    proc, log_path = _ev_central(central, data_dir, postgres_url)
    try:
        wait_until(lambda: "Central ready" in log_path.read_text(), 120, interval=0.2, message="Central ready")
        assert _terminate_lock_backend(postgres_url, "central-a") == 1
        # nobody else holds the lock: the fenced instance, restarted as a standby, takes it again
        wait_until(lambda: log_path.read_text().count("Central ready") == 2, 120, interval=0.2,
                   message="serving again")
        text = log_path.read_text()
        assert "ha perdido el bloqueo de la base de datos" in text and "vuelve a arrancar como reserva" in text
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_ev_central_exits_with_code_4_and_says_so_when_its_lock_is_lost(central, data_dir, postgres_url):
    proc, log_path = _ev_central(central, data_dir, postgres_url, "--on-lock-loss", "exit")
    try:
        wait_until(lambda: "Central ready" in log_path.read_text(), 120, interval=0.2, message="Central ready")
        assert _terminate_lock_backend(postgres_url, "central-a") == 1
        assert proc.wait(60) == 4, log_path.read_text()
        assert "ha perdido el bloqueo de la base de datos" in log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_a_postgresql_restart_fences_the_active_central_and_its_standby_serves_once_the_database_is_back(
        central, data_dir, postgres_server):
    url = postgres_server.url
    active = central(db_url=url, instance="central-a", lock_check_interval=0.2)
    standby = _second(central, data_dir, db_url=url, instance="central-b", standby=True)
    with _running(standby) as thread:
        assert not standby.ready.wait(2), "the standby must not serve while the active one does"
        postgres_server.stop()
        wait_until(lambda: isinstance(active.failed, LockLost), 30, interval=0.1, message="the active one fenced")
        active._thread.join(60)
        assert not active._thread.is_alive() and not _serves(active.port)
        assert not standby.ready.is_set() and thread.is_alive(), "the standby waits through the outage"
        postgres_server.start()
        _took_over(central, standby)
