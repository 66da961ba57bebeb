"""Diagnostics steps of the secure link: TLS, SASL/SCRAM and topic permissions.

Why a probe of our own: kafka-python reports a wrong password, an untrusted certificate, a host
name mismatch and a plain-text broker all as "Unable to bootstrap". These steps redo each stage
on the diagnostics' own bootstrap socket and say which one failed:

``tls``     wrap the socket in TLS with this app's CA and the host name it dialled:
            untrusted / expired / not yet valid / host name mismatch / the server is not TLS
            (a plain-text broker closes on our ClientHello); a plain-text app facing a TLS
            broker is told it needs its credentials file
``sasl``    SaslHandshake (is SCRAM-SHA-512 enabled?) then the SCRAM exchange with
            SaslAuthenticate (wrong user or password?), the server's proof checked too
``access``  the topics of this app's role (``ev_common.kafka.acl.TABLE``) and the operations
            the broker says this principal may do on each (DescribeTopics' authorized
            operations): which topic this app may not use

Data only (codes + params), like the rest of the engine; words in ``secure_text``.
"""
from __future__ import annotations

import datetime as dt
import socket
import ssl
from typing import Any

from ev_common.kafka.security import KafkaCredentials, process_credentials
from ev_desktop.diagnostics.report import Detail, StepStatus
from ev_desktop.diagnostics.wire import kafka_request

EXPIRY_WARNING = dt.timedelta(days=30)
_X509_EXPIRED, _X509_NOT_YET_VALID, _X509_HOSTNAME, _X509_IP = 10, 9, 62, 64


class SecureStepError(Exception):
    def __init__(self, status: StepStatus, code: str, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def credentials() -> KafkaCredentials | None:
    try:
        return process_credentials()
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the clients' own errors
        return None


def _date(when: dt.datetime) -> str:
    return when.astimezone().strftime("%d/%m/%Y")


def _peer_certificate(addrs: list[tuple], host: str, timeout_s: float) -> Any:
    """The broker's certificate fetched without verifying it (only to explain a failure)."""
    from cryptography import x509

    from ev_desktop.diagnostics.network_steps import connect
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with ctx.wrap_socket(connect(addrs, timeout_s), server_hostname=host) as s:
        der = s.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der)


def _cert_facts(cert: Any) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        hosts = [str(v) for v in san.get_values_for_type(x509.DNSName)] + \
                [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        hosts = []
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {"subject": cn[0].value if cn else cert.subject.rfc4514_string(),
            "hosts": ", ".join(hosts) or "-", "not_before": _date(cert.not_valid_before_utc),
            "not_after": _date(cert.not_valid_after_utc), "not_after_dt": cert.not_valid_after_utc}


def _tls_accepted_without_verification(addrs: list[tuple], host: str, timeout_s: float) -> bool:
    try:
        _peer_certificate(addrs, host, timeout_s)
        return True
    except (OSError, ssl.SSLError, ValueError):
        return False


def _explain_tls_refusal(ctx: Any, server: Any, facts: dict[str, Any]) -> None:
    """TLS failed without a certificate problem: is it a plain-text Kafka, or not Kafka at all?
    Asks again in plain text (the handshake step's own probe, on a fresh connection); raises
    that step's verdict for a non-Kafka peer, ``tls.not_tls`` for a plain-text Kafka."""
    from ev_desktop.diagnostics.network_steps import connect, step_handshake
    try:
        server.sock.close()
    except OSError:
        pass
    try:
        server.sock = connect(server.addrs, ctx.timeout_s)
    except OSError:
        server.sock = None
        return
    step_handshake(ctx, facts)   # raises handshake.silent/closed/garbage when it is not Kafka
    server.sock.close()
    server.sock = None
    ctx.kafka_server = None
    raise SecureStepError(StepStatus.FAILED, "tls.not_tls", target=server.target)


def step_tls(ctx: Any, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    server = next(s for s in ctx.servers if s.sock is not None)
    params: dict[str, Any] = {"target": server.target, "host": server.host,
                              "timeout_s": f"{ctx.timeout_s:g}"}
    creds = ctx.credentials
    if creds is None or creds.security_protocol.upper() not in ("SSL", "SASL_SSL"):
        if _tls_accepted_without_verification(server.addrs, server.host, ctx.timeout_s):
            raise SecureStepError(StepStatus.FAILED, "tls.required", **params)
        raise SecureStepError(StepStatus.WARNING, "tls.plaintext", **params)
    params["ca_file"] = str(creds.ca_file)
    if not creds.ca_file.exists():
        raise SecureStepError(StepStatus.FAILED, "tls.no_ca", **params)
    from ev_common.pki import client_context
    try:
        tls = client_context(creds.ca_file).wrap_socket(server.sock, server_hostname=server.host)
    except ssl.SSLCertVerificationError as exc:
        server.sock = None
        facts["verify_code"] = exc.verify_code
        facts["error"] = exc.verify_message
        try:
            cert = _cert_facts(_peer_certificate(server.addrs, server.host, ctx.timeout_s))
            facts.update({k: v for k, v in cert.items() if k != "not_after_dt"})
            params.update({k: v for k, v in cert.items() if k != "not_after_dt"})
        except (OSError, ssl.SSLError, ValueError):
            pass
        code = {_X509_EXPIRED: "tls.expired", _X509_NOT_YET_VALID: "tls.not_yet_valid",
                _X509_HOSTNAME: "tls.host_mismatch", _X509_IP: "tls.host_mismatch"}.get(exc.verify_code, "tls.untrusted")
        raise SecureStepError(StepStatus.FAILED, code, **params) from exc
    except (TimeoutError, socket.timeout) as exc:
        # silent to a TLS hello as to anything else: say it like the handshake step would
        server.sock = None
        raise SecureStepError(StepStatus.FAILED, "handshake.silent", **params) from exc
    except (ssl.SSLError, OSError) as exc:
        facts["error"] = repr(exc)
        _explain_tls_refusal(ctx, server, facts)
        raise SecureStepError(StepStatus.FAILED, "tls.failed", error=str(exc), **params) from exc
    server.sock = tls
    ctx.kafka_server = server
    from cryptography import x509
    cert = _cert_facts(x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)))
    facts.update({k: v for k, v in cert.items() if k != "not_after_dt"})
    facts["tls_version"] = tls.version()
    params.update({k: v for k, v in cert.items() if k != "not_after_dt"})
    if cert["not_after_dt"] - dt.datetime.now(dt.timezone.utc) < EXPIRY_WARNING:
        raise SecureStepError(StepStatus.WARNING, "tls.expiring", **params)
    return "tls.ok", params


def step_sasl(ctx: Any, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka.errors import for_code
    from kafka.net.sasl.scram import ScramClient
    from kafka.protocol.sasl import (SaslAuthenticateRequest, SaslAuthenticateResponse,
                                     SaslHandshakeRequest, SaslHandshakeResponse)

    creds = ctx.credentials
    if creds is None or not creds.security_protocol.upper().startswith("SASL"):
        raise SecureStepError(StepStatus.SKIPPED, "sasl.plaintext")
    server = ctx.kafka_server
    params: dict[str, Any] = {"target": server.target, "user": creds.username,
                              "mechanism": creds.sasl_mechanism}
    try:
        hs = kafka_request(server.sock, SaslHandshakeRequest(mechanism=creds.sasl_mechanism),
                           SaslHandshakeResponse, 1, 11)
        if hs.error_code != 0:
            facts["error"] = for_code(hs.error_code).__name__
            raise SecureStepError(StepStatus.FAILED, "sasl.mechanism",
                                  enabled=", ".join(hs.mechanisms) or "-", **params)
        version = min(ctx.api_versions.get(SaslAuthenticateRequest.API_KEY, 0), 1)
        scram = ScramClient(creds.username, creds.password, creds.sasl_mechanism)
        first = kafka_request(server.sock, SaslAuthenticateRequest(auth_bytes=scram.first_message()),
                              SaslAuthenticateResponse, version, 12)
        if first.error_code != 0:
            facts["error"] = first.error_message or for_code(first.error_code).__name__
            raise SecureStepError(StepStatus.FAILED, "sasl.bad_credentials", **params)
        scram.process_server_first_message(bytes(first.auth_bytes))
        final = kafka_request(server.sock, SaslAuthenticateRequest(auth_bytes=scram.final_message()),
                              SaslAuthenticateResponse, version, 13)
        if final.error_code != 0:
            facts["error"] = final.error_message or for_code(final.error_code).__name__
            raise SecureStepError(StepStatus.FAILED, "sasl.bad_credentials", **params)
        try:
            scram.process_server_final_message(bytes(final.auth_bytes))
        except ValueError as exc:
            raise SecureStepError(StepStatus.FAILED, "sasl.server_unverified", **params) from exc
    except SecureStepError:
        raise
    except (OSError, ValueError) as exc:  # closed / undecodable: the broker hung up on us
        raise SecureStepError(StepStatus.FAILED, "sasl.closed", error=repr(exc), **params) from exc
    return "sasl.ok", params


def step_access(ctx: Any, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ev_common.kafka.acl import TABLE
    from ev_common.kafka.security import SUPER_USERS

    creds = ctx.credentials
    principal = creds.username if creds is not None else None
    params: dict[str, Any] = {"principal": principal or "-", "prefix": ctx.topics.prefix}
    if principal is None:
        raise SecureStepError(StepStatus.SKIPPED, "sasl.plaintext")
    if principal in SUPER_USERS:
        return "access.all", params
    rights = TABLE.get(principal)
    if rights is None:
        raise SecureStepError(StepStatus.WARNING, "access.unknown_role", **params)
    needed: dict[str, set[str]] = {}
    for attr in rights.write:
        needed.setdefault(getattr(ctx.topics, attr), set()).add("WRITE")
    for attr in rights.read:
        needed.setdefault(getattr(ctx.topics, attr), set()).add("READ")
    try:
        described = {t["name"]: t for t in ctx.admin.describe_topics(sorted(needed))}
    except Exception as exc:  # noqa: BLE001
        raise SecureStepError(StepStatus.FAILED, "access.failed",
                              error=f"{type(exc).__name__}: {exc}", **params) from exc
    denied: list[Detail] = []
    for topic, ops in sorted(needed.items()):
        info = described.get(topic) or {}
        allowed = set(info.get("authorized_operations") or []) if not info.get("error_code") else set()
        for op in sorted(ops - allowed):
            denied.append(Detail(f"op.{op.lower()}", {"topic": topic}))
    facts["checked"] = len(needed)
    if denied:
        raise SecureStepError(StepStatus.FAILED, "access.denied", denied=denied, **params)
    return "access.ok", {**params, "count": len(needed)}


def role_topics(ctx: Any) -> list[str] | None:
    """The topics this app's role uses (None: every topic — admin or plain text)."""
    from ev_common.kafka.acl import TABLE
    creds = ctx.credentials
    rights = TABLE.get(creds.username) if creds is not None else None
    if rights is None:
        return None
    return sorted({getattr(ctx.topics, a) for a in (*rights.write, *rights.read)})
