"""Timestamp probe for ``python -m benchmarks.segments`` (issue 14: where the idle exchange goes).

Loaded by every Python process of a ``latency`` run through ``PYTHONPATH`` (``sitecustomize``
is imported at start-up) when ``EV_PROBE`` names a file prefix; without it, it does nothing.
It wraps, from outside, the points where a driver's request and Central's answer change hands
— kafka-python's ``send`` / request queued / bytes written / fetch response, our consumer
handing records over, Central's loop, decision transaction and relay, the outbox's commit,
Central pushing on the drivers' WATCH links and the driver core taking a pushed envelope, the
driver core emitting an event — and appends one line per point to ``<prefix>.<pid>``:
``<unix time> <thread name> <what> [details]``. The product code stays unmodified (the
figures are of the code that ships), and the probe's own writes are in every figure (a few µs
each). It patches internals of kafka-python 3.0.12: with another version some points may be
missing, and the analysis then finds fewer exchanges.

Also stamped: the oldest generation's garbage collections (``gc.start`` / ``gc.stop`` with the
thread's CPU time: they stop every thread of the process), each fetch response's size and how
long it was out, and ``DriverCore.request_charge`` (where a sample's clock starts).
``EV_PROBE_QUIET_TOPICS`` (topic suffixes, comma-separated) leaves those topics' records out
(the load benchmark's telemetry); ``EV_PROBE_WORKER=1`` also stamps the reliable producer's
delivery worker: its wake-ups and the steps between them.
"""
from __future__ import annotations

import builtins
import contextlib
import gc
import os
import sys
import threading
import time
from typing import Any, Callable

_PREFIX = os.environ.get("EV_PROBE")
# topic suffixes whose records are not stamped one by one (the load benchmark's telemetry: 5,000
# lines a second would cost the very processes measured more than the exchange they are about)
_QUIET = tuple(t for t in os.environ.get("EV_PROBE_QUIET_TOPICS", "").split(",") if t)


def _install(prefix: str) -> None:
    out = open(f"{prefix}.{os.getpid()}", "a", buffering=1)  # noqa: SIM115 - open for the process's life
    out.write(f"# {' '.join(sys.argv)}\n")

    # one file, many threads: unlocked, lines were lost. Re-entrant: the gc callback may stamp
    # in the middle of another stamp of the same thread
    write_lock = threading.RLock()

    def stamp(what: str, *details: object) -> None:
        line = f"{time.time():.6f} {threading.current_thread().name} {what} {' '.join(map(str, details))}\n"
        with write_lock:
            out.write(line)

    def on_gc(phase: str, info: dict) -> None:
        """The oldest generation's collections: they stop every thread of the process."""
        if info.get("generation") == 2:
            stamp("gc." + phase, info.get("collected", ""), f"cpu={time.thread_time():.4f}")
    gc.callbacks.append(on_gc)

    def around(cls: type, name: str) -> None:
        """Stamp ``name>`` on entry and ``name<`` on exit of ``cls.name``."""
        inner = getattr(cls, name)

        def wrapped(self: Any, *a: Any, **k: Any) -> Any:
            stamp(name + ">")
            try:
                return inner(self, *a, **k)
            finally:
                stamp(name + "<")
        setattr(cls, name, wrapped)

    def kafka() -> None:
        import kafka.consumer.fetcher as fetcher
        import kafka.net.compat as compat
        import kafka.net.transport as transport
        import kafka.producer.kafka as producer

        net_send = compat.KafkaNetClient.send

        def send(self: Any, node_id: Any, request: Any, **kw: Any) -> Any:
            kind = type(request).__name__
            if "Produce" in kind or "Fetch" in kind:
                stamp("net.send", kind)
            return net_send(self, node_id, request, **kw)
        compat.KafkaNetClient.send = send

        fetch_response = fetcher.Fetcher._handle_fetch_response

        def on_fetch(self: Any, node_id: Any, fetch_offsets: Any, send_time: Any, response: Any) -> Any:
            # partitions, bytes of records, and how long the fetch was out (ms): a fetch with
            # records that was out long was held by the broker; a short one was sent late
            size = sum(len(pd.records or b"") for td in response.responses for pd in td.partitions)
            stamp("fetch.resp", len(fetch_offsets), f"bytes={size}",
                  f"out={(time.monotonic() - send_time) * 1e3:.1f}")
            return fetch_response(self, node_id, fetch_offsets, send_time, response)
        fetcher.Fetcher._handle_fetch_response = on_fetch

        kp_send = producer.KafkaProducer.send

        def record_send(self: Any, topic: str, *a: Any, **k: Any) -> Any:
            fut = kp_send(self, topic, *a, **k)
            if not (_QUIET and topic.endswith(_QUIET)):
                stamp("kp.send", self.config["client_id"], topic)
            return fut
        producer.KafkaProducer.send = record_send

        for cls in vars(transport).values():
            if isinstance(cls, type) and "_sock_send" in vars(cls):
                def sock_send(self: Any, inner: Callable = vars(cls)["_sock_send"]) -> Any:
                    result = inner(self)
                    stamp("sock.send", result[0])
                    return result
                cls._sock_send = sock_send

    def consumer() -> None:
        import ev_common.kafka.consumer as cm

        process = cm.ResilientConsumer._process

        def handed_over(self: Any, records: Any) -> Any:
            for tp, recs in records.items():
                if _QUIET and tp.topic.endswith(_QUIET):
                    continue
                for r in recs:
                    stamp("polled", self.client_id, tp.topic, r.timestamp, r.offset)
            return process(self, records)
        cm.ResilientConsumer._process = handed_over

    def driver() -> None:
        dm = sys.modules["ev_desktop.core.driver"]
        emit = dm.DriverCore._emit

        def emitted(self: Any, event: Any, sent_at: Any = None) -> Any:
            stamp("emit", type(event).__name__)
            return emit(self, event, sent_at)
        dm.DriverCore._emit = emitted
        around(dm.DriverCore, "_on_pushed")  # an envelope from the WATCH link
        around(dm.DriverCore, "request_charge")  # where a sample's clock starts

    def central() -> None:
        rm = sys.modules["central_service.runtime"]
        em = sys.modules["central_service.effects"]
        around(rm.CentralService, "_apply_batch")
        around(em.EffectRelay, "relay")
        around(sys.modules["central_service.notify_push"].NotificationPush, "deliver")
        decision = rm.decision

        @contextlib.contextmanager
        def stamped(*a: Any, **k: Any) -> Any:
            stamp("txn>")
            with decision(*a, **k):
                yield
                stamp("txn body done")
            stamp("txn committed")
        rm.decision = stamped

    def outbox() -> None:
        om = sys.modules["ev_common.kafka.outbox"]
        um = sys.modules["ev_common.kafka.unstored"]
        if os.environ.get("EV_PROBE_WORKER"):  # the delivery worker's own steps and wake-ups
            pm = sys.modules["ev_common.kafka.producer"]
            wm = sys.modules["ev_common.kafka.delivery_window"]
            for cls, name in ((pm.ReliableProducer, "_take_staged"), (wm.DeliveryWindow, "_deliver_window"),
                              (pm.ReliableProducer, "_settle_removals"), (pm.ReliableProducer, "_notify_drained"),
                              (om.Outbox, "pending"), (om.Outbox, "remove")):
                around(cls, name)

            class StampedEvent(threading.Event):
                def wait(self, timeout: float | None = None) -> bool:
                    stamp("wake.wait>", timeout)
                    got = super().wait(timeout)
                    stamp("wake.wait<", got)
                    return got

                def set(self) -> None:
                    stamp("wake.set")
                    super().set()
            init = pm.ReliableProducer.__init__

            def stamped_init(self: Any, *a: Any, **k: Any) -> None:
                init(self, *a, **k)
                ev = StampedEvent()
                if self._wake.is_set():
                    ev.set()
                self._wake = ev
            pm.ReliableProducer.__init__ = stamped_init
        for cls, name in ((om.Outbox, "_write"), (om.Outbox, "_group_append"),
                          (um.SendWhileSyncing, "_on_staged"), (um.SendWhileSyncing, "_deliver")):
            around(cls, name)

    def ready(module: str, *attrs: str) -> bool:
        m = sys.modules.get(module)
        return m is not None and all(hasattr(m, a) for a in attrs)

    # each patch goes in as soon as the modules it wraps are imported (whatever imports them)
    pending: dict[str, tuple[Callable[[], None], Callable[[], bool]]] = {
        "kafka": (kafka, lambda: ready("kafka.producer.kafka", "KafkaProducer")
                  and ready("kafka.consumer.fetcher", "Fetcher") and ready("kafka.net.compat", "KafkaNetClient")
                  and ready("kafka.net.transport", "KafkaTCPTransport")),
        "consumer": (consumer, lambda: ready("ev_common.kafka.consumer", "ResilientConsumer")),
        "driver": (driver, lambda: ready("ev_desktop.core.driver", "DriverCore")),
        "central": (central, lambda: ready("central_service.runtime", "CentralService", "decision")
                    and ready("central_service.effects", "EffectRelay")
                    and ready("central_service.notify_push", "NotificationPush")),
        "outbox": (outbox, lambda: ready("ev_common.kafka.outbox", "Outbox")
                   and ready("ev_common.kafka.unstored", "SendWhileSyncing")
                   and ready("ev_common.kafka.producer", "ReliableProducer")
                   and ready("ev_common.kafka.delivery_window", "DeliveryWindow")),
    }
    real_import = builtins.__import__

    def importing(name: str, *a: Any, **k: Any) -> Any:
        module = real_import(name, *a, **k)
        for key, (patch, is_ready) in list(pending.items()):
            if is_ready():
                del pending[key]
                patch()
        return module
    builtins.__import__ = importing


if _PREFIX:
    _install(_PREFIX)
