"""The deployment's own certificate authority, certificates and secret files.

Why our own CA: a fresh deployment (three machines on a LAN, CP boxes in the field) has no
public host name a public CA would certify, yet every client must verify that the broker and
Central are who they claim to be. ``ev-kafka start`` creates a CA once under its data dir and
signs the server certificates with it; clients trust that CA file and nothing else (host names
checked). Users with their own PKI pass their CA, certificate and key instead.

Secrets (private keys, passwords) live in files readable by their owner only (0600); a file
that others may read is refused with a sentence that says how to fix it, because a key that
leaked through a group-readable file cannot be trusted afterwards.

EC P-256 keys: small, fast handshakes, accepted by Java (the broker, PEM keystore: KIP-651) and
by Python's ``ssl``.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import ssl
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650


def pki_dir() -> Path:
    """Where this machine keeps the deployment's CA and certificates.

    ``EV_PKI_DIR`` (or ``pki_dir`` in the config file), else ``<data dir>/pki``. ``ev-kafka
    start`` creates the CA here; Central issues its socket certificate from it when it runs on
    the same machine; clients on other machines get a copy of ``ca.pem`` (never the key).
    """
    from ev_common.settings import default_data_dir, setting  # settings imports nothing of ours
    return Path(setting("pki_dir", str(default_data_dir() / "pki"))).expanduser()


def ca_file() -> Path:
    """The CA certificate clients trust: ``EV_CA_FILE``, else ``<pki dir>/ca.pem``."""
    from ev_common.settings import setting
    return Path(setting("ca_file", str(pki_dir() / "ca.pem"))).expanduser()
CERT_DAYS = 825


class InsecureFileError(RuntimeError):
    """A secret file can be read (or written) by someone other than its owner."""


def write_secret(path: Path, data: bytes | str) -> Path:
    """Write *data* to *path* created 0600 from the start (never world-readable for an instant)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, raw)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def check_secret_file(path: Path) -> Path:
    """Raise :class:`InsecureFileError` unless *path* exists and only its owner can read it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InsecureFileError(f"No existe el fichero de credenciales {path}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureFileError(
            f"El fichero {path} contiene secretos y otros usuarios pueden leerlo "
            f"(permisos {stat.S_IMODE(st.st_mode):o}); ejecute: chmod 600 {path}")
    return path


def read_secret(path: Path) -> str:
    """The text of a checked secret file, stripped."""
    return check_secret_file(path).read_text().strip()


def new_password(nbytes: int = 24) -> str:
    """A random password safe in properties files and JAAS strings (URL-safe base64)."""
    return secrets.token_urlsafe(nbytes)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    # PKCS#8: the form Java's PEM keystore reads
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _san(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for h in dict.fromkeys(h.strip() for h in hosts if h and h.strip()):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            names.append(x509.DNSName(h))
    return x509.SubjectAlternativeName(names)


@dataclass(frozen=True)
class CertFiles:
    """A certificate and its private key, as PEM files."""

    cert: Path
    key: Path

    def combined(self) -> Path:
        """key + certificate in one PEM file (what Kafka's PEM keystore ``location`` reads)."""
        return self.cert.with_name(self.cert.stem + "-keystore.pem")


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA on disk: ``ca.pem`` (public, give it to every client) and ``ca-key.pem`` (0600)."""

    cert_file: Path
    key_file: Path

    @classmethod
    def ensure(cls, directory: Path, name: str = "EVCharging local CA",
               now: Callable[[], dt.datetime] | None = None) -> CertificateAuthority:
        """Load the CA in *directory*, or create it there the first time (idempotent)."""
        ca = cls(directory / "ca.pem", directory / "ca-key.pem")
        if ca.cert_file.exists() and ca.key_file.exists():
            check_secret_file(ca.key_file)
            return ca
        when = (now or _utcnow)()
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(when - dt.timedelta(minutes=5))
                .not_valid_after(when + dt.timedelta(days=CA_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        write_secret(ca.key_file, _pem_key(key))
        directory.mkdir(parents=True, exist_ok=True)
        ca.cert_file.write_bytes(_pem_cert(cert))
        return ca

    def issue(self, directory: Path, name: str, hosts: Iterable[str],
              now: Callable[[], dt.datetime] | None = None) -> CertFiles:
        """A server certificate for *hosts* (DNS names and IP literals), signed by this CA.

        Writes ``<name>.pem``, ``<name>-key.pem`` (0600) and ``<name>-keystore.pem`` (key then
        certificate, 0600, for Kafka). Re-issued every call: callers decide when to reuse.
        """
        when = (now or _utcnow)()
        ca_key = serialization.load_pem_private_key(read_secret(self.key_file).encode(), None)
        ca_cert = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        hosts = list(hosts)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(when - dt.timedelta(minutes=5))
                .not_valid_after(when + dt.timedelta(days=CERT_DAYS))
                .add_extension(_san(hosts), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                      ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),  # type: ignore[arg-type]
                               critical=False)
                .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
        files = CertFiles(directory / f"{name}.pem", directory / f"{name}-key.pem")
        directory.mkdir(parents=True, exist_ok=True)
        files.cert.write_bytes(_pem_cert(cert))
        write_secret(files.key, _pem_key(key))
        write_secret(files.combined(), _pem_key(key) + _pem_cert(cert))
        return files


def cert_hosts(path: Path) -> list[str]:
    """The DNS names and IPs a certificate file is valid for (diagnostics: host name mismatch)."""
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(v) for v in san.get_values_for_type(x509.DNSName)] + \
           [str(v) for v in san.get_values_for_type(x509.IPAddress)]


def cert_validity(path: Path) -> tuple[dt.datetime, dt.datetime]:
    """(not before, not after) of a certificate file, in UTC."""
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_before_utc, cert.not_valid_after_utc


def server_context(cert: CertFiles) -> ssl.SSLContext:
    """TLS ≥ 1.2 server context for our socket links (Central, Engine)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cert.cert), str(check_secret_file(cert.key)))
    return ctx


def client_context(cafile: Path) -> ssl.SSLContext:
    """TLS client context that trusts only *cafile* and checks the host name."""
    ctx = ssl.create_default_context(cafile=str(cafile))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
