"""Central's way in from Kafka: the two consumers' batches applied on the loop, requests first.

A mixin of :class:`central_service.runtime.CentralService` (it uses the service's loop, core,
store, sessions, verifier and effect relay, set up there). The consumer threads call
:meth:`KafkaInput._on_request_batch` / :meth:`KafkaInput._on_event_batch`; both hand the batch
to the loop and wait, so each consumer commits a batch's offsets only after all of it was
applied. Why requests go first and how an events batch yields to them: the runtime's module
docstring ("Requests first").
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from ev_common import contract as c
from ev_common.kafka.consumer import Delivery, RetryLater
from central_service import activity, audit
from central_service.authenticity import CP_EVENT_TYPES
from central_service.domain.restart_grace import RequestOnHold
from central_service.instance_guard import LockLost
from central_service.sessions import SIGNED_BY_SESSION
from central_service.store import is_db_error

if TYPE_CHECKING:
    from central_service.application import CentralCore
    from central_service.authenticity import CpEventVerifier
    from central_service.effects import EffectRelay
    from central_service.sessions import SessionBook
    from central_service.store import Store

log = logging.getLogger("central")

# a request handed over while an events batch is applied waits at most this many CP events
EVENT_SLICE = 10
# how long the events thread holds its next batch back while request batches wait (never starve)
REQUESTS_FIRST_MAX_WAIT_S = 1.0


class KafkaInput:
    """Mixin of :class:`~central_service.runtime.CentralService` (see the module docstring)."""

    core: CentralCore | None
    store: Store
    sessions: SessionBook | None
    _loop: asyncio.AbstractEventLoop | None
    _effects: EffectRelay | None
    _verifier: CpEventVerifier | None
    _fenced: str | None
    _requests_waiting: int
    _priority: threading.Condition

    _decision: Callable[[], AbstractContextManager[None]]
    _reload_after_failure: Callable[[], None]

    def _on_request_batch(self, deliveries: list[Delivery]) -> None:
        """Requests consumer thread: apply the batch on the loop and wait (offsets commit
        afterwards); while it waits, the events thread holds its next batch back."""
        assert self._loop is not None
        with self._priority:
            self._requests_waiting += 1
        try:
            async def _apply() -> None:
                self._apply_batch(deliveries)
            asyncio.run_coroutine_threadsafe(_apply(), self._loop).result()
        finally:
            with self._priority:
                self._requests_waiting -= 1
                self._priority.notify_all()

    def _on_event_batch(self, deliveries: list[Delivery]) -> None:
        """Events consumer thread: after any waiting request batch, apply the batch on the
        loop and wait (offsets commit afterwards). If a request batch is handed over
        meanwhile, the events batch stops at the next multiple of EVENT_SLICE (what was
        applied is complete: effects relayed, live values sent), yields to the loop — the
        request runs — and goes on. A failure later in the batch retries it whole, with the
        messages applied before skipped (processed ids) or harmless (telemetry: by seq)."""
        assert self._loop is not None
        with self._priority:
            self._priority.wait_for(lambda: self._requests_waiting == 0, REQUESTS_FIRST_MAX_WAIT_S)

        async def _apply() -> None:
            done = 0
            while done < len(deliveries):
                if done:
                    await asyncio.sleep(0)  # the waiting request runs here
                    self.core.counters["event_batches_yielded"] += 1
                done += self._apply_batch(deliveries[done:], yield_to_requests=True)
        asyncio.run_coroutine_threadsafe(_apply(), self._loop).result()

    def _apply_batch(self, deliveries: list[Delivery], yield_to_requests: bool = False) -> int:
        """Apply *deliveries* in order; returns how many were applied: all of them, or with
        *yield_to_requests* fewer when a request batch waits (see :meth:`_on_event_batch`)."""
        assert self.core is not None
        # Live values (SupplyProgress, CpState from telemetry) are superseded by the next tick:
        # keep only the latest per (type, key) within the batch and offer them to the live lane
        # (effects.py, "Two lanes": coalesced, admitted as the producer drains). They are offered
        # before any other message is applied and after the batch's staged effects, and the
        # relay hands a key's pending live value over right before that key's effects, so the
        # last CpState sent always reflects the latest facts.
        live: dict[tuple[str, str], c.Payload] = {}
        assert self._verifier is not None and self._effects is not None
        if self._fenced:  # not applied, offsets not committed: the active instance reads them
            raise RetryLater(f"this instance lost the database lock: {self._fenced}")
        applied = len(deliveries)
        for n, d in enumerate(deliveries):
            if yield_to_requests and n and n % EVENT_SLICE == 0 and self._requests_waiting:
                applied = n  # complete what was applied (below), then let the request in
                break
            env = d.envelope
            if isinstance(env.body, CP_EVENT_TYPES):
                why = self._verifier.problem(env)
                if why is not None:
                    self._effects.dead_letter(d, why)
                    continue
            if isinstance(env.body, c.Telemetry):
                for p in self.core.on_telemetry(env.body):
                    live[(p.TYPE, p.partition_key())] = p
                continue
            if live:
                self._effects.offer_live(live.values())
                live.clear()
            try:
                with self._decision():
                    seen_as = self.store.processed_type(env.id)
                    if seen_as == env.type:
                        self.core.counters["duplicates"] += 1
                        log.info("duplicate message id=%s type=%s: already applied", env.id, env.type)
                        continue
                    principal = (self.sessions.principal(env) if isinstance(env.body, SIGNED_BY_SESSION)
                                 and self.sessions is not None else None)
                    refused_before = self.core.counters["operator_unauthorized"]
                    effects = self.core.on_message(env, principal)
                    effects = effects + activity.activity_for(
                        env, effects, self.core.counters["operator_unauthorized"] > refused_before)
                    audit.from_activity(effects, time.time())  # operator commands: who, what, when
                    if seen_as is None:
                        self.store.mark_processed(env.id, env.type, time.time())
                    else:
                        # the id was taken first by a message of another type (forged, e.g. a fake
                        # "final-<session>"): the real one must not be skipped as a duplicate. It
                        # is applied unrecorded; the domain's own checks (billed, seq, session
                        # state) keep a redelivery of it harmless.
                        self.core.counters["id_conflicts"] += 1
                        log.warning("message id=%s type=%s reuses the id of an applied %s: applied "
                                    "on its own merits", env.id, env.type, seen_as)
                    self._effects.stage(effects)
            except RequestOnHold as exc:
                # nothing changed (the core decides before touching state); the consumer applies
                # the batch again shortly and the offset stays uncommitted, so even a crash
                # meanwhile loses nothing. Messages before this one are already recorded.
                self._effects.relay()
                raise RetryLater(str(exc)) from exc
            except LockLost as exc:  # fenced (scale-out lease): not applied, offsets not committed
                raise RetryLater(str(exc)) from exc
            except Exception as exc:
                self._reload_after_failure()
                if is_db_error(exc):
                    # the consumer retries the batch until the DB is back; applied messages
                    # are skipped by id
                    raise RetryLater(f"database unavailable: {exc}") from exc
                self.core.counters["handler_errors"] += 1
                log.exception("message id=%s type=%s could not be applied: dead-lettered", env.id, env.type)
                self._effects.dead_letter(d, f"central failed: {type(exc).__name__}: {exc}")
        self._effects.relay()
        if live:
            self._effects.offer_live(live.values())
        return applied
