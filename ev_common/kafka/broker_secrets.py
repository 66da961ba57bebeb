"""The secure broker's keys and passwords: TLS certificate, SCRAM users, client credentials files.

Layout (everything under the broker's data dir unless the user gives their own PKI)::

    <data dir>/pki/ca.pem, ca-key.pem (0600)      the deployment's CA (--pki-dir to move it)
    <data dir>/pki/kafka-broker*.pem (0600 keys)   the broker's certificate, re-issued when the
                                                   listen/advertised hosts change or it nears expiry
    <data dir>/clients/<principal>.toml (0600)     one credentials file per principal:
                                                   admin, broker (super users), central, cp, driver,
                                                   operator — hand each process its own

Why here and not in ``broker.py``: key handling is its own job (and ``broker.py`` runs Java).
Passwords are random; they exist only in these 0600 files and in ``server.properties`` (0600,
the broker's own). They reach ``StorageTool`` through a 0600 Java argument file (``java @file``),
never on a command line that ``ps`` would show.
"""
from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass
from pathlib import Path

from ev_common.kafka.security import (PRINCIPALS, CredentialsError, KafkaCredentials,
                                      load_credentials, write_credentials)
from ev_common.pki import CertificateAuthority, cert_hosts, cert_validity, check_secret_file, new_password

CERT_NAME = "kafka-broker"
RENEW_BEFORE = dt.timedelta(days=30)


def broker_hosts(listen_host: str, advertised_host: str | None,
                 extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Names clients may use to reach this broker: what the certificate must list."""
    hosts = ["localhost", "127.0.0.1", "::1"]
    for h in (listen_host, advertised_host, *extra):
        if h and h not in ("0.0.0.0", "::", ""):
            hosts.append(h)
    if listen_host in ("0.0.0.0", "::", ""):  # every interface: the machine's own name too
        hosts.append(socket.gethostname())
    return list(dict.fromkeys(hosts))


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path          # what clients trust
    keystore: Path         # key then certificate chain (PEM, 0600): Kafka's PEM keystore


@dataclass
class BrokerSecrets:
    data_dir: Path
    pki_dir: Path | None = None
    ca_file: Path | None = None      # the user's own PKI (all three or none)
    cert_file: Path | None = None
    key_file: Path | None = None

    @property
    def clients_dir(self) -> Path:
        return self.data_dir / "clients"

    def credentials_file(self, principal: str) -> Path:
        return self.clients_dir / f"{principal}.toml"

    # ------------------------------------------------------------------ TLS
    def ensure_tls(self, hosts: list[str]) -> TlsFiles:
        """The CA and a broker certificate valid for *hosts* (created or re-issued as needed)."""
        if self.cert_file or self.key_file or self.ca_file:
            if not (self.cert_file and self.key_file and self.ca_file):
                raise CredentialsError("Own PKI: give --ca-file, --cert-file and --key-file together")
            keystore = self.data_dir / "pki" / f"{CERT_NAME}-keystore.pem"
            from ev_common.pki import write_secret
            write_secret(keystore, check_secret_file(Path(self.key_file)).read_bytes()
                         + Path(self.cert_file).read_bytes())
            return TlsFiles(Path(self.ca_file).resolve(), keystore)
        pki = Path(self.pki_dir or self.data_dir / "pki")
        ca = CertificateAuthority.ensure(pki)
        cert = pki / f"{CERT_NAME}.pem"
        keystore = pki / f"{CERT_NAME}-keystore.pem"
        if not (cert.exists() and keystore.exists() and self._cert_fits(cert, hosts)):
            files = ca.issue(pki, CERT_NAME, hosts)
            keystore = files.combined()
        return TlsFiles(ca.cert_file.resolve(), keystore)

    @staticmethod
    def _cert_fits(cert: Path, hosts: list[str]) -> bool:
        try:
            listed = set(cert_hosts(cert))
            _, not_after = cert_validity(cert)
        except (OSError, ValueError):
            return False
        now = dt.datetime.now(dt.timezone.utc)
        return set(hosts) <= listed and not_after - now > RENEW_BEFORE

    # ------------------------------------------------------------------ SCRAM users
    def passwords(self) -> dict[str, str]:
        """Every principal's password: from its credentials file, or new (not yet written)."""
        out = {}
        for p in PRINCIPALS:
            path = self.credentials_file(p)
            out[p] = load_credentials(path).password if path.exists() else new_password()
        return out

    def write_client_files(self, passwords: dict[str, str], bootstrap: str, ca_file: Path) -> None:
        """(Re)write every principal's 0600 credentials file (the bootstrap may have changed)."""
        for principal, password in passwords.items():
            write_credentials(self.credentials_file(principal), KafkaCredentials(
                username=principal, password=password, ca_file=ca_file, bootstrap_servers=bootstrap))

    @staticmethod
    def scram_format_args(passwords: dict[str, str]) -> list[str]:
        """``--add-scram`` arguments for StorageTool format (put in a 0600 argument file)."""
        args: list[str] = []
        for principal, password in passwords.items():
            args += ["--add-scram", f"SCRAM-SHA-512=[name={principal},password={password}]"]
        return args
