"""Glue between the Kafka worker threads and the Qt thread.

Every Kafka wrapper (ReliableProducer, ResilientConsumer, CpDirectory, CentralWatch) calls its
callbacks on a worker thread. Qt objects may only be touched on the GUI thread, so those
callbacks go through :class:`QtDispatcher` — a queued signal — and arrive as ordinary calls on
the Qt thread. Nothing here blocks: the wrappers own their threads.

:class:`LinkAggregator` merges the link states of the app's producers and consumers into the one
picture the status bar shows (worst state wins; queued counts add up), plus the cluster's
health (:class:`~ev_common.kafka.cluster_health.ClusterWatch`): a broker missing from a cluster
makes a working link "degraded" (yellow) with the number of brokers missing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ev_desktop.models.link import LinkSummary, link_state_name

log = logging.getLogger(__name__)

_SEVERITY = {"connected": 0, "unknown": 1, "degraded": 2, "offline": 3}


class QtDispatcher(QObject):
    """``dispatch(fn, *args)`` from any thread → ``fn(*args)`` on this object's (the Qt) thread.

    Matches the core's ``Dispatch`` signature, so it can be handed to CpDirectory/CentralWatch.
    """

    _call = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def __call__(self, fn: Callable[..., Any], *args: Any) -> None:
        if not self._closed:
            try:
                self._call.emit(fn, args)
            except RuntimeError:  # the QObject is already gone (app shutting down)
                pass

    def close(self) -> None:
        """Drop anything that arrives later (workers may still be stopping)."""
        self._closed = True

    @Slot(object, object)
    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        if self._closed:
            return
        try:
            fn(*args)
        except Exception:  # a failing view must not kill the delivery of the next event
            log.exception("callback %r failed", fn)


class LinkAggregator(QObject):
    """Link state per source ("producer", "driver", "directory", ...) → one :class:`LinkSummary`.

    Producers report a full ``ProducerStatus`` (state, queued, last error); consumers only
    (state, error). Call the ``update_*`` methods on the Qt thread.
    """

    changed = Signal(object)  # LinkSummary

    def __init__(self, bootstrap: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bootstrap = bootstrap
        self._states: dict[str, str] = {}
        self._errors: dict[str, str | None] = {}
        self._queued: dict[str, int] = {}
        self._last: LinkSummary | None = None
        self._cluster: Any = None   # the last ClusterInfo (None: not known)
        self._security()

    def update_producer(self, source: str, status: Any) -> None:
        self._states[source] = link_state_name(status.state)
        self._errors[source] = status.last_error
        self._queued[source] = int(status.queued)
        self._publish()

    def update_consumer(self, source: str, state: Any, error: str | None = None) -> None:
        self._states[source] = link_state_name(state)
        self._errors[source] = error
        self._publish()

    def update_cluster(self, info: Any) -> None:
        """A :class:`~ev_common.kafka.cluster_health.ClusterInfo`, or None (nobody answered)."""
        self._cluster = info
        self._publish()

    def forget(self, source: str) -> None:
        for d in (self._states, self._errors, self._queued):
            d.pop(source, None)
        self._publish()

    def _security(self) -> None:
        """How this process talks to Kafka (fixed at start-up): TLS + who, or plain text."""
        from ev_common.kafka.security import CredentialsError, link_encrypted, principal_name
        try:
            self._encrypted, self._principal = link_encrypted(), principal_name()
        except CredentialsError:
            self._encrypted, self._principal = True, None  # the clients report the error

    def reset(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._security()
        self._states.clear()
        self._errors.clear()
        self._queued.clear()
        self._cluster = None
        self._publish()

    def summary(self) -> LinkSummary:
        if not self._states:
            state = "unknown"
        else:
            state = max(self._states.values(), key=lambda s: _SEVERITY.get(s, 1))
        error = next((e for s, e in self._errors.items() if e and self._states.get(s) != "connected"), None)
        clients_state = state
        missing = known = 0
        if self._cluster is not None and getattr(self._cluster, "degraded", False):
            missing, known = len(self._cluster.missing), len(self._cluster.known)
            if state == "connected":
                state = "degraded"
        return LinkSummary(state, self.bootstrap, sum(self._queued.values()), error,
                           encrypted=self._encrypted, principal=self._principal,
                           brokers_missing=missing, brokers_known=known, clients_state=clients_state)

    def _publish(self) -> None:
        summary = self.summary()
        if summary != self._last:
            self._last = summary
            self.changed.emit(summary)
