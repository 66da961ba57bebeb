"""``python -m benchmarks.stamp_watcher BOOTSTRAP PREFIX OUT``: the latency benchmark's
watchers, in a process of their own.

They read, with bare consumers, (a) ``SupplyStarted.started_at`` per session from the CP
events topic and (b) the Kafka record timestamps of the driver's requests (by request id)
and of every driver notification, and append them to *OUT* as JSON lines — read back by
:class:`Stamps`. Why a process: as threads of the benchmark, next to the driver they measure,
both consumers woke on every answer and competed with the driver's consumer for the GIL (and
decoded records) at exactly the moment measured; the instrument slowed what it measured
(issue 14: idle request → authorized 3.6-5.9× the bare round trip with them in-process,
2.8-3.1× without, same machine, alternating runs). For the same reason the latency benchmark
starts it only after its samples (it reads from the earliest offset: every figure it reads is
stored in the records): as a process running alongside it still woke on every request and
answer and took CPU from the 2-core machine at the moments measured (~3-5 ms of p50).
"""
from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from ev_common import contract as c
from ev_common.kafka.security import kafka_kwargs
from ev_common.topics import Topics


def _watch(bootstrap: str, topics: Topics, out, stop: threading.Event) -> None:
    from kafka import KafkaConsumer
    cons = KafkaConsumer(topics.cp_events, topics.driver_requests, topics.driver_notifications,
                         bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                         enable_auto_commit=False, group_id=None, fetch_max_wait_ms=50, **kafka_kwargs())
    while not stop.is_set():
        lines = []
        for recs in cons.poll(timeout_ms=200).values():
            for r in recs:
                if r.topic == topics.driver_notifications:  # sealed: only its time is used
                    lines.append({"answer": r.timestamp / 1000})
                    continue
                try:
                    env = c.decode(r.value)
                except c.ContractError:
                    continue
                if isinstance(env.body, c.SupplyStarted):
                    lines.append({"started": env.body.session_id, "t": env.body.started_at})
                elif isinstance(env.body, c.ChargeRequested):
                    lines.append({"request": env.body.request_id, "t": r.timestamp / 1000})
        if lines:
            out.write("".join(json.dumps(x) + "\n" for x in lines))
            out.flush()
    cons.close()


class Stamps:
    """The watcher's file read back: ``started_at`` (session → SupplyStarted.started_at) and
    ``stamps`` (request id → record time, ``"answers"`` → notification record times), the
    shapes :func:`benchmarks.latency.breakdown` takes. :meth:`refresh` reads new lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started_at: dict[str, float] = {}
        self.stamps: dict = {}
        self._offset = 0

    def refresh(self) -> None:
        if not self.path.exists():
            return
        with self.path.open() as f:
            f.seek(self._offset)
            data = f.read()
        complete = data[:data.rfind("\n") + 1]
        self._offset += len(complete.encode())
        for line in complete.splitlines():
            x = json.loads(line)
            if "answer" in x:
                self.stamps.setdefault("answers", []).append(x["answer"])
            elif "started" in x:
                self.started_at[x["started"]] = x["t"]
            elif "request" in x:
                self.stamps[x["request"]] = x["t"]

    def get(self, session: str) -> float | None:
        """``started_at.get`` for :func:`benchmarks.latency._drive` (reads new lines first)."""
        self.refresh()
        return self.started_at.get(session)


def main() -> None:
    bootstrap, prefix, out_path = sys.argv[1:4]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with open(out_path, "a", encoding="utf-8") as out:
        _watch(bootstrap, Topics(prefix), out, stop)


if __name__ == "__main__":
    main()
