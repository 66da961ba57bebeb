"""Kafka client security: the one place that turns a credentials file into client options.

Why one module: every kafka-python client of the code base (producer, consumer, admin,
diagnostics, benchmarks, tests) must authenticate the same way — SCRAM-SHA-512 over TLS,
broker certificate and host name checked against our CA. Copies of these options drift; one
function (:func:`kafka_kwargs`) cannot.

A credentials file (TOML, 0600, written by ``ev-kafka start`` as
``<broker dir>/clients/<principal>.toml``) names one principal::

    bootstrap_servers = "127.0.0.1:9092"
    security_protocol = "SASL_SSL"
    sasl_mechanism = "SCRAM-SHA-512"
    username = "central"
    password = "…"
    ca_file = "/…/pki/ca.pem"

Which file a process uses: ``--kafka-credentials FILE`` / ``EV_KAFKA_CREDENTIALS`` (see
:func:`ev_common.settings.add_common_args`), else the file of its role next to the local broker.
Plain text is used only when asked for (``--kafka-plaintext`` / ``EV_KAFKA_PLAINTEXT=1``), and
then :func:`link_encrypted` says so, for the log and the status bar ("sin cifrar").
The password is never logged: :class:`KafkaCredentials` hides it from ``repr``.
"""
from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ev_common.pki import InsecureFileError, check_secret_file, write_secret

log = logging.getLogger(__name__)

PROTOCOL = "SASL_SSL"
MECHANISM = "SCRAM-SHA-512"
ENV_FILE = "EV_KAFKA_CREDENTIALS"
ENV_PLAINTEXT = "EV_KAFKA_PLAINTEXT"
#: the principals ``ev-kafka start`` creates: one per role (admin and broker are super users)
ROLES = ("central", "cp", "driver", "operator")
SUPER_USERS = ("admin", "broker")
PRINCIPALS = (*SUPER_USERS, *ROLES)


class CredentialsError(RuntimeError):
    """A credentials file is missing, unreadable, malformed or readable by others."""


@dataclass(frozen=True)
class KafkaCredentials:
    """One principal's Kafka identity and the CA it trusts."""

    username: str
    password: str = field(repr=False)
    ca_file: Path
    bootstrap_servers: str = ""
    security_protocol: str = PROTOCOL
    sasl_mechanism: str = MECHANISM
    path: Path | None = None

    def kafka_kwargs(self) -> dict:
        """Options for ``KafkaProducer`` / ``KafkaConsumer`` / ``KafkaAdminClient``."""
        if self.security_protocol.upper() == "PLAINTEXT":
            return dict(security_protocol="PLAINTEXT")
        return dict(security_protocol=self.security_protocol, sasl_mechanism=self.sasl_mechanism,
                    sasl_plain_username=self.username, sasl_plain_password=self.password,
                    ssl_cafile=str(self.ca_file), ssl_check_hostname=True)

    def to_toml(self) -> str:
        def q(v: object) -> str:
            return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
        return (f"# Kafka credentials of principal '{self.username}' — secret: keep it 0600\n"
                f"bootstrap_servers = {q(self.bootstrap_servers)}\n"
                f"security_protocol = {q(self.security_protocol)}\n"
                f"sasl_mechanism = {q(self.sasl_mechanism)}\n"
                f"username = {q(self.username)}\npassword = {q(self.password)}\n"
                f"ca_file = {q(self.ca_file)}\n")


#: "no TLS, no SASL" said explicitly (a plain-text broker), unlike None = "this process's identity"
PLAINTEXT = KafkaCredentials(username="", password="", ca_file=Path(), security_protocol="PLAINTEXT")


def write_credentials(path: Path, creds: KafkaCredentials) -> Path:
    """Write *creds* to *path*, created 0600."""
    return write_secret(Path(path), creds.to_toml())


def load_credentials(path: str | Path) -> KafkaCredentials:
    """Read a credentials file; refuses one that others may read (with the chmod hint)."""
    p = Path(path).expanduser()
    try:
        check_secret_file(p)
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except InsecureFileError as exc:
        raise CredentialsError(str(exc)) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CredentialsError(f"No se puede leer el fichero de credenciales de Kafka {p}: {exc}") from exc
    missing = [k for k in ("username", "password", "ca_file") if not data.get(k)]
    if missing:
        raise CredentialsError(f"Al fichero de credenciales de Kafka {p} le falta: {', '.join(missing)}")
    ca = Path(str(data["ca_file"])).expanduser()
    if not ca.is_absolute():
        ca = p.parent / ca
    return KafkaCredentials(username=str(data["username"]), password=str(data["password"]),
                            ca_file=ca, bootstrap_servers=str(data.get("bootstrap_servers", "")),
                            security_protocol=str(data.get("security_protocol", PROTOCOL)),
                            sasl_mechanism=str(data.get("sasl_mechanism", MECHANISM)), path=p)


# ---------------------------------------------------------------- the process's own identity
_process: KafkaCredentials | None = None
_process_plaintext = False


def set_process_credentials(creds: KafkaCredentials | None, *, plaintext: bool = False) -> None:
    """The identity every client of this process uses unless given another (set at start-up)."""
    global _process, _process_plaintext
    _process, _process_plaintext = creds, plaintext and creds is None


def process_credentials() -> KafkaCredentials | None:
    """What :func:`set_process_credentials` set, else the file named by ``EV_KAFKA_CREDENTIALS``
    (read on every call: cheap, and a rotated file is picked up by the next client), else None."""
    if _process is not None or _process_plaintext:
        return _process
    env = os.environ.get(ENV_FILE)
    return load_credentials(env) if env else None


def kafka_kwargs(creds: KafkaCredentials | None = None) -> dict:
    """Security options for a kafka-python client: *creds*, else this process's identity;
    ``{}`` (plain text) only when none is configured."""
    creds = creds or process_credentials()
    return creds.kafka_kwargs() if creds is not None else {}


def link_encrypted(creds: KafkaCredentials | None = None) -> bool:
    """False when this process talks to Kafka in plain text (show "sin cifrar")."""
    creds = creds or process_credentials()
    return creds is not None and creds.security_protocol.upper() in ("SSL", "SASL_SSL")


def is_plaintext(creds: KafkaCredentials | None) -> bool:
    return creds is None or creds.security_protocol.upper() == "PLAINTEXT"


def principal_name(creds: KafkaCredentials | None = None) -> str | None:
    """Who this process is authenticated as on Kafka (None in plain text)."""
    creds = creds or process_credentials()
    return creds.username if creds is not None and creds.username else None


def plaintext_requested() -> bool:
    return os.environ.get(ENV_PLAINTEXT, "").strip().lower() in ("1", "true", "yes", "on")


def role_credentials_file(role: str, broker_dir: Path | None = None) -> Path:
    """``<broker dir>/clients/<role>.toml``: where ``ev-kafka start`` writes a role's file."""
    from ev_common.kafka.broker import default_broker_dir
    return Path(broker_dir or default_broker_dir()) / "clients" / f"{role}.toml"


def configure_process(path: str | Path | None, *, plaintext: bool = False,
                      role: str | None = None) -> KafkaCredentials | None:
    """Decide this process's Kafka identity at start-up; raises :class:`CredentialsError` with
    a sentence that says what to do when there is none.

    Order: *plaintext* (explicit opt-out, logged as a warning) > *path* (``--kafka-credentials``
    or ``EV_KAFKA_CREDENTIALS``) > the local broker's file for *role*."""
    if plaintext:
        log.warning("Kafka SIN CIFRAR y sin autenticación (--kafka-plaintext): cualquiera en la red "
                    "puede leer y escribir los topics")
        set_process_credentials(None, plaintext=True)
        return None
    if not path and role:
        candidate = role_credentials_file(role)
        if candidate.exists():
            path = candidate
    if not path:
        raise CredentialsError(
            "Faltan las credenciales de Kafka: indique --kafka-credentials FICHERO (o "
            f"{ENV_FILE}); `ev-kafka start` escribe uno por rol en <datos de kafka>/clients/. "
            "Para un clúster sin seguridad, --kafka-plaintext")
    creds = load_credentials(path)
    set_process_credentials(creds)
    log.info("Kafka: %s as '%s' (CA %s)", creds.security_protocol, creds.username, creds.ca_file)
    return creds
