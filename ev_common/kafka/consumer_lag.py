"""The consumer's health check: is the broker reachable, how far behind are we, are we stalled?

A part (mixin) of :class:`ev_common.kafka.consumer.ResilientConsumer`, run on its thread every
``health_interval_s``. It refreshes the lag that :meth:`lag` / :meth:`lag_by_partition` report
to other threads (under the consumer's lock) and raises ``KafkaTimeoutError`` — which makes the
consumer rebuild its client — when kafka-python 3.0.12 looks connected but reads nothing.
"""
from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaConsumer, TopicPartition
from kafka import errors as kerr

from ev_common.kafka.producer import describe_error
from ev_common.kafka.status import LinkState

log = logging.getLogger("ev_common.kafka.consumer")  # one logger for the consumer's parts


class ConsumerLag:
    _lock: threading.Lock
    _lag: dict[TopicPartition, int] | None
    _kc: KafkaConsumer | None
    _state: LinkState
    _failed_checks: int
    _records_seen: int
    _records_at_check: int
    _stalled_since: float | None
    _unpositioned_since: float | None
    group_id: str | None
    bootstrap: str

    def lag(self) -> int | None:
        """Messages not yet read on the assigned partitions (refreshed every few seconds by the
        consumer thread); None while unknown."""
        with self._lock:
            return None if self._lag is None else sum(self._lag.values())

    def lag_by_partition(self) -> dict[TopicPartition, int] | None:
        with self._lock:
            return None if self._lag is None else dict(self._lag)

    def _health_check(self) -> None:
        """Periodic: is the broker reachable? refresh lag; (manual mode) new partitions."""
        kc = self._kc
        assert kc is not None
        if not self._reachable():
            return  # the client reconnects by itself; the status says OFFLINE meanwhile
        if self.group_id is None:
            self._assign_new_partitions(kc, initial=False)
        assigned = list(kc.assignment())
        if not assigned and self.group_id is not None:
            self._nudge_empty_assignment(kc)
        if not assigned:
            if self._state == LinkState.OFFLINE:
                self._set_status(LinkState.DEGRADED, "Kafka is reachable again; rejoining")
            return
        try:
            ends = kc.end_offsets(assigned, timeout_ms=1500)
            lag = {}
            unpositioned = 0
            for tp in assigned:
                pos = self._known_position(kc, tp)
                if pos is None:
                    unpositioned += ends.get(tp, 0) > 0  # only partitions holding messages count
                elif tp in ends:
                    lag[tp] = max(0, ends[tp] - pos)
        except (kerr.KafkaError, AssertionError) as exc:
            self._failed_checks += 1
            if self._failed_checks >= 10:  # reachable but not answering for a while: rebuild
                raise kerr.KafkaTimeoutError(f"Kafka reachable but not answering "
                                             f"({describe_error(exc)})") from exc
            if self._state != LinkState.OFFLINE:
                self._set_status(LinkState.DEGRADED,
                                 f"Kafka at {self.bootstrap} does not answer ({describe_error(exc)})")
            return
        self._failed_checks = 0
        with self._lock:
            self._lag = lag
        self._set_status(LinkState.CONNECTED)
        # Stall detectors: (1) messages are waiting but none arrives; (2) an assigned partition
        # that holds messages never gets a fetch position (kafka-python 3.0.12 can leave an
        # offset reset unfinished under load: the client looks connected but reads nothing).
        now = time.monotonic()
        if unpositioned and self._records_seen == self._records_at_check:
            self._unpositioned_since = self._unpositioned_since or now
            if now - self._unpositioned_since >= 15.0:
                self._unpositioned_since = None
                raise kerr.KafkaTimeoutError(f"{unpositioned} assigned partition(s) never got a "
                                             f"read position in 15s; rebuilding the client")
        else:
            self._unpositioned_since = None
        if sum(lag.values()) > 0 and self._records_seen == self._records_at_check:
            self._stalled_since = self._stalled_since or now
            if now - self._stalled_since >= 15.0:
                self._stalled_since = None
                raise kerr.KafkaTimeoutError(f"{sum(lag.values())} message(s) waiting but none "
                                             f"received for 15s; rebuilding the client")
        else:
            self._stalled_since = None
        self._records_at_check = self._records_seen

    @staticmethod
    def _known_position(kc: KafkaConsumer, tp: TopicPartition) -> int | None:
        """The fetch position if the client has one, without asking the broker. (Calling the
        public ``position()`` with a short timeout while the client resets offsets itself can
        leave kafka-python 3.0.12 never fetching that partition under load.)"""
        sub = kc._subscription  # noqa: SLF001
        try:
            if not sub.is_assigned(tp) or not sub.has_valid_position(tp):
                return None
            return sub.position(tp).offset
        except (KeyError, AttributeError):
            return None
