"""Test helpers: wait on conditions (never bare sleeps), run real processes, private brokers."""
from __future__ import annotations

import os
from pathlib import Path

from ev_common.kafka.broker import BrokerConfig, LocalBroker
from ev_common.ports import free_port
from ev_common.kafka.security import KafkaCredentials, load_credentials
from ev_common.pki import write_secret
from ev_common.procs import Proc, WaitTimeout, wait_until  # noqa: F401 - shared with the benchmarks

REPO = Path(__file__).resolve().parent.parent


async def async_until(pred, timeout: float = 60.0, what: str = "condition", interval: float = 0.02):
    """:func:`wait_until` for a test running on an asyncio loop: yields to the loop between
    checks (the events it waits for arrive on it); AssertionError naming *what* on timeout."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Stubborn:
    """A task body that ignores every cancel until :attr:`release` is set: a task that will not
    end, for what must not wait on one forever (``await Stubborn().run()``)."""

    def __init__(self) -> None:
        import asyncio

        self.cancels = 0
        self.release = asyncio.Event()

    async def run(self) -> None:
        import asyncio

        while not self.release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancels += 1


def start_private_broker(tmp_path: Path, port: int | None = None) -> LocalBroker:
    """A secure broker this test may stop, kill and restart (same port and data on restart).

    It shares the session broker's CA and SCRAM passwords (its data dir is seeded with copies),
    so every client of the test — in-process ones through ``EV_KAFKA_CREDENTIALS`` and child
    processes — authenticates to it with the same credentials files."""
    data_dir = tmp_path / "private-kafka"
    seed_secure_dir(data_dir)
    cfg = BrokerConfig(data_dir=data_dir, port=port or free_port(),
                       controller_port=free_port(), heap_mb=512)
    return LocalBroker(cfg)


# ------------------------------------------------------------------ Kafka security for tests
SESSION_KAFKA_DIR = "EV_TEST_KAFKA_DIR"   # set by the kafka_broker fixture


def session_kafka_dir() -> Path:
    value = os.environ.get(SESSION_KAFKA_DIR)
    if not value:
        raise RuntimeError("the kafka_broker fixture has not started the session broker")
    return Path(value)


def credentials_file(principal: str = "admin") -> Path:
    """The session broker's 0600 credentials file of *principal* (admin, central, cp, driver,
    operator): give it to a child process with ``--kafka-credentials`` / EV_KAFKA_CREDENTIALS."""
    return session_kafka_dir() / "clients" / f"{principal}.toml"


def kafka_credentials(principal: str = "admin") -> KafkaCredentials:
    return load_credentials(credentials_file(principal))


def kafka_security(principal: str = "admin") -> dict:
    """kafka-python keyword arguments that authenticate as *principal* (raw test clients)."""
    return kafka_credentials(principal).kafka_kwargs()


def principal_env(principal: str) -> dict[str, str]:
    """Environment for a child process that must run as *principal*."""
    return {"EV_KAFKA_CREDENTIALS": str(credentials_file(principal))}


def grant_prefix(bootstrap: str, prefix: str) -> None:
    """The ACLs of *prefix* (tests use a fresh prefix each), for tests whose clients run as
    their role principals instead of admin."""
    from ev_common.kafka.acl import grant
    grant(bootstrap, prefix, kafka_credentials("admin"))


def make_test_secrets(directory: Path) -> Path:
    """A CA (``pki/``) and one credentials file per principal (``clients/``) for a test session."""
    from ev_common.kafka.broker_secrets import BrokerSecrets
    from ev_common.pki import CertificateAuthority
    secrets = BrokerSecrets(directory)
    # one CA for the whole session: the one tests/conftest.py made in EV_PKI_DIR, which Central's
    # socket certificates and `ev-kafka start` (its --pki-dir default) use too — a broker whose
    # certificate came from another CA than the clients trust would never answer them
    shared = Path(os.environ["EV_PKI_DIR"]) if os.environ.get("EV_PKI_DIR") else None
    if shared is not None and (shared / "ca.pem").exists() and (shared / "ca-key.pem").exists():
        for name in ("ca.pem", "ca-key.pem"):
            write_secret(directory / "pki" / name, (shared / name).read_bytes())
    ca = CertificateAuthority.ensure(directory / "pki")
    secrets.write_client_files(secrets.passwords(), "", ca.cert_file)
    return directory


def seed_secure_dir(data_dir: Path) -> None:
    """Copy the session's CA and credentials files into a new broker data dir (same passwords)."""
    if os.environ.get(SESSION_KAFKA_DIR) is None or (data_dir / "clients").exists():
        return
    src = session_kafka_dir()
    for sub in ("pki", "clients"):
        for f in (src / sub).glob("*"):
            if sub == "pki" and not f.name.startswith("ca"):
                continue
            write_secret(data_dir / sub / f.name, f.read_bytes())


# ------------------------------------------------------------------ TLS of the socket links
# tests/conftest.py points EV_PKI_DIR / EV_CA_FILE at a session CA before any test runs, so
# Central (in-process or spawned) issues its certificate from it and every client trusts it.
def tls_client_context():
    """A client context trusting only the test CA, host names checked (what the apps use)."""
    from ev_common.pki import ca_file, client_context
    return client_context(ca_file())


def tls_server_context(hosts: tuple[str, ...] = ("localhost", "127.0.0.1")):
    """A server context with a certificate from the test CA (fake Centrals in tests)."""
    from ev_common.tls_links import server_ssl
    return server_ssl(None, None, list(hosts))


def tls_connect(port: int, host: str = "127.0.0.1", timeout: float = 10.0, tls: bool = True,
                source: str | None = None):
    """A blocking socket to a framed server: TLS verified against the test CA (default), or
    plain TCP with ``tls=False`` (the Engine's loopback link, or a test of a plain-text peer).
    *source*: the local address to connect from (any 127.x.y.z on Linux: "another host")."""
    import socket
    sock = socket.create_connection((host, port), timeout=timeout,
                                    source_address=(source, 0) if source else None)
    if not tls:
        return sock
    try:
        return tls_client_context().wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
