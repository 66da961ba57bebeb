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
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from ev_common.kafka.broker_secrets import BrokerSecrets, broker_hosts
from ev_common.kafka.security import (PLAINTEXT, PRINCIPALS, SUPER_USERS, KafkaCredentials,
                                      load_credentials)
from ev_common.pki import write_secret

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
    #: explicit opt-out: no TLS, no authentication, no ACLs (a warning is logged)
    plaintext: bool = False
    pki_dir: Path | None = None       # default <data_dir>/pki
    ca_file: Path | None = None       # the user's own PKI: CA, certificate and key (all three)
    cert_file: Path | None = None
    key_file: Path | None = None
    #: topics may only be created by ensure_topics, with their settings (never by a send)
    auto_create_topics: bool = False
    #: more names clients use for this broker (DNS aliases), put in its certificate
    cert_hosts: tuple[str, ...] = ()
    #: BENCHMARKS ONLY: a second, PLAINTEXT listener on 127.0.0.1:<port> next to the secure
    #: one, so ``python -m benchmarks --only security`` compares secure and plain-text clients
    #: on the same broker. Its clients are ``User:ANONYMOUS`` (a super user here, see
    #: :class:`LocalBroker`): never set it on a broker that anything but a benchmark uses.
    bench_plaintext_port: int | None = None
    # -- one node of a local cluster (ev_common.kafka.broker_cluster); defaults = a lone broker
    node_id: int = 1
    #: ``id@127.0.0.1:port,...`` of every controller (default: this node alone)
    quorum_voters: str | None = None
    #: where the shared CA and the clients' credentials files live (default: data_dir)
    secrets_dir: Path | None = None
    #: the bootstrap list written into the credentials files (default: this broker's address)
    client_bootstrap: str | None = None
    #: a cluster's nodes are formatted with one id (default: a new random one)
    cluster_id: str | None = None
    #: more server.properties (replication of the internal topics, failure detection)
    extra_props: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.bench_plaintext_port and self.plaintext:
            raise ValueError("bench_plaintext_port adds a plain-text listener to a SECURE broker; "
                             "a plain-text broker has one already")

    @property
    def bootstrap(self) -> str:
        host = self.advertised_host or self.listen_host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"{host}:{self.port}"

    @property
    def protocol(self) -> str:
        return "PLAINTEXT" if self.plaintext else "SASL_SSL"

    @property
    def bench_plaintext_bootstrap(self) -> str | None:
        """The benchmark-only plain-text listener's address (None when there is none)."""
        return f"127.0.0.1:{self.bench_plaintext_port}" if self.bench_plaintext_port else None


def new_cluster_id() -> str:
    """A random KRaft cluster id, like Kafka's Uuid.randomUuid: a leading '-' would be parsed
    by StorageTool as an option (1 start in 64 failed with exit status 1), so none has one."""
    cluster_id = "-"
    while cluster_id.startswith("-"):
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    return cluster_id


def _voter_host(listen_host: str) -> str:
    return "127.0.0.1" if listen_host in ("0.0.0.0", "::", "") else listen_host


class LocalBroker:
    """Start/stop/inspect one KRaft broker whose files all live in ``config.data_dir``.

    Secure by default: one SASL_SSL listener (SCRAM-SHA-512 over TLS, certificate from our CA,
    see :mod:`ev_common.kafka.broker_secrets`), StandardAuthorizer with deny-by-default; the
    KRaft controller listener is PLAINTEXT but bound to 127.0.0.1 only (a single combined node
    talks to itself there), so its principal ``User:ANONYMOUS`` is a super user that no other
    machine can reach. ``plaintext=True`` is the explicit opt-out for a legacy setup.
    """

    def __init__(self, config: BrokerConfig) -> None:
        self.config = config
        self.dir = Path(config.data_dir)
        self.secrets = BrokerSecrets(Path(config.secrets_dir or self.dir), config.pki_dir,
                                     config.ca_file, config.cert_file, config.key_file)
        self._passwords: dict[str, str] = {}

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

    def credentials(self, principal: str = "admin") -> KafkaCredentials:
        """A principal's credentials (:data:`~ev_common.kafka.security.PLAINTEXT` for a
        plain-text broker)."""
        if self._plaintext_dir():
            return PLAINTEXT
        return load_credentials(self.secrets.credentials_file(principal))

    def _security_props(self) -> dict[str, str]:
        c = self.config
        if c.plaintext:
            return {"listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name": "PLAINTEXT"}
        tls = self.secrets.ensure_tls(broker_hosts(c.listen_host, c.advertised_host, c.cert_hosts))
        self._tls = tls
        own = self._passwords["broker"]
        bench = ",BENCH_PLAIN:PLAINTEXT" if c.bench_plaintext_port else ""
        return {
            "listener.security.protocol.map": f"SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT{bench}",
            "inter.broker.listener.name": "SASL_SSL",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="broker" password="{own}";',
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(tls.keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(tls.ca_file),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            # ANONYMOUS = the controller listener, bound to 127.0.0.1 (see the class docstring)
            "super.users": ";".join(f"User:{u}" for u in (*SUPER_USERS, "ANONYMOUS")),
        }

    def _write_config(self) -> Path:
        c = self.config
        cport = c.controller_port or c.port + 1
        proto = c.protocol
        adv = c.advertised_host or c.listen_host
        listeners = f"{proto}://{c.listen_host}:{c.port},CONTROLLER://127.0.0.1:{cport}"
        advertised = f"{proto}://{_voter_host(adv)}:{c.port}"
        if c.bench_plaintext_port:  # benchmarks only, loopback only (see BrokerConfig)
            listeners += f",BENCH_PLAIN://127.0.0.1:{c.bench_plaintext_port}"
            advertised += f",BENCH_PLAIN://127.0.0.1:{c.bench_plaintext_port}"
        props = {
            "process.roles": "broker,controller",
            "node.id": str(c.node_id),
            # the controller listener is loopback only (plain text there: see the class
            # docstring); a single combined node reaches itself there, the nodes of a local
            # cluster (all on this machine) reach each other there
            "controller.quorum.voters": c.quorum_voters or f"{c.node_id}@127.0.0.1:{cport}",
            "listeners": listeners,
            "advertised.listeners": advertised,
            "controller.listener.names": "CONTROLLER",
            **self._security_props(),
            "log.dirs": str(self.dir / "logs"),
            "num.partitions": "6",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true" if c.auto_create_topics else "false",
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            "log.segment.bytes": str(64 * 1024 * 1024),
            "log.retention.hours": "168",
            **c.extra_props,
        }
        path = self.dir / "server.properties"
        write_secret(path, "".join(f"{k}={v}\n" for k, v in props.items()))  # holds a password
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

    def formatted(self) -> bool:
        return (self.dir / "logs" / "meta.properties").exists()

    def _format(self, props: Path) -> None:
        if self.formatted():
            return
        cluster_id = self.config.cluster_id or new_cluster_id()
        args = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props), "-g"]
        if not self.config.plaintext:
            args += self.secrets.scram_format_args(self._passwords)
        # a 0600 Java argument file: the SCRAM passwords never appear in `ps`; StorageTool
        # prints the salted credentials on stdout, which is discarded (never logged)
        argfile = write_secret(self.dir / "format.args", "\n".join(args) + "\n")
        try:
            done = subprocess.run(self._java() + [f"@{argfile}"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        finally:
            argfile.unlink(missing_ok=True)
        if done.returncode != 0:
            err = done.stderr.decode(errors="replace")
            for pw in self._passwords.values():
                err = err.replace(pw, "***")
            raise RuntimeError(f"formatting the Kafka data dir failed (exit {done.returncode}): "
                               f"{err.strip()[-500:]}")

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
        proc = self.launch()
        self.wait_ready(self.config.bootstrap, timeout, proc)
        return self.config.bootstrap

    def launch(self) -> subprocess.Popen:
        """Prepare the data dir (users, config, format) and start the JVM; do not wait.
        A cluster launches every node this way, then waits for them together (a node alone
        cannot serve before a quorum of controllers is up)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        ensure_jars()
        self._check_ports_free()
        if not self.config.plaintext:
            self._prepare_users()
        else:
            log.warning("Kafka in PLAIN TEXT (--plaintext): no TLS, no authentication, no ACLs; "
                        "anyone who reaches %s can read and write every topic", self.config.bootstrap)
        props = self._write_config()
        self._format(props)
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(self._java() + ["kafka.Kafka", str(props)], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        self.addr_file.write_text(self.config.bootstrap)
        (self.dir / "protocol.txt").write_text(self.config.protocol)
        self._proc = proc
        return proc

    def _check_ports_free(self) -> None:
        """Refuse at once when a port we must listen on is taken. Kafka itself only logs the
        bind failure and lingers, and a silent process holding the port makes the readiness
        probe's TLS handshake wait: the user would see a long hang instead of the reason."""
        c = self.config
        ports = [(_voter_host(c.listen_host), c.port), ("127.0.0.1", c.controller_port or c.port + 1)]
        if c.bench_plaintext_port:
            ports.append(("127.0.0.1", c.bench_plaintext_port))
        for host, port in ports:
            probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise RuntimeError(f"port {port} on {host} is already in use ({exc.strerror})") from None
            finally:
                probe.close()

    def _prepare_users(self) -> None:
        """Passwords of every principal: kept from an earlier start, else new. A data dir that
        was formatted without our users (plain text before) cannot get them back offline."""
        existing = {p: self.secrets.credentials_file(p).exists() for p in PRINCIPALS}
        if self.formatted() and not (existing["admin"] and existing["broker"]):
            raise RuntimeError(
                f"the Kafka data dir {self.dir} was created without SCRAM users (plain text?): "
                "start it with --plaintext, or use a new --data-dir for the secure broker")
        self._passwords = self.secrets.passwords()
        tls_ca = self.secrets.ensure_tls(broker_hosts(self.config.listen_host,
                                                      self.config.advertised_host,
                                                      self.config.cert_hosts)).ca_file
        self.secrets.write_client_files(self._passwords,
                                        self.config.client_bootstrap or self.config.bootstrap, tls_ca)

    def wait_ready(self, bootstrap: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
        """Ready = a metadata request succeeds (not merely: the port accepts TCP)."""
        from ev_common.kafka.admin import cluster_ready

        creds = self.credentials("admin")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"Kafka exited with code {proc.returncode}; see {self.log_file}")
            if cluster_ready(bootstrap, timeout_s=2.0, credentials=creds):
                return
            time.sleep(0.2)
        raise TimeoutError(f"Kafka at {bootstrap} not ready after {timeout:.0f}s; see {self.log_file}")

    def _plaintext_dir(self) -> bool:
        """How the broker in this dir was started (a reused running broker keeps its mode)."""
        try:
            return (self.dir / "protocol.txt").read_text().strip() == "PLAINTEXT"
        except OSError:
            return self.config.plaintext

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
