"""Fixtures of Central's tests: Central in-process on the shared broker, a throwaway PostgreSQL."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile

import pytest

from ev_common.ports import free_port
from central_service.runtime import CentralConfig, CentralService
from tests.central.support import Kafka, Monitor, seed_db, sqlite_url
from tests.helpers import wait_until
from tests.notify_support import DbNotifyKeys


@pytest.fixture
def central(kafka_broker, topics, data_dir):
    started: list[CentralService] = []
    monitors: list[Monitor] = []

    def start(**overrides) -> CentralService:
        url = overrides.pop("db_url", sqlite_url(data_dir / "central.db"))
        # these tests report round energy figures seconds after the reservation; the energy
        # bound (max kW x elapsed time) has its own tests in tests/security/test_messages_billing.py
        overrides.setdefault("billing_time_scale", 3600.0)
        seed_db(url)
        kafka.notify_keys = DbNotifyKeys(url)  # open the sealed notifications as the driver would
        cfg = CentralConfig(port=0, host="127.0.0.1", bootstrap_servers=kafka_broker, data_dir=data_dir,
                            topic_prefix=topics.prefix, db_url=url, heartbeat_interval=0.5,
                            monitor_timeout=3.0, reservation_timeout=overrides.pop("reservation_timeout", 60.0),
                            **overrides)
        svc = CentralService(cfg).start_in_thread()
        # a fresh group on fresh topics may first be assigned nothing (metadata not known yet)
        wait_until(lambda: svc.consumer_partitions() == 18, 90, interval=0.2, message="consumer assigned")
        svc.monitors = monitors
        started.append(svc)
        return svc

    kafka = Kafka(kafka_broker, topics)
    start.kafka = kafka
    start.bootstrap = kafka_broker
    start.topics = topics
    start.monitor = lambda svc, cp_id, **kw: monitors.append(Monitor(svc.port, cp_id, **kw).start()) or monitors[-1]
    yield start
    for m in monitors:
        m.stop()
    for svc in started:
        svc.stop()
    kafka.close()


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class PgServer:
    """A throwaway PostgreSQL cluster (Debian's postgresql package): its URL, and stop/start for
    tests of a database outage (a PostgreSQL restart)."""

    def __init__(self, bindir: str, base: str, prefix: list[str], port: int, user: str) -> None:
        self.bindir, self.base, self.prefix, self.port = bindir, base, prefix, port
        self.data = os.path.join(base, "data")
        self.url = f"postgresql://{user}@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        subprocess.run(self.prefix + [f"{self.bindir}/pg_ctl", "-D", self.data, "-l", os.path.join(self.base, "pg.log"),
                                      "-w", "-t", "60", "-o", f"-p {self.port} -k {self.base} "
                                      "-c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(self.prefix + [f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"],
                       capture_output=True)


@contextlib.contextmanager
def _postgres():
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin/initdb missing; "
                    "Debian: apt-get install postgresql) — the SQLite runs cover the same flow")
    as_root = os.geteuid() == 0
    if as_root and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb refuses to run as root")
    base = tempfile.mkdtemp(prefix="ev-pg-")
    os.chmod(base, 0o755)
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(base, "postgres")
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    pg = PgServer(bindir, base, prefix, free_port(), user)
    subprocess.run(prefix + [f"{bindir}/initdb", "-D", pg.data, "-A", "trust", "-U", user, "--no-sync"],
                   check=True, capture_output=True)
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL cluster (Debian's postgresql package), removed afterwards."""
    with _postgres() as pg:
        yield pg.url


@pytest.fixture
def postgres_server():
    """The same, with :meth:`PgServer.stop` / :meth:`PgServer.start` (a database outage)."""
    with _postgres() as pg:
        yield pg
