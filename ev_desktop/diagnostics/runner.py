"""Step-by-step Kafka connectivity diagnostics: *why* is Kafka unreachable from this machine?

Plain Python (no Qt): the desktop app's diagnostics dialog runs :func:`run_diagnostics` in a
worker thread; a CLI or a test may call it directly. Every step is bounded by ``timeout_s``
per network operation, the function never raises, and each step carries a stable ``code``
plus ``params`` and ``facts`` that are data only (addresses, numbers, raw errors, nested
:class:`Detail` codes): no sentence in any language is made here. ``report`` turns
them into words in the caller's language (``render(code, params, tr)``, ``report.as_text(tr)``).

Steps, in order (later ones are skipped, with the reason, when an earlier one makes them
impossible):

``resolve``    name resolution of each bootstrap host (``socket.getaddrinfo``)
``tcp``        TCP connect to each bootstrap address: refused / timeout / unreachable
``handshake``  a raw Kafka ``ApiVersions`` request on that socket: "something listens but it
               is not Kafka"
``metadata``   a raw ``Metadata`` request on the same bootstrap socket: cluster id, controller,
               brokers with their *advertised* host:port. Done on the bootstrap connection
               itself (not through a client) so it works even when the advertised addresses
               are wrong — which is exactly what the next step checks.
``advertised`` resolve + TCP connect to every advertised address: bootstrap OK but advertised
               unreachable = the classic ``advertised.listeners`` mistake
``topics``     the expected topics (``Topics.all()``) exist (admin client)
``roundtrip``  produce → consume of a throwaway record on ``<prefix>.diagnostics`` (created on
               demand: 1 partition, 10 min retention), with its latency
``lag``        what matters at this desk: is Central keeping up (the lag of its consumer group,
               committed offsets vs end offsets, for the given ``group_ids``) and is this app
               keeping up (its own readers keep their positions locally, so the caller passes
               ``reader_lags``: a callable returning ``{reader id: messages behind or None}``)
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ev_common.netcheck import check_not_self
from ev_common.topics import Topics
from ev_desktop.diagnostics import secure_steps
from ev_desktop.diagnostics.wire import CLIENT_ID, NotKafka, kafka_request, preview
from ev_desktop.diagnostics.report import (  # noqa: F401 - re-exported for callers
    MESSAGES, STEP_TITLES, STEPS, Detail, Diagnosis, DiagnosticsReport, StepResult, StepStatus,
    Translate, render, render_facts, step_title,
)

log = logging.getLogger(__name__)

DEFAULT_PORT = 9092
LAG_WARNING = 100          # messages behind (Central's group, or this app's readers) that warn
SLOW_ROUNDTRIP_MS = 2000   # round trip above this is a warning




# ----------------------------------------------------------------------------------- helpers

class _StepError(Exception):
    """A step's outcome decided early: carries status, code, params and facts."""

    def __init__(self, status: StepStatus, code: str, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


@dataclass
class _Server:
    host: str
    port: int
    addrs: list[tuple] = field(default_factory=list)   # getaddrinfo results
    sock: socket.socket | None = None

    @property
    def target(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass
class _Ctx:
    bootstrap: str
    topics: Topics
    group_ids: list[str]
    timeout_s: float
    reader_lags: Callable[[], Mapping[str, int | None]] | None = None
    servers: list[_Server] = field(default_factory=list)
    kafka_server: _Server | None = None
    api_versions: dict[int, int] = field(default_factory=dict)   # api_key -> max version
    brokers: list[tuple[int, str, int]] = field(default_factory=list)
    admin: Any = None
    reachable_bootstrap: list[str] = field(default_factory=list)
    credentials: Any = None   # KafkaCredentials of this app; None = plain text


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


def _connect(addrs: list[tuple], timeout_s: float) -> socket.socket:
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


def _retrying(call: Callable[[], Any], deadline: float, facts: dict[str, Any]) -> Any:
    """*call()*, retried on retriable Kafka errors (e.g. a topic or coordinator that a fresh
    broker is still creating) until *deadline* (monotonic); the last error propagates."""
    while True:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - only retriable ones are swallowed
            if not getattr(exc, "retriable", False) or time.monotonic() + 0.2 > deadline:
                raise
            facts["retries"] = facts.get("retries", 0) + 1
            time.sleep(0.2)


def _admin(ctx: _Ctx) -> Any:
    from kafka import KafkaAdminClient

    ms = int(ctx.timeout_s * 1000)
    return KafkaAdminClient(bootstrap_servers=ctx.reachable_bootstrap or ctx.bootstrap.split(","),
                            client_id=CLIENT_ID, bootstrap_timeout_ms=ms,
                            request_timeout_ms=max(ms, 1000), reconnect_backoff_max_ms=500,
                            **_security(ctx))


def _security(ctx: _Ctx) -> dict:
    return ctx.credentials.kafka_kwargs() if ctx.credentials is not None else {}


# ------------------------------------------------------------------------------------ steps

def _step_resolve(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        pairs = parse_bootstrap(ctx.bootstrap)
    except ValueError as exc:
        raise _StepError(StepStatus.FAILED, "resolve.bad_address", value=str(exc) or ctx.bootstrap)
    failed: list[str] = []
    errors: list[str] = []
    resolved: list[str] = []
    for host, port in pairs:
        server = _Server(host, port)
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
        raise _StepError(StepStatus.FAILED, "resolve.unresolvable", **params)
    if failed:
        raise _StepError(StepStatus.WARNING, "resolve.partial", **params)
    return "resolve.ok", params


def _step_tcp(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    failures: list[tuple[_Server, str, OSError]] = []
    for server in ctx.servers:
        t0 = time.monotonic()
        try:
            server.sock = _connect(server.addrs, ctx.timeout_s)
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
        raise _StepError(StepStatus.FAILED, f"tcp.{kind}", **params)
    raise _StepError(StepStatus.WARNING, "tcp.partial", failed=Detail(f"tcp.{kind}", params),
                     **params)


def _step_handshake(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse

    server = next(s for s in ctx.servers if s.sock is not None)
    params: dict[str, Any] = {"target": server.target, "timeout_s": f"{ctx.timeout_s:g}"}
    try:
        # v0 is understood by every broker since 0.10 (and still by Kafka 4.x).
        response = kafka_request(server.sock, ApiVersionsRequest(), ApiVersionsResponse, 0, 1)
    except (TimeoutError, socket.timeout):
        raise _StepError(StepStatus.FAILED, "handshake.silent", **params)
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        raise _StepError(StepStatus.FAILED, "handshake.closed", **params)
    except NotKafka as exc:
        facts["bytes"] = exc.data[:32].hex(" ")
        raise _StepError(StepStatus.FAILED, "handshake.garbage", preview=preview(exc.data), **params)
    except Exception as exc:  # noqa: BLE001 - undecodable answer = not Kafka
        facts["decode_error"] = repr(exc)
        raise _StepError(StepStatus.FAILED, "handshake.garbage", preview=type(exc).__name__, **params)
    if response.error_code != 0:
        from kafka.errors import for_code

        raise _StepError(StepStatus.FAILED, "handshake.error_code",
                         error=for_code(response.error_code).__name__, **params)
    ctx.kafka_server = server
    ctx.api_versions = {a.api_key: a.max_version for a in response.api_keys}
    facts["apis"] = len(ctx.api_versions)
    return "handshake.ok", {**params, "api_count": len(ctx.api_versions)}


def _step_metadata(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka.protocol.metadata import MetadataRequest, MetadataResponse

    server = ctx.kafka_server
    assert server is not None and server.sock is not None
    version = min(ctx.api_versions.get(MetadataRequest.API_KEY, 0), MetadataRequest.max_version, 12)
    params: dict[str, Any] = {"target": server.target}
    try:
        response = kafka_request(server.sock, MetadataRequest(topics=[], allow_auto_topic_creation=False),
                                  MetadataResponse, version, 2)
    except (TimeoutError, socket.timeout):
        raise _StepError(StepStatus.FAILED, "metadata.failed", error=Detail("reason.timeout"),
                         **params)
    except (OSError, NotKafka, ValueError) as exc:
        raise _StepError(StepStatus.FAILED, "metadata.failed", error=repr(exc), **params)
    ctx.brokers = [(b.node_id, b.host, b.port) for b in response.brokers]
    brokers = ", ".join(f"{node}={host}:{port}" for node, host, port in ctx.brokers)
    facts.update(cluster_id=response.cluster_id, controller_id=response.controller_id,
                 brokers=brokers, metadata_version=version)
    if not ctx.brokers:
        raise _StepError(StepStatus.FAILED, "metadata.no_brokers", **params)
    return "metadata.ok", {**params, "cluster_id": response.cluster_id,
                           "controller_id": response.controller_id, "brokers": brokers}


def _advertised_fix(ctx: _Ctx, host: str, port: int, unresolvable: bool) -> list[Detail]:
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


def _step_advertised(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
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
            _connect(addrs, ctx.timeout_s).close()
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
        raise _StepError(StepStatus.FAILED, "advertised.unreachable",
                         advertised=f"{host}:{port}", host=host, port=port, reason=reason,
                         advice=_advertised_fix(ctx, host, port,
                                                reason.code == "reason.unresolvable"))
    if loopback:
        host, port = loopback[0]
        raise _StepError(StepStatus.WARNING, "advertised.loopback", advertised=f"{host}:{port}",
                         host=host, port=port, bootstrap_host=bootstrap_hosts[0],
                         advice=_advertised_fix(ctx, host, port, False))
    return "advertised.ok", {"brokers": ", ".join(f"{h}:{p}" for _, h, p in ctx.brokers)}


def _step_topics(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        ctx.admin = _admin(ctx)
        existing = set(ctx.admin.list_topics())
    except Exception as exc:  # noqa: BLE001 - any client failure is this step's result
        raise _StepError(StepStatus.FAILED, "topics.failed", error=f"{type(exc).__name__}: {exc}")
    # a role sees only the topics it has rights on (deny by default): check those
    expected = secure_steps.role_topics(ctx) or ctx.topics.all()
    missing = [t for t in expected if t not in existing]
    # Topics created a moment ago (a Central starting up) can take a while to show in the
    # broker's metadata: look again until the timeout before calling them missing.
    deadline = time.monotonic() + ctx.timeout_s
    while missing and time.monotonic() + 0.25 < deadline:
        time.sleep(0.25)
        facts["retries"] = facts.get("retries", 0) + 1
        try:
            existing = set(ctx.admin.list_topics())
        except Exception:  # noqa: BLE001 - keep the last answer
            log.debug("list_topics retry failed", exc_info=True)
        missing = [t for t in expected if t not in existing]
    facts["expected"] = len(expected)
    if missing:
        facts["missing"] = ", ".join(missing)
        raise _StepError(StepStatus.FAILED, "topics.missing", count=len(missing),
                         missing=", ".join(missing), prefix=ctx.topics.prefix)
    return "topics.ok", {"count": len(expected), "prefix": ctx.topics.prefix}


def _ensure_diag_topic(ctx: _Ctx, topic: str, facts: dict[str, Any]) -> None:
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    if topic in set(ctx.admin.list_topics()):
        return
    try:
        ctx.admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=-1,
                                          topic_configs={"retention.ms": "600000"})],
                                timeout_ms=int(ctx.timeout_s * 1000))
        facts["topic_created"] = True
    except TopicAlreadyExistsError:
        pass
    # a topic just created takes a moment to reach the brokers' metadata
    deadline = time.monotonic() + ctx.timeout_s
    while topic not in set(ctx.admin.list_topics()) and time.monotonic() + 0.2 < deadline:
        time.sleep(0.2)


def _step_roundtrip(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = f"{ctx.topics.prefix}.diagnostics"
    params: dict[str, Any] = {"topic": topic, "timeout_s": f"{ctx.timeout_s:g}"}
    if secure_steps.role_topics(ctx) is not None:  # a role may not create the test topic
        raise _StepError(StepStatus.SKIPPED, "roundtrip.not_allowed",
                         principal=ctx.credentials.username, **params)
    ms = int(ctx.timeout_s * 1000)
    common = dict(bootstrap_servers=ctx.reachable_bootstrap, client_id=CLIENT_ID,
                  bootstrap_timeout_ms=ms, request_timeout_ms=max(ms, 1000),
                  reconnect_backoff_max_ms=500, **_security(ctx))
    consumer = producer = None
    try:
        try:
            _ensure_diag_topic(ctx, topic, facts)
            tp = TopicPartition(topic, 0)
            consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50,
                                     **common)
            consumer.assign([tp])
            consumer.seek_to_end(tp)
            start = _retrying(lambda: consumer.position(tp, timeout_ms=ms),
                              time.monotonic() + ctx.timeout_s, facts)
            producer = KafkaProducer(max_block_ms=ms, linger_ms=0, **common)
        except Exception as exc:  # noqa: BLE001
            raise _StepError(StepStatus.FAILED, "roundtrip.failed", error=f"{type(exc).__name__}: {exc}",
                             **params)
        key = f"diag-{uuid.uuid4().hex}".encode()
        t0 = time.monotonic()
        try:
            meta = producer.send(topic, key=key, value=b"ev-diagnostics round trip",
                                 partition=0).get(timeout=ctx.timeout_s)
        except Exception as exc:  # noqa: BLE001
            raise _StepError(StepStatus.FAILED, "roundtrip.produce_failed",
                             error=f"{type(exc).__name__}: {exc}", **params)
        facts["ack_ms"] = round((time.monotonic() - t0) * 1000, 1)
        facts["offset"] = meta.offset
        params["offset"] = meta.offset
        deadline = time.monotonic() + ctx.timeout_s
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=100)
            if any(r.key == key for records in batch.values() for r in records):
                latency = (time.monotonic() - t0) * 1000
                facts["latency_ms"] = round(latency, 1)
                facts["start_offset"] = start
                params["latency_ms"] = f"{latency:.0f}"
                if latency > SLOW_ROUNDTRIP_MS:
                    raise _StepError(StepStatus.WARNING, "roundtrip.slow", **params)
                return "roundtrip.ok", params
        raise _StepError(StepStatus.FAILED, "roundtrip.consume_failed", **params)
    finally:
        for client in (producer, consumer):
            if client is not None:
                try:
                    client.close(timeout=1) if client is producer else client.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    log.debug("closing diagnostics client failed", exc_info=True)


def _group_lags(ctx: _Ctx, facts: dict[str, Any]) -> dict[str, tuple[int | None, int]]:
    """{group: (messages behind or None when nothing is committed yet, partitions)}."""
    from kafka.admin import OffsetSpec

    deadline = time.monotonic() + ctx.timeout_s
    # CoordinatorNotAvailable is retried: a fresh broker creates __consumer_offsets lazily
    committed = _retrying(lambda: ctx.admin.list_group_offsets({g: None for g in ctx.group_ids}),
                          deadline, facts)
    partitions = {tp for offsets in committed.values() for tp in offsets}
    ends = _retrying(lambda: ctx.admin.list_partition_offsets(
        {tp: OffsetSpec.LATEST for tp in partitions}), deadline, facts) if partitions else {}
    result: dict[str, tuple[int | None, int]] = {}
    for group in ctx.group_ids:
        offsets = committed.get(group) or {}
        lag = sum(max(0, ends[tp].offset - om.offset) for tp, om in offsets.items()
                  if tp in ends and om.offset >= 0) if offsets else None
        result[group] = (lag, len(offsets))
    return result


def _step_lag(ctx: _Ctx, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Is Central keeping up (its group's lag) and is this app keeping up (its readers' lag)?"""
    summary: list[Detail] = []
    advice: list[Detail] = []
    failed = False
    groups: dict[str, int | None] = {}
    readers: dict[str, int | None] = {}
    if ctx.group_ids:
        try:
            lags = _group_lags(ctx, facts)
        except Exception as exc:  # noqa: BLE001 - reported, the readers' part still shows
            failed = True
            summary.append(Detail("lag.central_failed", {"group": ", ".join(ctx.group_ids),
                                                         "error": f"{type(exc).__name__}: {exc}"}))
        else:
            for group, (lag, partitions) in lags.items():
                groups[group] = lag
                if lag is None:
                    facts[group] = Detail("fact.no_commits")
                    summary.append(Detail("lag.central_unknown", {"group": group}))
                    continue
                facts[group] = Detail("fact.group_lag", {"lag": lag, "partitions": partitions})
                code = "lag.central_behind" if lag > LAG_WARNING else "lag.central_ok"
                summary.append(Detail(code, {"group": group, "lag": lag}))
            if any(lag is not None and lag > LAG_WARNING for lag in groups.values()):
                advice.append(Detail("lag.advice_central"))
    if ctx.reader_lags is not None:
        try:
            readers = {str(k): (None if v is None else max(0, int(v)))
                       for k, v in dict(ctx.reader_lags()).items()}
        except Exception as exc:  # noqa: BLE001 - the caller's callable must not break the run
            failed = True
            summary.append(Detail("lag.readers_failed", {"error": f"{type(exc).__name__}: {exc}"}))
        else:
            items = []
            for name, lag in readers.items():
                facts[name] = (Detail("fact.lag_unknown") if lag is None
                               else Detail("fact.reader_lag", {"lag": lag}))
                items.append(Detail("lag.reader_unknown", {"reader": name}) if lag is None
                             else Detail("lag.reader", {"reader": name, "lag": lag}))
            total = sum(lag for lag in readers.values() if lag is not None)
            if not readers:
                summary.append(Detail("lag.readers_none"))
            elif total > LAG_WARNING:
                summary.append(Detail("lag.readers_behind", {"lag": total, "readers": items}))
                advice.append(Detail("lag.advice_app"))
            else:
                summary.append(Detail("lag.readers_ok", {"readers": items}))
    params = {"summary": summary, "advice": advice, "groups": groups, "readers": readers}
    if failed:
        raise _StepError(StepStatus.FAILED, "lag.failed", **params)
    if advice:
        raise _StepError(StepStatus.WARNING, "lag.behind", **params)
    return "lag.ok", params


_STEP_FUNCS: dict[str, Callable[[_Ctx, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "resolve": _step_resolve, "tcp": _step_tcp, "handshake": _step_handshake,
    "metadata": _step_metadata, "advertised": _step_advertised, "topics": _step_topics,
    "roundtrip": _step_roundtrip, "lag": _step_lag,
    "tls": secure_steps.step_tls, "sasl": secure_steps.step_sasl,
    "access": secure_steps.step_access,
}


# --------------------------------------------------------------------------------- driver

#: failures after which the following steps still make sense
_NON_BLOCKING = {"topics.missing", "roundtrip.failed", "roundtrip.produce_failed",
                 "roundtrip.consume_failed", "lag.failed", "access.denied", "access.failed"}

def _make(step_id: str, status: StepStatus, code: str, params: dict[str, Any],
          duration_ms: float = 0.0, facts: dict[str, Any] | None = None) -> StepResult:
    return StepResult(id=step_id, status=status, code=code, params=params,
                      duration_ms=round(duration_ms, 1), facts=dict(facts or {}))


def _run_step(step_id: str, ctx: _Ctx) -> StepResult:
    facts: dict[str, Any] = {}
    t0 = time.monotonic()
    try:
        code, params = _STEP_FUNCS[step_id](ctx, facts)
        status = StepStatus.OK
    except (_StepError, secure_steps.SecureStepError) as outcome:
        status, code, params = outcome.status, outcome.code, outcome.params
    except Exception as exc:  # noqa: BLE001 - the engine never raises: it reports
        log.exception("diagnostics step %s crashed", step_id)
        status, code, params = StepStatus.FAILED, "internal.error", {"error": f"{type(exc).__name__}: {exc}"}
    return _make(step_id, status, code, params, (time.monotonic() - t0) * 1000, facts)


def _diagnose(steps: list[StepResult], cancelled: bool) -> Diagnosis:
    for s in steps:
        if s.status is StepStatus.FAILED:
            return Diagnosis(s.code, s.params, s.id)
    if cancelled:
        return Diagnosis("cancelled")
    warnings = [s for s in steps if s.status is StepStatus.WARNING]
    if warnings:
        first = warnings[0]
        return Diagnosis("ok.warnings", {"detail": Detail(first.code, first.params)}, first.id)
    latency = next((s.params.get("latency_ms") for s in steps if s.id == "roundtrip"), None)
    if latency is None and any(s.code == "roundtrip.not_allowed" for s in steps):
        return Diagnosis("ok.no_roundtrip", {})
    return Diagnosis("ok", {"latency_ms": latency})


def run_diagnostics(bootstrap_servers: str, topics: Topics, *, group_ids: list[str] | None = None,
                    timeout_s: float = 3.0, on_step: Callable[[StepResult], None] | None = None,
                    cancel: threading.Event | None = None,
                    reader_lags: Callable[[], Mapping[str, int | None]] | None = None,
                    credentials: Any = None) -> DiagnosticsReport:
    """Run every step in order and return the report. Blocking; never raises.

    *group_ids*: consumer groups whose lag the lag step reports (the app passes Central's).
    *reader_lags*: called once from this thread by the lag step; returns this app's own
    readers' lag ``{reader id: messages behind, None while unknown}`` (ids in
    ``report.READERS`` get a translated name); it must be thread-safe.
    *credentials*: the Kafka identity to check (default: this process's, see
    ``ev_common.kafka.security``; None there = plain text).
    *on_step* is called (from the calling thread) with each finished step, skipped ones
    included; its own exceptions are logged and ignored. *cancel*, when set, skips the
    remaining steps (a step in progress finishes within its timeouts).
    """
    started_at = datetime.now().astimezone()
    t_start = time.monotonic()
    ctx = _Ctx(bootstrap=bootstrap_servers, topics=topics, group_ids=list(group_ids or []),
               timeout_s=max(0.2, float(timeout_s)), reader_lags=reader_lags,
               credentials=credentials or secure_steps.credentials())
    steps: list[StepResult] = []
    blocker: str | None = None
    cancelled = False
    try:
        for step_id, _title in STEPS:
            if cancel is not None and cancel.is_set():
                cancelled = True
                result = _make(step_id, StepStatus.SKIPPED, "skipped.cancelled", {})
            elif blocker is not None:
                result = _make(step_id, StepStatus.SKIPPED, "skipped.after_failure",
                               {"step": blocker})
            elif step_id == "lag" and not ctx.group_ids and ctx.reader_lags is None:
                result = _make(step_id, StepStatus.SKIPPED, "lag.none", {})
            else:
                result = _run_step(step_id, ctx)
                # roundtrip and lag are independent checks: their failure blocks nothing after
                if result.status is StepStatus.FAILED and result.code not in _NON_BLOCKING:
                    blocker = step_id
            steps.append(result)
            if on_step is not None:
                try:
                    on_step(result)
                except Exception:  # noqa: BLE001
                    log.exception("diagnostics on_step callback failed")
    finally:
        for server in ctx.servers:
            if server.sock is not None:
                server.sock.close()
        if ctx.admin is not None:
            try:
                ctx.admin.close()
            except Exception:  # noqa: BLE001
                log.debug("closing diagnostics admin failed", exc_info=True)
    report = DiagnosticsReport(bootstrap_servers=bootstrap_servers, started_at=started_at,
                               steps=steps, diagnosis=_diagnose(steps, cancelled),
                               duration_ms=round((time.monotonic() - t_start) * 1000, 1))
    log.info("kafka diagnostics bootstrap=%s result=%s (%.0f ms)", bootstrap_servers,
             report.diagnosis.code, report.duration_ms)
    return report
