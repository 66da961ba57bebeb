"""Diagnostics steps of the network path: resolve, TCP, Kafka handshake, metadata, advertised.

These talk to the *bootstrap* socket directly (``wire.kafka_request``), never through a
client: a client would follow the broker's advertised address, which is exactly what may be
wrong (the ``advertised`` step checks it). Data only, like every step: codes and params.
"""
from __future__ import annotations

import errno
import ipaddress
import socket
import time
from typing import Any

from ev_common.netcheck import check_not_self
from ev_desktop.diagnostics.report import Detail, StepStatus
from ev_desktop.diagnostics.step_context import Server, StepContext, StepError
from ev_desktop.diagnostics.wire import NotKafka, kafka_request, preview

DEFAULT_PORT = 9092


def parse_bootstrap(value: str) -> list[tuple[str, int]]:
    """``"h1:9092,[::1]:9092,h2"`` → [(host, port)]; ValueError on a malformed entry."""
    result = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port_s = rest[1:] if rest.startswith(":") else ""
        elif item.count(":") == 1:
            host, port_s = item.split(":")
        elif item.count(":") > 1:   # bare IPv6 literal
            host, port_s = item, ""
        else:
            host, port_s = item, ""
        try:
            port = int(port_s) if port_s else DEFAULT_PORT
        except ValueError:
            raise ValueError(item) from None
        if not host or not 0 < port < 65536:
            raise ValueError(item)
        result.append((host, port))
    if not result:
        raise ValueError(value)
    return result


def connect(addrs: list[tuple], timeout_s: float) -> socket.socket:
    """Connect to the first address that accepts; re-raise the first address's error."""
    first_exc: OSError | None = None
    for family, socktype, proto, _, sockaddr in addrs:
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(timeout_s)
        try:
            sock.connect(sockaddr)
            check_not_self(sock, str(sockaddr[0]), int(sockaddr[1]))  # itself = refused
            return sock
        except OSError as exc:
            sock.close()
            first_exc = first_exc or exc
    assert first_exc is not None
    raise first_exc


def _classify_connect_error(exc: OSError) -> str:
    """refused / timeout / unreachable / error: the kind of a failed connect."""
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timeout"
    if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        return "unreachable"
    return "error"


def _reason(kind: str, exc: OSError) -> Detail:
    return Detail(f"reason.{kind}", {"error": exc.strerror or str(exc)})


def _resolve(host: str, port: int) -> list[tuple]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def step_resolve(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        pairs = parse_bootstrap(ctx.bootstrap)
    except ValueError as exc:
        raise StepError(StepStatus.FAILED, "resolve.bad_address", value=str(exc) or ctx.bootstrap)
    failed: list[str] = []
    errors: list[str] = []
    resolved: list[str] = []
    for host, port in pairs:
        server = Server(host, port)
        try:
            server.addrs = _resolve(host, port)
            ips = ", ".join(sorted({a[4][0] for a in server.addrs}))
            facts[server.target] = ips
            resolved.append(f"{server.target} → {ips}")
            ctx.servers.append(server)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            facts[server.target] = Detail("fact.unresolvable", {"error": str(exc)})
            failed.append(host)
            errors.append(str(exc))
    params = {"failed": ", ".join(failed), "error": "; ".join(errors),
              "summary": "; ".join(resolved)}
    if not ctx.servers:
        raise StepError(StepStatus.FAILED, "resolve.unresolvable", **params)
    if failed:
        raise StepError(StepStatus.WARNING, "resolve.partial", **params)
    return "resolve.ok", params


def step_tcp(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    failures: list[tuple[Server, str, OSError]] = []
    for server in ctx.servers:
        t0 = time.monotonic()
        try:
            server.sock = connect(server.addrs, ctx.timeout_s)
            peer = server.sock.getpeername()[0]
            facts[server.target] = Detail("fact.connected", {
                "peer": peer, "ms": f"{(time.monotonic() - t0) * 1000:.0f}"})
            ctx.reachable_bootstrap.append(server.target)
        except OSError as exc:
            kind = _classify_connect_error(exc)
            facts[server.target] = Detail("fact.connect_failed", {
                "reason": _reason(kind, exc), "ms": f"{(time.monotonic() - t0) * 1000:.0f}",
                "error": repr(exc)})
            failures.append((server, kind, exc))
    if not failures:
        return "tcp.ok", {"targets": ", ".join(ctx.reachable_bootstrap)}
    first, kind, exc = failures[0]
    params = {"target": first.target, "host": first.host, "port": first.port,
              "timeout_s": f"{ctx.timeout_s:g}", "error": exc.strerror or str(exc)}
    if not ctx.reachable_bootstrap:
        raise StepError(StepStatus.FAILED, f"tcp.{kind}", **params)
    raise StepError(StepStatus.WARNING, "tcp.partial", failed=Detail(f"tcp.{kind}", params),
                     **params)


def step_handshake(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse

    server = next(s for s in ctx.servers if s.sock is not None)
    params: dict[str, Any] = {"target": server.target, "timeout_s": f"{ctx.timeout_s:g}"}
    try:
        # v0 is understood by every broker since 0.10 (and still by Kafka 4.x).
        response = kafka_request(server.sock, ApiVersionsRequest(), ApiVersionsResponse, 0, 1)
    except (TimeoutError, socket.timeout):
        raise StepError(StepStatus.FAILED, "handshake.silent", **params)
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        raise StepError(StepStatus.FAILED, "handshake.closed", **params)
    except NotKafka as exc:
        facts["bytes"] = exc.data[:32].hex(" ")
        raise StepError(StepStatus.FAILED, "handshake.garbage", preview=preview(exc.data), **params)
    except Exception as exc:  # noqa: BLE001 - undecodable answer = not Kafka
        facts["decode_error"] = repr(exc)
        raise StepError(StepStatus.FAILED, "handshake.garbage", preview=type(exc).__name__, **params)
    if response.error_code != 0:
        from kafka.errors import for_code

        raise StepError(StepStatus.FAILED, "handshake.error_code",
                         error=for_code(response.error_code).__name__, **params)
    ctx.kafka_server = server
    ctx.api_versions = {a.api_key: a.max_version for a in response.api_keys}
    facts["apis"] = len(ctx.api_versions)
    return "handshake.ok", {**params, "api_count": len(ctx.api_versions)}


def step_metadata(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka.protocol.metadata import MetadataRequest, MetadataResponse

    server = ctx.kafka_server
    assert server is not None and server.sock is not None
    version = min(ctx.api_versions.get(MetadataRequest.API_KEY, 0), MetadataRequest.max_version, 12)
    params: dict[str, Any] = {"target": server.target}
    try:
        response = kafka_request(server.sock, MetadataRequest(topics=[], allow_auto_topic_creation=False),
                                  MetadataResponse, version, 2)
    except (TimeoutError, socket.timeout):
        raise StepError(StepStatus.FAILED, "metadata.failed", error=Detail("reason.timeout"),
                         **params)
    except (OSError, NotKafka, ValueError) as exc:
        raise StepError(StepStatus.FAILED, "metadata.failed", error=repr(exc), **params)
    ctx.brokers = [(b.node_id, b.host, b.port) for b in response.brokers]
    brokers = ", ".join(f"{node}={host}:{port}" for node, host, port in ctx.brokers)
    facts.update(cluster_id=response.cluster_id, controller_id=response.controller_id,
                 brokers=brokers, metadata_version=version)
    if not ctx.brokers:
        raise StepError(StepStatus.FAILED, "metadata.no_brokers", **params)
    return "metadata.ok", {**params, "cluster_id": response.cluster_id,
                           "controller_id": response.controller_id, "brokers": brokers}


def _advertised_fix(ctx: StepContext, host: str, port: int, unresolvable: bool) -> list[Detail]:
    """What to set advertised.listeners to, as concretely as known: the name or address this
    machine already reaches the broker by (what the user configured), unless that is a loopback
    address — then the broker is this machine, and only its network address will do."""
    known = ctx.kafka_server.host if ctx.kafka_server is not None else ""
    fix_host = known if known and not _is_loopback(known) else next(
        (s.host for s in ctx.servers if s.sock is not None and not _is_loopback(s.host)), None)
    protocol = ctx.credentials.security_protocol if ctx.credentials is not None else "PLAINTEXT"
    advice = [Detail("fix.advertised_configured", {"fix_host": fix_host, "port": port,
                                                   "protocol": protocol})
              if fix_host else Detail("fix.advertised_local", {"port": port, "protocol": protocol})]
    if unresolvable:
        advice.append(Detail("fix.advertised_resolve", {"host": host}))
    return advice


def step_advertised(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    bad: list[tuple[str, int, Detail]] = []
    loopback: list[tuple[str, int]] = []
    bootstrap_hosts = [s.host for s in ctx.servers]
    for node, host, port in ctx.brokers:
        label = f"broker {node} {host}:{port}"
        try:
            addrs = _resolve(host, port)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            facts[label] = Detail("fact.unresolvable", {"error": str(exc)})
            bad.append((host, port, Detail("reason.unresolvable", {"host": host})))
            continue
        t0 = time.monotonic()
        try:
            connect(addrs, ctx.timeout_s).close()
            facts[label] = Detail("fact.reachable", {"ms": f"{(time.monotonic() - t0) * 1000:.0f}"})
        except OSError as exc:
            reason = _reason(_classify_connect_error(exc), exc)
            facts[label] = Detail("fact.unreachable", {"reason": reason, "error": repr(exc)})
            bad.append((host, port, reason))
            continue
        if _is_loopback(host) and not all(_is_loopback(h) for h in bootstrap_hosts):
            loopback.append((host, port))
    if bad:
        host, port, reason = bad[0]
        raise StepError(StepStatus.FAILED, "advertised.unreachable",
                         advertised=f"{host}:{port}", host=host, port=port, reason=reason,
                         advice=_advertised_fix(ctx, host, port,
                                                reason.code == "reason.unresolvable"))
    if loopback:
        host, port = loopback[0]
        raise StepError(StepStatus.WARNING, "advertised.loopback", advertised=f"{host}:{port}",
                         host=host, port=port, bootstrap_host=bootstrap_hosts[0],
                         advice=_advertised_fix(ctx, host, port, False))
    return "advertised.ok", {"brokers": ", ".join(f"{h}:{p}" for _, h, p in ctx.brokers)}
