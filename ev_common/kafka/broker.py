"""A real Apache Kafka 4.x broker (KRaft, single combined node) run from Maven Central jars.

Why not a tarball or Docker: the build machines have neither, but they have Maven and Java 17.
The pinned version lives in ``kafka-broker.pom`` next to this file; the jars are copied once to
a cache outside the repository (``EV_KAFKA_JARS`` or ``<user cache>/evcharging/kafka-<version>``).

:class:`LocalBroker` is used by ``ev-kafka``, by ``ev-stack`` and by the pytest fixture.
"""
from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from ev_common.ports import free_port as _free_port

log = logging.getLogger(__name__)

POM = Path(__file__).with_name("kafka-broker.pom")


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    assert match, "kafka.version missing from kafka-broker.pom"
    return match.group(1)


def jars_dir() -> Path:
    env = os.environ.get("EV_KAFKA_JARS")
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir("evcharging")) / f"kafka-{kafka_version()}"


def ensure_jars(quiet: bool = True) -> Path:
    """Resolve the broker jars with Maven if the cache is empty; returns the jar directory."""
    target = jars_dir()
    if (target / f"kafka_2.13-{kafka_version()}.jar").exists():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed once to download the Kafka jars; install it "
                           "(Debian: apt-get install maven) or set EV_KAFKA_JARS")
    tmp = target.with_name(target.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [mvn, "-B", "-f", str(POM), "dependency:copy-dependencies",
           "-DincludeScope=runtime", f"-DoutputDirectory={tmp}"]
    if quiet:
        cmd.insert(1, "-q")
    log.info("downloading Kafka %s jars with Maven into %s", kafka_version(), target)
    subprocess.run(cmd, check=True)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def free_port(host: str = "127.0.0.1") -> int:
    """A distinct free port (kept here for the many callers; see :mod:`ev_common.ports`)."""
    return _free_port(host)


def default_broker_dir() -> Path:
    base = os.environ.get("EV_KAFKA_DATA_DIR")
    if base:
        return Path(base)
    return Path(platformdirs.user_data_dir("evcharging")) / "kafka"


@dataclass
class BrokerConfig:
    data_dir: Path
    port: int = 9092
    controller_port: int | None = None  # default: port + 1
    listen_host: str = "127.0.0.1"
    advertised_host: str | None = None  # default: listen_host
    heap_mb: int = 512

    @property
    def bootstrap(self) -> str:
        return f"{self.advertised_host or self.listen_host}:{self.port}"


def _voter_host(listen_host: str) -> str:
    return "127.0.0.1" if listen_host in ("0.0.0.0", "::", "") else listen_host


class LocalBroker:
    """Start/stop/inspect one KRaft broker whose files all live in ``config.data_dir``."""

    def __init__(self, config: BrokerConfig) -> None:
        self.config = config
        self.dir = Path(config.data_dir)

    # -- files
    @property
    def pid_file(self) -> Path:
        return self.dir / "broker.pid"

    @property
    def addr_file(self) -> Path:
        return self.dir / "bootstrap.txt"

    @property
    def log_file(self) -> Path:
        return self.dir / "broker.log"

    def _write_config(self) -> Path:
        c = self.config
        cport = c.controller_port or c.port + 1
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            # a wildcard listen host (0.0.0.0, for other machines) is not a routable voter
            # address: Kafka refuses to format/start with it; this node reaches itself locally
            "controller.quorum.voters": f"1@{_voter_host(c.listen_host)}:{cport}",
            "listeners": f"PLAINTEXT://{c.listen_host}:{c.port},CONTROLLER://{c.listen_host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{c.advertised_host or c.listen_host}:{c.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.dir / "logs"),
            "num.partitions": "6",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            "log.segment.bytes": str(64 * 1024 * 1024),
            "log.retention.hours": "168",
        }
        path = self.dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.dir / "log4j2.properties").write_text(
            "rootLogger.level=WARN\nrootLogger.appenderRef.c.ref=C\n"
            "appender.c.type=Console\nappender.c.name=C\n"
            "appender.c.layout.type=PatternLayout\n"
            "appender.c.layout.pattern=[%d] %p %m (%c)%n\n"
            "logger.kafka.name=kafka.server.KafkaServer\nlogger.kafka.level=INFO\n"
            "logger.raft.name=kafka.server.KafkaRaftServer\nlogger.raft.level=INFO\n"
        )
        return path

    def _java(self) -> list[str]:
        java = shutil.which("java") or "java"
        jars = jars_dir()
        return [java, f"-Xmx{self.config.heap_mb}m", f"-Xms{min(256, self.config.heap_mb)}m",
                "-XX:+ExitOnOutOfMemoryError", "-XX:+UseG1GC", "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.dir / 'log4j2.properties'}",
                "-cp", f"{jars}/*"]

    def _format(self, props: Path) -> None:
        if (self.dir / "logs" / "meta.properties").exists():
            return
        cluster_id = "-"
        while cluster_id.startswith("-"):  # like Kafka's Uuid.randomUuid: a leading '-' would be
            # parsed by StorageTool as an option (1 start in 64 failed with exit status 1)
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        subprocess.run(self._java() + ["kafka.tools.StorageTool", "format", "-t", cluster_id,
                                       "-c", str(props), "-g"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    # -- lifecycle
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        try:  # a zombie child counts as dead
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split(")")[-1].split()[0] == "Z":
                    return None
        except OSError:
            pass
        return pid

    def start(self, timeout: float = 90.0) -> str:
        """Start (or reuse) the broker; return its bootstrap address once it serves clients."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.pid() is not None:
            addr = self.addr_file.read_text().strip() if self.addr_file.exists() else self.config.bootstrap
            self.wait_ready(addr, timeout)
            return addr
        ensure_jars()
        props = self._write_config()
        self._format(props)
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(self._java() + ["kafka.Kafka", str(props)], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        self.addr_file.write_text(self.config.bootstrap)
        self._proc = proc
        self.wait_ready(self.config.bootstrap, timeout, proc)
        return self.config.bootstrap

    def wait_ready(self, bootstrap: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
        """Ready = a metadata request succeeds (not merely: the port accepts TCP)."""
        from ev_common.kafka.admin import cluster_ready

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"Kafka exited with code {proc.returncode}; see {self.log_file}")
            if cluster_ready(bootstrap, timeout_s=2.0):
                return
            time.sleep(0.2)
        raise TimeoutError(f"Kafka at {bootstrap} not ready after {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 30.0, hard: bool = False) -> bool:
        """Stop the broker (SIGTERM, then SIGKILL after *timeout*); True if one was running."""
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = getattr(self, "_proc", None)
            if proc is not None:
                proc.poll()
            if self.pid() is None:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        proc = getattr(self, "_proc", None)
        if proc is not None:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.pid_file.unlink(missing_ok=True)
        return True
