"""The desktop app's saved settings: a small JSON file in the data dir.

Precedence: command line > saved file (what the settings dialog last applied) > environment /
config file / defaults of :mod:`ev_common.settings`. A plain file rather than QSettings so a
support person can read it and tests can point the app at a temporary directory.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ev_common.bootstrap import parse_bootstrap
from ev_common.central_addresses import parse_central_list
from ev_common.settings import DEFAULT_BOOTSTRAP, DEFAULT_CENTRAL, DEFAULT_TOPIC_PREFIX, setting

log = logging.getLogger(__name__)

FILE_NAME = "desktop-settings.json"


@dataclass(frozen=True)
class AppSettings:
    bootstrap_servers: str = DEFAULT_BOOTSTRAP
    central: str = DEFAULT_CENTRAL          # HOST:PORT of Central's socket server
    topic_prefix: str = DEFAULT_TOPIC_PREFIX
    role: str = "operator"                   # "driver" sees only the driver panel
    lang: str = "es"
    last_driver: str = ""
    kafka_credentials: str = ""              # path of this app's Kafka credentials file (0600)
    sound: str = "on"                        # "on" | "off": a beep when the driver's supply ends

    @property
    def central_host_port(self) -> tuple[str, int]:
        """The first Central of the list (``h1:p,h2:p``: an active Central and its standbys)."""
        return parse_central_list(self.central)[0]

    @property
    def central_fallbacks(self) -> tuple[tuple[str, int], ...]:
        """The other Centrals of the list, tried in turn when one does not answer."""
        return parse_central_list(self.central)[1:]

    def connection_differs(self, other: "AppSettings") -> bool:
        return (self.bootstrap_servers, self.central, self.topic_prefix, self.kafka_credentials) != (
            other.bootstrap_servers, other.central, other.topic_prefix, other.kafka_credentials)


def defaults() -> AppSettings:
    return AppSettings(
        bootstrap_servers=setting("bootstrap_servers", DEFAULT_BOOTSTRAP),
        central=setting("central", DEFAULT_CENTRAL),
        topic_prefix=setting("topic_prefix", DEFAULT_TOPIC_PREFIX),
    )


def validate(s: AppSettings) -> list[str]:
    """Problems in plain Spanish (empty list = fine); used by the settings dialog."""
    problems = []
    if not s.bootstrap_servers.strip():
        problems.append("Indique al menos un servidor de Kafka (HOST:PUERTO)")
    for part in s.bootstrap_servers.split(","):
        if part.strip():
            try:  # the rules every Kafka client of the app uses (IPv6 as [addr]:port)
                parse_bootstrap(part.strip())
            except ValueError:
                problems.append(f"Kafka: '{part.strip()}' no es una dirección HOST:PUERTO válida")
    try:
        parse_central_list(s.central)
    except ValueError as exc:
        problems.append(f"CENTRAL: {exc}")
    if s.kafka_credentials.strip():
        from ev_common.kafka.security import CredentialsError, load_credentials
        try:
            load_credentials(s.kafka_credentials.strip())
        except CredentialsError as exc:
            problems.append(str(exc))
    if not s.topic_prefix.strip() or any(c.isspace() for c in s.topic_prefix):
        problems.append("El prefijo de topics no puede estar vacío ni contener espacios")
    return problems


class SettingsStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME

    def load(self) -> AppSettings:
        base = defaults()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return base
        except (OSError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", self.path, exc)
            return base
        known = {f.name for f in fields(AppSettings)}
        values = {k: str(v) for k, v in raw.items() if k in known and v is not None}
        return replace(base, **values)

    def save(self, s: AppSettings) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(s), indent=2), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("cannot save settings to %s: %s", self.path, exc)
