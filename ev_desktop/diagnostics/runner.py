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

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ev_common.topics import Topics
from ev_desktop.diagnostics import secure_steps
from ev_desktop.diagnostics.kafka_steps import LAG_WARNING, SLOW_ROUNDTRIP_MS, step_lag, step_roundtrip, step_topics
from ev_desktop.diagnostics.network_steps import (
    DEFAULT_PORT, parse_bootstrap, step_advertised, step_handshake, step_metadata, step_resolve, step_tcp,
)
from ev_desktop.diagnostics.report import (  # noqa: F401 - re-exported for callers
    MESSAGES, STEP_TITLES, STEPS, Detail, Diagnosis, DiagnosticsReport, StepResult, StepStatus,
    Translate, render, render_facts, step_title,
)
from ev_desktop.diagnostics.step_context import StepContext, StepError

__all__ = ["DEFAULT_PORT", "LAG_WARNING", "SLOW_ROUNDTRIP_MS", "parse_bootstrap", "run_diagnostics"]

log = logging.getLogger(__name__)


_STEP_FUNCS: dict[str, Callable[[StepContext, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "resolve": step_resolve, "tcp": step_tcp, "handshake": step_handshake,
    "metadata": step_metadata, "advertised": step_advertised, "topics": step_topics,
    "roundtrip": step_roundtrip, "lag": step_lag,
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


def _run_step(step_id: str, ctx: StepContext) -> StepResult:
    facts: dict[str, Any] = {}
    t0 = time.monotonic()
    try:
        code, params = _STEP_FUNCS[step_id](ctx, facts)
        status = StepStatus.OK
    except (StepError, secure_steps.SecureStepError) as outcome:
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
    ctx = StepContext(bootstrap=bootstrap_servers, topics=topics, group_ids=list(group_ids or []),
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
