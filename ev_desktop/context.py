"""AppContext: every Kafka-facing object of one running app, and the Qt signals they feed.

It owns the operator's ReliableProducer (outbox in the data dir), the CP directory (compacted
``cp_state`` topic from the earliest offset), the Central watch, and the operator's live event
consumer (``central.activity``: what Central did, written only by Central — operators do not
read the drivers' requests). All of them run their own threads; their callbacks come back through one
:class:`QtDispatcher`, so every signal below is emitted on the Qt thread.

``apply_settings()`` re-points everything (bootstrap servers, Central, topic prefix): the old
objects are stopped on a background thread so the window never freezes.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ev_common import contract
from ev_common.contract import OperatorCommand
from ev_common.topics import Topics
from ev_desktop.kafka.qt_bridge import LinkAggregator, QtDispatcher
from ev_desktop.settings_store import AppSettings
from ev_desktop.models.event_text import activity_entry

log = logging.getLogger(__name__)


class AppContext(QObject):
    cpStates = Signal(list)          # list[CpState] that changed (batched per consumer poll)
    cpCaughtUp = Signal()            # the whole compacted state topic has been read
    centralChanged = Signal(object, object)  # up: bool | None, last_seen: float | None
    centralInstances = Signal(list)  # list[InstanceSeen]: the Central instances heard from, on change
    logEntries = Signal(list)        # list[LogEntry], oldest first
    commandsSettled = Signal(list)   # list[(message id, applied: bool)] of operator commands Central handled
    reset = Signal()                 # settings applied: views drop what they hold

    def __init__(self, settings: AppSettings, data_dir: Path, *, operator: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.data_dir = Path(data_dir)
        self.operator = operator
        self.dispatcher = QtDispatcher(self)
        self.link = LinkAggregator(settings.bootstrap_servers, self)
        self.producer: Any = None
        self.directory: Any = None
        self.central_watch: Any = None
        self.events_consumer: Any = None
        self.cluster_watch: Any = None
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(1000)
        self._watch_timer.timeout.connect(self._check_central)
        self.started = False
        self._instances_shown: list[tuple[str, bool, int]] = []

    @property
    def topics(self) -> Topics:
        return Topics(self.settings.topic_prefix)

    def outbox_path(self) -> Path:
        return self.data_dir / "outbox-operator.sqlite3"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Create the Kafka objects. Never blocks: they connect in the background, forever."""
        from ev_common.kafka.consumer import ResilientConsumer
        from ev_common.kafka.producer import ReliableProducer
        from ev_desktop.core.central_watch import CentralWatch
        from ev_desktop.core.directory import CpDirectory

        if self.started:
            return
        s, d, topics = self.settings, self.dispatcher, self.topics
        self.link.reset(s.bootstrap_servers)
        if self.operator:
            self.producer = ReliableProducer(s.bootstrap_servers, self.outbox_path(), client_id="ev-desktop-operator")
            self.producer.add_status_listener(lambda st: d(self.link.update_producer, "producer", st))
            self.events_consumer = ResilientConsumer(
                s.bootstrap_servers,
                [topics.central_activity],
                group_id=None, client_id="ev-desktop-events", start_from="latest",
                on_batch=self._on_event_batch,
                on_status=lambda st, err=None: d(self.link.update_consumer, "events", st, err))
            self.events_consumer.start()
        self.directory = CpDirectory(
            s.bootstrap_servers, topics, dispatch=d, client_id="ev-desktop-directory",
            on_change=self.cpStates.emit, on_caught_up=self.cpCaughtUp.emit,
            on_status=lambda st, err=None: self.link.update_consumer("directory", st, err))
        self.directory.start()
        self.central_watch = CentralWatch(s.bootstrap_servers, topics, dispatch=d,
                                          client_id="ev-desktop-central-watch",
                                          on_change=self.centralChanged.emit)
        self.central_watch.start()
        self.cluster_watch = self._start_cluster_watch(s.bootstrap_servers)
        self._watch_timer.start()
        self.started = True
        log.info("desktop context started (kafka %s, central %s, prefix %s, operator=%s)",
                 s.bootstrap_servers, s.central, s.topic_prefix, self.operator)

    def _start_cluster_watch(self, bootstrap: str) -> Any:
        """Brokers known vs serving, every few seconds (``EV_KAFKA_HEALTH_INTERVAL_S``, default
        5): a missing broker turns the status bar yellow ("degradado") although every client
        still works; see ev_common.kafka.cluster_health."""
        from ev_common.kafka.cluster_health import ClusterWatch
        from ev_common.settings import setting

        d = self.dispatcher
        watch = ClusterWatch(bootstrap, lambda info: d(self.link.update_cluster, info),
                             interval_s=float(setting("kafka_health_interval_s", "5")))
        watch.start()
        return watch

    def _detach(self) -> list[Any]:
        objs = [o for o in (self.events_consumer, self.directory, self.central_watch, self.producer,
                            self.cluster_watch) if o is not None]
        self.events_consumer = self.directory = self.central_watch = self.producer = None
        self.cluster_watch = None
        self._watch_timer.stop()
        self.started = False
        return objs

    @staticmethod
    def _stop_one(o: Any) -> None:
        try:
            if hasattr(o, "close"):
                o.close(timeout=2.0)
            else:
                o.stop()
        except Exception:  # stopping is best effort; the outbox keeps what was not sent
            log.exception("stopping %r failed", o)

    @staticmethod
    def _stop_all(objs: list[Any], timeout: float = 6.0) -> None:
        """Stop the workers in parallel (each may take up to a poll/ack timeout)."""
        threads = [threading.Thread(target=AppContext._stop_one, args=(o,), name="ctx-stop", daemon=True)
                   for o in objs]
        for t in threads:
            t.start()
        deadline = time.monotonic() + timeout
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def stop(self, wait: bool = True) -> None:
        objs = self._detach()
        if wait:
            self._stop_all(objs)
        else:
            threading.Thread(target=self._stop_all, args=(objs,), name="ctx-stop", daemon=True).start()

    def close(self) -> None:
        """Stop everything now (blocks up to a few seconds; prefer :meth:`begin_close`)."""
        self._stop_all(self.begin_close())

    def begin_close(self) -> list[Any]:
        """Qt-thread half of closing: drop late callbacks, stop timers; returns the objects whose
        (blocking) stop the caller runs off the Qt thread with :meth:`stop_objects`."""
        self.dispatcher.close()
        return self._detach()

    stop_objects = _stop_all

    def apply_settings(self, settings: AppSettings) -> None:
        """Reconnect everything with *settings* (the old connections stop in the background)."""
        log.info("settings applied: kafka %s, central %s, prefix %s", settings.bootstrap_servers,
                 settings.central, settings.topic_prefix)
        was_started = self.started
        self.stop(wait=False)
        # a fresh dispatcher: late callbacks of the old objects are dropped, not mixed in
        self.dispatcher.close()
        self.dispatcher = QtDispatcher(self)
        self.settings = settings
        self.reset.emit()
        if was_started:
            self.start()

    # ------------------------------------------------------------------ operator intents
    def send_operator_command(self, action: str, cp_id: str, operator: str, token: str,
                              session: Any = None) -> str | None:
        """Durable at once (outbox), delivered when Kafka is reachable. Returns the message id.
        *session* (the operator's SessionKeeper) MACs the command; Central refuses one without a
        live session of *operator*. *token* is for an old Central that gave no session."""
        if self.producer is None:
            return None
        body = OperatorCommand(action=action, cp_id=cp_id, operator=operator, token=token)  # type: ignore[arg-type]
        env = contract.envelope(body, source="ev-desktop")
        if session is not None:
            from ev_common import msgauth
            env = session.sign(env, msgauth.OPERATOR_COMMAND)
        msg_id = self.producer.send(self.topics.operator_commands, env)
        log.info("operator %s command %s cp=%s queued msg=%s", operator, action, cp_id, msg_id)
        return msg_id

    # ------------------------------------------------------------------ worker callbacks
    def _on_event_batch(self, deliveries: list[Any]) -> None:
        """Consumer thread: turn messages into log lines, hand them to the Qt thread."""
        entries, settled = [], []
        for dlv in deliveries:
            body = dlv.envelope.body
            if not isinstance(body, contract.CentralActivity):
                continue
            ts = dlv.timestamp_ms / 1000 if dlv.timestamp_ms else time.time()
            if body.ref_id and body.kind in ("operator_command", "operator_refused"):
                settled.append((body.ref_id, body.kind == "operator_command"))
            entry = activity_entry(body, ts)
            if entry is not None:
                entries.append(entry)
        if entries:
            self.dispatcher(self.logEntries.emit, entries)
        if settled:
            self.dispatcher(self.commandsSettled.emit, settled)

    def _check_central(self) -> None:
        if self.central_watch is not None:
            self.central_watch.check()
            seen = [(s.instance, s.alive, s.partitions) for s in self.central_watch.instances()]
            if seen != self._instances_shown:
                self._instances_shown = seen
                self.centralInstances.emit(self.central_watch.instances())

    def reader_lags(self) -> dict[str, int | None]:
        """This app's own Kafka readers (no consumer group: positions kept locally) → messages
        not read yet, None while unknown. Thread-safe (the diagnostics call it from a worker);
        the ids are the ones the diagnostics name (ev_desktop.diagnostics.report.READERS)."""
        readers = {"directory": self.directory, "central_watch": self.central_watch,
                   "events": self.events_consumer}
        return {name: obj.lag() for name, obj in readers.items() if obj is not None}

