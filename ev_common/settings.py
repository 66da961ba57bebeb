"""Configuration shared by every process: command line > environment > config file > defaults.

Nothing in the code base hard-codes an address, port, topic prefix, timeout or path; every
process builds an ``argparse`` parser with :func:`add_common_args` and reads the result with
:func:`common_settings`. Environment variables (``EV_*``) let a whole stack be re-pointed
without touching command lines; an optional TOML file (``EV_CONFIG`` or
``<config dir>/evcharging/config.toml``) holds per-machine values, e.g. on a 3-host deployment.
"""
from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_CENTRAL = "127.0.0.1:7000"
DEFAULT_TOPIC_PREFIX = "ev"


def config_file_values() -> dict[str, Any]:
    """Values from the optional TOML config file (flat keys, e.g. ``bootstrap_servers``)."""
    path = os.environ.get("EV_CONFIG") or str(
        Path(platformdirs.user_config_dir("evcharging")) / "config.toml"
    )
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"No se puede leer el fichero de configuración {path}: {exc}") from exc


def setting(name: str, default: str) -> str:
    """One setting from the environment (``EV_<NAME>``), then the config file, then *default*."""
    env = os.environ.get(f"EV_{name.upper()}")
    if env:
        return env
    value = config_file_values().get(name)
    return str(value) if value is not None else default


def default_data_dir() -> Path:
    return Path(setting("data_dir", platformdirs.user_data_dir("evcharging")))


def parse_host_port(value: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``"host:port"`` / ``":port"`` / ``"port"`` → (host, port); raises ValueError with a clear text."""
    text = value.strip()
    if text.startswith("[") and "]:" in text:  # [ipv6]:port
        host, _, port = text[1:].partition("]:")
    elif ":" in text:
        host, _, port = text.rpartition(":")
    else:
        host, port = "", text
    try:
        port_n = int(port)
    except ValueError:
        raise ValueError(f"'{value}' no es una dirección HOST:PUERTO válida") from None
    if not 0 < port_n < 65536:
        raise ValueError(f"puerto fuera de rango en '{value}'")
    return (host or default_host), port_n


def host_port_arg(value: str) -> tuple[str, int]:
    try:
        return parse_host_port(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


@dataclass(frozen=True)
class CommonSettings:
    bootstrap_servers: str
    topic_prefix: str
    data_dir: Path
    log_level: str
    #: None = plain text (only with --kafka-plaintext); see ev_common.kafka.security
    kafka_credentials: Path | None = None


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Options every Kafka-speaking process accepts."""
    parser.add_argument(
        "--bootstrap-servers",
        default=setting("bootstrap_servers", ""),
        help="Kafka bootstrap servers HOST:PORT[,HOST:PORT] (env EV_BOOTSTRAP_SERVERS; default: "
        f"the credentials file's, else {DEFAULT_BOOTSTRAP})",
    )
    parser.add_argument(
        "--topic-prefix",
        default=setting("topic_prefix", DEFAULT_TOPIC_PREFIX),
        help="prefix of every topic name (env EV_TOPIC_PREFIX; default %(default)s)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="where outboxes, journals and local state live (env EV_DATA_DIR; default %(default)s)",
    )
    parser.add_argument(
        "--kafka-credentials",
        type=Path,
        default=setting("kafka_credentials", "") or None,
        help="this process's Kafka credentials file (TOML, 0600; env EV_KAFKA_CREDENTIALS; "
        "default: the file of its role written by `ev-kafka start` in <kafka dir>/clients/)",
    )
    parser.add_argument(
        "--kafka-plaintext",
        action="store_true",
        default=setting("kafka_plaintext", "").lower() in ("1", "true", "yes", "on"),
        help="talk to a legacy Kafka cluster without TLS or authentication (env EV_KAFKA_PLAINTEXT=1); "
        "logged as a warning",
    )
    parser.add_argument(
        "--log-level",
        default=setting("log_level", "INFO"),
        help="logging level (env EV_LOG_LEVEL; default %(default)s)",
    )


def common_settings(args: argparse.Namespace, role: str | None = None) -> CommonSettings:
    """Settings of a process; also fixes its Kafka identity (*role*: central, cp, driver,
    operator — picks that role's credentials file of the local broker when none is given).
    Exits with a plain sentence when the credentials are missing or readable by others."""
    from ev_common.kafka.security import CredentialsError, configure_process

    data_dir = Path(args.data_dir).expanduser()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        creds = configure_process(getattr(args, "kafka_credentials", None),
                                  plaintext=getattr(args, "kafka_plaintext", False), role=role)
    except CredentialsError as exc:
        raise SystemExit(str(exc)) from exc
    if creds is not None and hasattr(args, "kafka_credentials"):
        args.kafka_credentials = creds.path  # children started with these args inherit it
    bootstrap = args.bootstrap_servers
    if not bootstrap:  # neither option nor env/config: the credentials file names its cluster
        bootstrap = (creds.bootstrap_servers if creds else "") or DEFAULT_BOOTSTRAP
        args.bootstrap_servers = bootstrap
    return CommonSettings(
        bootstrap_servers=bootstrap,
        topic_prefix=args.topic_prefix,
        data_dir=data_dir,
        log_level=args.log_level,
        kafka_credentials=creds.path if creds else None,
    )
