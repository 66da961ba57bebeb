"""``ev-kafka start|status|grant|rotate-user|stop`` as an administrator runs them: a secure
broker with one 0600 credentials file per principal, ACLs for its prefix, passwords nowhere
else, rotation that locks the old password out, idempotent restarts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kafka import KafkaProducer
from kafka import errors as kerr

from ev_common.kafka.admin import cluster_ready
from ev_common.ports import free_port
from ev_common.kafka.security import PRINCIPALS, load_credentials
from tests.helpers import REPO


def ev_kafka(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def can_write(bootstrap: str, creds, topic: str) -> bool:
    kp = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=10000, **creds.kafka_kwargs())
    try:
        kp.send(topic, key=b"k", value=b"v").get(20)
        return True
    except kerr.TopicAuthorizationFailedError:
        return False
    finally:
        kp.close(timeout=1)


def test_start_secure_grant_rotate_restart_stop(tmp_path: Path) -> None:
    data = tmp_path / "kafka"
    port = free_port()
    start = ("start", "--data-dir", str(data), "--port", str(port), "--controller-port",
             str(free_port()), "--heap-mb", "384", "--topic-prefix", "cli", "--timeout", "180")
    try:
        out = ev_kafka(*start)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "SASL_SSL" in out.stdout and "clients" in out.stdout
        bootstrap = f"127.0.0.1:{port}"
        files = {p: data / "clients" / f"{p}.toml" for p in PRINCIPALS}
        assert all((f.stat().st_mode & 0o777) == 0o600 for f in files.values())
        creds = {p: load_credentials(f) for p, f in files.items()}
        # passwords live only in the 0600 files (and server.properties, 0600)
        visible = out.stdout + out.stderr + (data / "broker.log").read_text(errors="replace")
        assert not any(c.password in visible for c in creds.values())
        assert (data / "server.properties").stat().st_mode & 0o777 == 0o600
        assert not (data / "format.args").exists()
        # ACLs of the start's prefix: a CP writes its events, not commands
        assert can_write(bootstrap, creds["cp"], "cli.cp.events")
        assert not can_write(bootstrap, creds["cp"], "cli.cp.commands")
        # grant another prefix (topics created by Central, here by admin)
        from ev_common.kafka.admin import ensure_topics
        from ev_common.topics import Topics
        ensure_topics(bootstrap, Topics("other"), credentials=creds["admin"])
        assert not can_write(bootstrap, creds["driver"], "other.driver.requests")
        assert ev_kafka("grant", "--data-dir", str(data), "--topic-prefix", "other").returncode == 0
        assert can_write(bootstrap, creds["driver"], "other.driver.requests")
        # rotation: the old password stops working, the new file works
        rot = ev_kafka("rotate-user", "--data-dir", str(data), "operator")
        assert rot.returncode == 0, rot.stdout + rot.stderr
        new = load_credentials(files["operator"])
        assert new.password != creds["operator"].password
        assert new.password not in rot.stdout + rot.stderr
        assert not cluster_ready(bootstrap, 6.0, credentials=creds["operator"])
        assert cluster_ready(bootstrap, 10.0, credentials=new)
        # a restart on the same dir keeps the CA and the users (idempotent)
        assert ev_kafka("stop", "--data-dir", str(data)).returncode == 0
        again = ev_kafka(*start)
        assert again.returncode == 0, again.stdout + again.stderr
        assert load_credentials(files["admin"]).password == creds["admin"].password
        assert cluster_ready(bootstrap, 10.0, credentials=new)
        status = ev_kafka("status", "--data-dir", str(data), timeout=60)
        assert status.returncode == 0 and "up" in status.stdout
    finally:
        ev_kafka("stop", "--data-dir", str(data), timeout=120)


def test_controller_listener_is_loopback_only(tmp_path: Path) -> None:
    """Its principal is a super user: it must never be reachable from another machine."""
    from ev_common.kafka.broker import BrokerConfig, LocalBroker
    broker = LocalBroker(BrokerConfig(data_dir=tmp_path / "k", port=free_port(), controller_port=free_port(),
                                      listen_host="0.0.0.0"))
    broker._passwords = {p: "x" for p in PRINCIPALS}  # noqa: SLF001 - config only, not started
    props = broker._write_config().read_text()  # noqa: SLF001
    listeners = next(line for line in props.splitlines() if line.startswith("listeners="))
    assert f"CONTROLLER://127.0.0.1:{broker.config.controller_port}" in listeners
    assert "SASL_SSL://0.0.0.0:" in listeners
    assert "allow.everyone.if.no.acl.found=false" in props
    assert "auto.create.topics.enable=false" in props
