"""Is every broker of the cluster serving? The knowledge behind "degradado" in the status bar.

Where it comes from: a DescribeCluster request with ``include_fenced_brokers`` (any
authenticated principal may send it; no ACL is needed). KRaft keeps every broker that ever
registered in the cluster metadata; one that stops heartbeating is *fenced* by the active
controller after ``broker.session.timeout.ms`` (6 s on ``ev-kafka`` clusters, 9 s by Kafka's
default) and leaves every ISR. So "known brokers" minus "fenced brokers" is the live set, and
a fenced broker is exactly the one whose copies are missing (under-replicated partitions) —
without reading every partition's metadata. A lone broker is never "degraded" here: when it is
down nothing answers and the producers/consumers already say "sin conexión".

:func:`assess` is pure (tested without Kafka); :func:`describe` asks the cluster once;
:class:`ClusterWatch` asks every few seconds on its own thread and reports changes.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kafka.errors import KafkaError

from ev_common.kafka.security import KafkaCredentials

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterInfo:
    """Brokers the cluster knows, the ones serving, and the active controller (if told)."""

    known: frozenset[int]
    live: frozenset[int]
    controller: int | None = None

    @property
    def missing(self) -> frozenset[int]:
        return self.known - self.live

    @property
    def degraded(self) -> bool:
        """Some broker is missing but the cluster answers: the service goes on with fewer copies."""
        return bool(self.missing) and bool(self.live)


def assess(described: dict, controller: int | None = None) -> ClusterInfo:
    """A DescribeCluster answer (kafka-python's dict, fenced brokers included) → ClusterInfo.

    Its ``controller_id`` is not used: KRaft answers clients with a random live broker there;
    the active controller is the metadata quorum's leader (*controller*, asked separately)."""
    brokers = described.get("brokers") or []
    known = frozenset(int(b.get("broker_id", b.get("node_id", -1))) for b in brokers)
    live = frozenset(int(b.get("broker_id", b.get("node_id", -1))) for b in brokers
                     if not b.get("is_fenced"))
    return ClusterInfo(known, live, controller)


def _active_controller(admin) -> int | None:  # noqa: ANN001 - KafkaAdminClient
    """The quorum leader (needs DESCRIBE on the cluster: admin); None when not allowed."""
    try:
        quorum = admin.describe_metadata_quorum()
        return int(quorum["topics"][0]["partitions"][0]["leader_id"])
    except (KafkaError, OSError, KeyError, IndexError, TypeError, ValueError):
        return None


def describe(bootstrap: str, timeout_s: float = 3.0, credentials: KafkaCredentials | None = None,
             *, with_controller: bool = True) -> ClusterInfo | None:
    """Ask the cluster once; None when no broker of *bootstrap* answers."""
    from ev_common.kafka.admin import admin_client
    try:
        admin = admin_client(bootstrap, timeout_s, client_id="ev-cluster-health",
                             credentials=credentials)
    except (KafkaError, OSError, ValueError):
        return None
    try:
        return _ask(admin, with_controller)
    except (KafkaError, OSError):
        return None
    finally:
        admin.close()


def _ask(admin, with_controller: bool) -> ClusterInfo:  # noqa: ANN001
    described = admin.describe_cluster()
    return assess(described, _active_controller(admin) if with_controller else None)


class ClusterWatch:
    """Every *interval_s*, DescribeCluster on its own thread; ``on_change(info | None)`` when the
    picture changes (None: nobody answered — the clients' own link state says the rest).
    The admin client is kept between rounds and rebuilt after a failure."""

    def __init__(self, bootstrap: str, on_change: Callable[[ClusterInfo | None], None], *,
                 interval_s: float = 3.0, timeout_s: float = 3.0,
                 credentials: KafkaCredentials | None = None) -> None:
        self.bootstrap = bootstrap
        self._on_change = on_change
        self._interval = interval_s
        self._timeout = timeout_s
        self._credentials = credentials
        self._stop = threading.Event()
        self._admin = None
        self._last: ClusterInfo | None | str = "never"
        self._thread = threading.Thread(target=self._run, name="kafka-cluster-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def check_once(self) -> ClusterInfo | None:
        from ev_common.kafka.admin import admin_client
        from ev_common.kafka.probe import split_bootstrap, unreachable_reason
        if self._admin is None and unreachable_reason(split_bootstrap(self.bootstrap), 1.0):
            return None  # nothing listens: no admin client (it would block, then log errors)
        try:
            if self._admin is None:
                self._admin = admin_client(self.bootstrap, self._timeout,
                                           client_id="ev-cluster-watch", credentials=self._credentials)
            return _ask(self._admin, with_controller=False)
        except (KafkaError, OSError, ValueError) as exc:
            log.debug("cluster watch: no answer from %s: %s", self.bootstrap, exc)
            self._close_admin()
            return None

    def _close_admin(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except (KafkaError, OSError):
                pass
            self._admin = None

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                info = self.check_once()
                if info != self._last:
                    if info is not None and info.degraded:
                        log.warning("kafka cluster degraded: brokers %s not serving (%d of %d live)",
                                    sorted(info.missing), len(info.live), len(info.known))
                    self._last = info
                    try:
                        self._on_change(info)
                    except Exception:  # a broken listener must not end the watch
                        log.exception("cluster watch listener failed")
                self._stop.wait(self._interval)
        finally:
            self._close_admin()
