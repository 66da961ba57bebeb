"""Central's timers: the tick, the heartbeat, the counters log line, retention and topic setup.

A mixin of :class:`central_service.runtime.CentralService` (it uses the service's core, store,
config and effect relay); every method runs on the service's asyncio loop. A failing timer logs
and keeps running: a timer that dies would silently stop reservations from expiring.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ev_common import contract as c

if TYPE_CHECKING:
    from central_service.application import CentralCore
    from central_service.config import CentralConfig
    from central_service.effects import EffectRelay
    from central_service.scale_out import ScaleOut
    from central_service.store import Store
    from ev_common.topics import Topics

log = logging.getLogger("central")


class PeriodicTasks:
    config: CentralConfig
    core: CentralCore | None
    store: Store
    topics: Topics
    clock: Callable[[], float]
    failed: BaseException | None
    _effects: EffectRelay | None
    _started_at: float
    _scale: ScaleOut | None

    request_stop: Callable[[], None]
    assigned_partitions: Callable[[], dict[str, list[int]]]
    _transact: Callable[[Callable[[], list[c.Payload]]], None]

    async def _ensure_topics(self) -> None:
        """Create this prefix's topics (compacted state topic included) once Kafka answers.

        Runs beside normal work and retries forever: Central must start, serve sockets and
        queue effects even while Kafka is down. Nothing reaches a topic before this created it
        with its settings (the broker and our clients never auto-create). An existing topic
        that cannot be repaired safely stops Central with the reason."""
        from ev_common.kafka.admin import TopicSetupError, ensure_topics

        loop = asyncio.get_running_loop()
        delay = 0.5
        while True:
            try:
                await loop.run_in_executor(None, lambda: ensure_topics(
                    self.config.bootstrap_servers, self.topics, 3.0,
                    replication_factor=self.config.replication_factor,
                    min_insync=self.config.min_insync_replicas))
                log.info("topics %s.* ready", self.config.topic_prefix)
                return
            except TopicSetupError as exc:
                log.error("Central cannot run on these topics: %s", exc)
                self.failed = exc
                self.request_stop()
                return
            except Exception as exc:  # noqa: BLE001 - Kafka unreachable: try again later
                log.info("topics not checked yet (%s); retrying in %.0fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _every(self, interval: float, fn: Callable[[], None]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                fn()
            except Exception:  # noqa: BLE001 - a timer must keep running
                log.exception("timer %s failed", getattr(fn, "__name__", fn))

    async def _prune_periodically(self) -> None:
        """Retention, off the hot path: every *prune_interval* delete expired processed ids and
        event-log lines one short transaction at a time, yielding to the loop between chunks
        so batches and sockets are served meanwhile."""
        from central_service.retention import RetentionPolicy, prune_steps

        cfg = self.config
        policy = RetentionPolicy(cfg.processed_ids_retention, cfg.event_log_retention)
        while True:
            await asyncio.sleep(cfg.prune_interval)
            try:
                result = None
                for result in prune_steps(policy, self.clock()):
                    await asyncio.sleep(0)
                if result is not None and result.total:
                    log.info("pruned %d processed message id(s) and %d event-log line(s) past retention",
                             result.processed_ids, result.event_log)
            except Exception:  # noqa: BLE001 - retried at the next interval
                log.exception("pruning failed; retrying in %.0f s", cfg.prune_interval)

    _last_flush = 0.0

    def _tick(self) -> None:
        assert self.core is not None
        scale, core = self._scale, self.core
        if scale is None:
            self._transact(core.on_tick)
        else:  # under the decision lock: dead instances' Monitors lost, their effects claimed (scale_out.py)
            self._transact(lambda: core.on_tick(scale.live_instances()))
        now = time.monotonic()
        if now - self._last_flush >= self.config.live_flush_interval:
            self._last_flush = now
            dirty = self.core.dirty_live_values()
            if dirty:
                self.store.save_live_values(dirty)

    def _heartbeat(self) -> None:
        assert self.core is not None
        cps = self.core.cps.values()
        assert self._effects is not None
        self._effects.send(c.CentralHeartbeat(
            instance=self.config.instance, started_at=self._started_at,
            interval_s=self.config.heartbeat_interval, cps_total=len(cps),
            # scale-out: the Monitors this instance holds (which instance serves what)
            cps_connected=sum(1 for cp in cps if cp.monitor_connected
                              and (self.core.instance is None or cp.holder == self.core.instance)),
            counters=dict(self.core.counters), partitions=self.assigned_partitions()))

    _logged_counters: dict = {}

    def _log_counters(self) -> None:
        assert self.core is not None
        now = dict(self.core.counters)
        if now != self._logged_counters:
            self._logged_counters = now
            log.info("counters: %s", " ".join(f"{k}={v}" for k, v in sorted(now.items())) or "none")
