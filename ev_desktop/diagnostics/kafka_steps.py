"""Diagnostics steps through Kafka clients: topics exist, a produce → consume round trip, lag.

They run once the network steps found a broker that answers, with this app's identity
(``ctx.credentials``, the same security settings as its real clients). Data only: codes and
params, words come from ``report``.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from ev_desktop.diagnostics import secure_steps
from ev_desktop.diagnostics.report import Detail, StepStatus
from ev_desktop.diagnostics.step_context import StepContext, StepError
from ev_desktop.diagnostics.wire import CLIENT_ID

LAG_WARNING = 100          # messages behind (Central's group, or this app's readers) that warn
SLOW_ROUNDTRIP_MS = 2000   # round trip above this is a warning

log = logging.getLogger(__name__)


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


def _admin(ctx: StepContext) -> Any:
    from kafka import KafkaAdminClient

    ms = int(ctx.timeout_s * 1000)
    return KafkaAdminClient(bootstrap_servers=ctx.reachable_bootstrap or ctx.bootstrap.split(","),
                            client_id=CLIENT_ID, bootstrap_timeout_ms=ms,
                            request_timeout_ms=max(ms, 1000), reconnect_backoff_max_ms=500,
                            **_security(ctx))


def _security(ctx: StepContext) -> dict:
    return ctx.credentials.kafka_kwargs() if ctx.credentials is not None else {}


def step_topics(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        ctx.admin = _admin(ctx)
        existing = set(ctx.admin.list_topics())
    except Exception as exc:  # noqa: BLE001 - any client failure is this step's result
        raise StepError(StepStatus.FAILED, "topics.failed", error=f"{type(exc).__name__}: {exc}")
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
        raise StepError(StepStatus.FAILED, "topics.missing", count=len(missing),
                         missing=", ".join(missing), prefix=ctx.topics.prefix)
    return "topics.ok", {"count": len(expected), "prefix": ctx.topics.prefix}


def _ensure_diag_topic(ctx: StepContext, topic: str, facts: dict[str, Any]) -> None:
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


def step_roundtrip(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = f"{ctx.topics.prefix}.diagnostics"
    params: dict[str, Any] = {"topic": topic, "timeout_s": f"{ctx.timeout_s:g}"}
    if secure_steps.role_topics(ctx) is not None:  # a role may not create the test topic
        raise StepError(StepStatus.SKIPPED, "roundtrip.not_allowed",
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
            raise StepError(StepStatus.FAILED, "roundtrip.failed", error=f"{type(exc).__name__}: {exc}",
                             **params)
        key = f"diag-{uuid.uuid4().hex}".encode()
        t0 = time.monotonic()
        try:
            meta = producer.send(topic, key=key, value=b"ev-diagnostics round trip",
                                 partition=0).get(timeout=ctx.timeout_s)
        except Exception as exc:  # noqa: BLE001
            raise StepError(StepStatus.FAILED, "roundtrip.produce_failed",
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
                    raise StepError(StepStatus.WARNING, "roundtrip.slow", **params)
                return "roundtrip.ok", params
        raise StepError(StepStatus.FAILED, "roundtrip.consume_failed", **params)
    finally:
        for client in (producer, consumer):
            if client is not None:
                try:
                    client.close(timeout=1) if client is producer else client.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    log.debug("closing diagnostics client failed", exc_info=True)


def _group_lags(ctx: StepContext, facts: dict[str, Any]) -> dict[str, tuple[int | None, int]]:
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


def step_lag(ctx: StepContext, facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
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
        raise StepError(StepStatus.FAILED, "lag.failed", **params)
    if advice:
        raise StepError(StepStatus.WARNING, "lag.behind", **params)
    return "lag.ok", params
