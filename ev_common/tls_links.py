"""TLS for the framed socket links (Monitor → Central, driver/operator apps → Central).

Why: LOGIN, OPLOGIN, AUTH and HISTORY carry passwords, CP keys and tokens. Every client
verifies Central's certificate against the deployment's CA (``--ca-file`` / ``EV_CA_FILE``,
default :func:`ev_common.pki.ca_file`) *and* the host name it dialled, so a machine on the LAN
can neither read the link nor pose as Central. Plain text exists only as an explicit opt-out
(``--plaintext-socket`` / ``EV_PLAINTEXT_SOCKET=1``) and is logged as a warning.

Central's own certificate: ``--tls-cert``/``--tls-key`` when the user brings one; otherwise, on
the machine that holds the CA key (``ev-kafka start`` creates it), Central issues itself a
certificate for its host names and reuses it while it is valid and covers those names.
"""
from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import hashlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ev_common import pki
from ev_common.settings import setting

log = logging.getLogger(__name__)

# a certificate with less than this left is re-issued at start (Central restarts are cheap)
RENEW_BEFORE = dt.timedelta(days=30)


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class LinkTLS:
    """How a client reaches a framed server: TLS checked against a CA file, or plain text.

    The default (``LinkTLS()``) is secure: TLS, CA from ``EV_CA_FILE`` / the pki dir, looked
    up when a connection is made (so a CA copied in later is picked up without a restart)."""

    ca_file: Path | None = None
    plaintext: bool = False

    def context(self) -> ssl.SSLContext | None:
        """The client context (None for plain text). Raises ``OSError``/``ssl.SSLError`` when
        the CA file is missing or unreadable — callers turn that into a sentence."""
        if self.plaintext:
            return None
        return pki.client_context(self.ca_file or pki.ca_file())

    @classmethod
    def from_env(cls) -> LinkTLS:
        """TLS unless ``EV_PLAINTEXT_SOCKET`` says otherwise; the CA from ``EV_CA_FILE``/pki dir."""
        return cls(None, plaintext=_truthy(setting("plaintext_socket", "")))

    @property
    def secure(self) -> bool:
        return not self.plaintext

    def describe(self) -> str:
        return "texto plano (sin cifrar)" if self.plaintext else "TLS"


def add_client_tls_args(parser: argparse.ArgumentParser) -> None:
    """``--ca-file`` and ``--plaintext-socket`` for every client of Central's socket."""
    parser.add_argument("--ca-file", type=Path, default=None,
                        help="CA certificate that signs Central's socket certificate (env EV_CA_FILE; "
                             "default <pki dir>/ca.pem)")
    parser.add_argument("--plaintext-socket", action="store_true",
                        default=_truthy(setting("plaintext_socket", "")),
                        help="talk to Central WITHOUT TLS (legacy Central only; passwords and keys "
                             "travel in clear) (env EV_PLAINTEXT_SOCKET=1)")


def link_tls_from_args(args: argparse.Namespace, who: str = "client") -> LinkTLS:
    """The :class:`LinkTLS` the parsed options ask for; logs a warning for plain text."""
    tls = LinkTLS(ca_file=args.ca_file, plaintext=bool(args.plaintext_socket))
    if tls.plaintext:
        log.warning("%s: socket link to Central in PLAIN TEXT (--plaintext-socket): passwords, keys "
                    "and tokens cross the network unencrypted", who)
    return tls


# ----------------------------------------------------------------------------- server side
def default_hosts(listen_host: str) -> list[str]:
    """Names a client may dial to reach a server listening on *listen_host*: that address (if
    specific), this machine's host names and their addresses, localhost and 127.0.0.1."""
    hosts: list[str] = []
    if listen_host and listen_host not in ("0.0.0.0", "::", ""):
        hosts.append(listen_host)
    for name in (socket.gethostname(), socket.getfqdn()):
        if name:
            hosts.append(name)
            try:
                hosts += [ai[4][0] for ai in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)]
            except OSError:
                pass
    hosts += ["localhost", "127.0.0.1"]
    return list(dict.fromkeys(h.split("%")[0] for h in hosts if h))


@contextmanager
def _pki_lock(directory: Path):
    """One process at a time creates the CA / issues a certificate in *directory*."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_server_cert(directory: Path, name: str, hosts: Iterable[str],
                       now: Callable[[], dt.datetime] | None = None) -> pki.CertFiles:
    """A certificate for *hosts* signed by the CA in *directory* (created if missing), reused
    while it covers the same names and has more than :data:`RENEW_BEFORE` left.

    The file name carries a digest of the host list, so Centrals with other names on the same
    machine (tests, namespaces) never overwrite each other's certificate."""
    hosts = list(dict.fromkeys(hosts))
    tag = hashlib.sha256("\n".join(sorted(hosts)).encode()).hexdigest()[:10]
    when = (now or (lambda: dt.datetime.now(dt.timezone.utc)))()
    with _pki_lock(directory):
        ca = pki.CertificateAuthority.ensure(directory, now=now)
        files = pki.CertFiles(directory / f"{name}-{tag}.pem", directory / f"{name}-{tag}-key.pem")
        if files.cert.exists() and files.key.exists():
            try:
                start, end = pki.cert_validity(files.cert)
                if start <= when and end - when > RENEW_BEFORE and set(hosts) <= set(pki.cert_hosts(files.cert)):
                    return files
            except ValueError:
                pass  # unreadable: issue a new one
        log.info("issuing the %s certificate for %s (valid %d days)", name, ", ".join(hosts), pki.CERT_DAYS)
        return ca.issue(directory, f"{name}-{tag}", hosts, now=now)


def server_ssl(cert: Path | None, key: Path | None, hosts: Iterable[str], directory: Path | None = None,
               name: str = "central") -> ssl.SSLContext:
    """Central's TLS server context: the given certificate/key, or one issued from the local CA.

    Raises ``FileNotFoundError``/``pki.InsecureFileError`` with a sentence when neither works."""
    if cert or key:
        if not (cert and key):
            raise FileNotFoundError("--tls-cert y --tls-key van juntos: indique los dos ficheros")
        return pki.server_context(pki.CertFiles(Path(cert), Path(key)))
    where = directory or pki.pki_dir()
    if not (where / "ca-key.pem").exists() and (where / "ca.pem").exists():
        raise FileNotFoundError(
            f"{where} tiene el certificado de la CA pero no su clave: esta máquina no puede emitir el "
            "certificado de la CENTRAL. Indique --tls-cert y --tls-key (emitidos con la CA del despliegue) "
            "o arranque la CENTRAL en la máquina de `ev-kafka start`.")
    return pki.server_context(ensure_server_cert(where, name, hosts))
