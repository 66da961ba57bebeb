"""The e2e tests' reader of the system's own topics (tickets, final reports, CP states).

Split out of :mod:`tests.e2e.harness` (which re-exports it) to keep that module one job: the
processes. The logic is unchanged from there, including the per-partition stall detection CI
needed on a cluster whose partition leader was killed.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict

from kafka import KafkaConsumer, TopicPartition

from ev_common import contract as c
from ev_common.topics import Topics
from tests.helpers import kafka_security, wait_until
from tests.notify_support import KeyLookup, open_if_sealed


class Watcher:
    """Reads the system's topics from the beginning on a thread (no consumer group).

    Survives a broker outage (kafka-python reconnects; the thread swallows errors and goes on),
    so a test can keep asserting on what the system published across a Kafka kill/restart. On a
    cluster, a manually assigned kafka-python consumer can stay stuck on a partition whose leader
    was killed (seen in CI: every ticket in the DB and at the drivers, none read here for 150 s):
    when a partition holds more than it read and its position has not moved for :attr:`STALL_S`,
    the consumer is replaced and reads again from the beginning (records are keyed by offset, so
    a second read changes nothing).
    """

    STALL_S = 5.0

    def __init__(self, bootstrap: str, topics: Topics, notify_keys: KeyLookup | None = None) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.notify_keys = notify_keys  # opens Central's sealed notifications (tests.notify_support)
        self.names = [topics.driver_notifications, topics.cp_events, topics.cp_state]
        self._records: dict[tuple[str, int, int], c.Envelope] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="e2e-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        consumer: KafkaConsumer | None = None
        assigned: set[str] = set()
        last_check = time.monotonic()
        seen: dict[TopicPartition, int | None] = {}   # position at the last stall check
        while not self._stop.is_set():
            try:
                if consumer is None:
                    consumer = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                             enable_auto_commit=False, reconnect_backoff_max_ms=500,
                                             request_timeout_ms=10000, client_id="e2e-watcher",
                                             **kafka_security())
                if len(assigned) < len(self.names):
                    tps = []
                    for name in self.names:
                        parts = consumer.partitions_for_topic(name)
                        if parts:
                            assigned.add(name)
                            tps += [TopicPartition(name, p) for p in sorted(parts)]
                    if not tps or len(assigned) < len(self.names):
                        assigned.clear()
                        consumer.poll(timeout_ms=200)  # refreshes metadata
                        self._stop.wait(0.5)
                        continue
                    consumer.assign(tps)
                    consumer.seek_to_beginning(*tps)
                    last_check, seen = time.monotonic(), {}
                batch = consumer.poll(timeout_ms=300)
                with self._lock:
                    for tp, recs in batch.items():
                        for r in recs:
                            try:
                                self._records[(tp.topic, tp.partition, r.offset)] = c.decode(r.value)
                            except Exception:  # noqa: BLE001 - dead letters are not our business here
                                pass
                # checked per partition and whatever the poll returned: CI's stuck partition sat
                # behind while the others (cp.state is written every second) kept delivering
                if time.monotonic() - last_check > self.STALL_S:
                    last_check = time.monotonic()
                    try:
                        stuck, seen = self._stuck(consumer, seen)
                    except Exception:  # noqa: BLE001 - offsets unreadable (stale leader): ask afresh
                        stuck = True
                    if stuck:
                        consumer.close()
                        consumer, assigned, seen = None, set(), {}
            except Exception:  # noqa: BLE001 - broker down: retry
                self._stop.wait(0.5)
        if consumer is not None:
            try:
                consumer.close()
            except Exception:  # noqa: BLE001
                pass

    @staticmethod
    def _stuck(consumer: KafkaConsumer, before: dict[TopicPartition, int | None]
               ) -> tuple[bool, dict[TopicPartition, int | None]]:
        """Whether some partition holds records beyond the consumer's position and has not moved
        since the previous check; also returns the positions now (the next check's *before*)."""
        tps = list(consumer.assignment())
        ends = consumer.end_offsets(tps, timeout_ms=5000) if tps else {}
        now: dict[TopicPartition, int | None] = {}
        stuck = False
        for tp, end in ends.items():
            pos = consumer.position(tp, timeout_ms=2000)  # None: no position yet (leader gone)
            now[tp] = pos
            behind = end is not None and (pos is None or pos < end)
            if behind and tp in before and before[tp] == pos:
                stuck = True
        return stuck, now

    def close(self) -> None:
        self._stop.set()
        self._thread.join(15)

    # -- queries (all in per-partition offset order; one CP / one driver = one partition)
    def envelopes(self, topic: str) -> list[c.Envelope]:
        with self._lock:
            items = sorted((k, v) for k, v in self._records.items() if k[0] == topic)
        return [open_if_sealed(v, self.notify_keys) for _, v in items]

    def bodies(self, topic: str, kind: type) -> list:
        return [e.body for e in self.envelopes(topic) if isinstance(e.body, kind)]

    def tickets(self) -> dict[str, list[c.Envelope]]:
        """session → the *distinct* Ticket messages (by envelope id) published for it."""
        out: dict[str, dict[str, c.Envelope]] = defaultdict(dict)
        for e in self.envelopes(self.topics.driver_notifications):
            if isinstance(e.body, c.Ticket):
                out[e.body.session_id][e.id] = e
        return {sid: list(v.values()) for sid, v in out.items()}

    def finals(self) -> dict[str, list[c.SupplyFinished]]:
        """session → every SupplyFinished copy published by the Engine (may repeat after a crash)."""
        out: dict[str, list[c.SupplyFinished]] = defaultdict(list)
        for b in self.bodies(self.topics.cp_events, c.SupplyFinished):
            out[b.session_id].append(b)
        return dict(out)

    def states(self, cp_id: str) -> list[c.CpState]:
        return [b for b in self.bodies(self.topics.cp_state, c.CpState) if b.cp_id == cp_id]

    def state(self, cp_id: str) -> str | None:
        s = self.states(cp_id)
        return s[-1].state if s else None

    def notifications(self, kind: type, session_id: str | None = None) -> list:
        return [b for b in self.bodies(self.topics.driver_notifications, kind)
                if session_id is None or getattr(b, "session_id", None) == session_id]

    def wait_state(self, cp_id: str, state: str, timeout: float = 60.0) -> c.CpState:
        return wait_until(lambda: (self.states(cp_id) or [None])[-1] if self.state(cp_id) == state else None,
                          timeout, interval=0.2, message=f"{cp_id} {state} on cp_state "
                                                         f"(last: {self.state(cp_id)})")

    def ever_state(self, cp_id: str, state: str) -> bool:
        return any(s.state == state for s in self.states(cp_id))
