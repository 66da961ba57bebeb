"""Records the consumer cannot apply: decoded or not, retried or not, and their dead letters.

A part (mixin) of :class:`ev_common.kafka.consumer.ResilientConsumer`. A record that does not
decode (:class:`ContractError`), whose Kafka key is not its envelope key, or whose ``on_batch``
keeps failing becomes a ``DeadLetter`` (origin topic/partition/offset/key/value/reason,
``consumer`` = the group id, else the client id) queued durably through the given
:class:`ReliableProducer`; the consumer carries on. :class:`RetryLater` from ``on_batch`` is
never dead-lettered: the batch is retried until the world is ready.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kafka import TopicPartition

from ev_common import contract
from ev_common.kafka.backoff import Backoff
from ev_common.kafka.delivery import Delivery, RetryLater
from ev_common.kafka.producer import ReliableProducer, describe_error

log = logging.getLogger("ev_common.kafka.consumer")  # one logger for the consumer's parts

MAX_DEAD_LETTER_KEY = 256  # characters of the offending record's key kept in its dead letter


class DeadLetters:
    client_id: str
    group_id: str | None
    _stop: threading.Event
    _lock: threading.Lock
    _on_batch: Callable[[list[Delivery]], None]
    _handler_retries: int
    _dead_letters: ReliableProducer | None
    _dead_letter_topic: str | None
    _records_seen: int
    _uncommitted: dict[TopicPartition, int]
    _positions: dict[TopicPartition, int]

    def _process(self, records: dict) -> None:
        self._records_seen += 1
        deliveries: list[Delivery] = []
        last: dict[TopicPartition, int] = {}
        for tp, recs in records.items():
            for rec in recs:
                last[tp] = rec.offset
                key = None if rec.key is None else rec.key.decode("utf-8", errors="backslashreplace")
                try:
                    env = contract.decode(rec.value)
                except contract.ContractError as exc:
                    if not self._dead_letter(rec.topic, rec.partition, rec.offset, key, rec.value, str(exc)):
                        return  # stopping: nothing of this batch is committed
                    continue
                except Exception as exc:  # noqa: BLE001 - a decoder bug: never re-read it forever
                    if not self._dead_letter(rec.topic, rec.partition, rec.offset, key, rec.value,
                                             f"undecodable (decoder error: {describe_error(exc)})"):
                        return
                    continue
                if key is not None and key != env.key:
                    # the record would sit on another key's partition: per-key order is lost
                    if not self._dead_letter(rec.topic, rec.partition, rec.offset, key, rec.value,
                                             f"record key {key[:80]!r} is not the envelope key {env.key[:80]!r}"):
                        return
                    continue
                deliveries.append(Delivery(rec.topic, rec.partition, rec.offset, key, env,
                                           rec.timestamp))
        if deliveries and not self._handle(deliveries):
            return  # stopping mid-retry: not committed, read again next time
        with self._lock:
            for tp, off in last.items():
                self._uncommitted[tp] = off + 1
                self._positions[tp] = off + 1

    def _handle(self, deliveries: list[Delivery]) -> bool:
        """Call on_batch; retry with backoff; finally dead-letter the batch. Never raises.
        False only when a stop interrupted the retries (the batch then stays uncommitted)."""
        backoff = Backoff(0.2, 1.0)
        error: BaseException | None = None
        attempt = 0
        while attempt <= self._handler_retries:
            try:
                self._on_batch(deliveries)
                return True
            except RetryLater as exc:  # transient: not the messages' fault, never dead-letter
                log.warning("consumer %s: %d message(s) not applied yet, retrying: %s",
                            self.client_id, len(deliveries), exc)
                if self._stop.wait(min(5.0, backoff.next() * 2)):
                    return False
                continue
            except Exception as exc:  # noqa: BLE001 - the handler's bug must not kill the thread
                log.exception("consumer %s: on_batch failed (attempt %d/%d) for %d message(s)",
                              self.client_id, attempt + 1, self._handler_retries + 1, len(deliveries))
                error = exc
            if attempt < self._handler_retries:
                if self._stop.wait(backoff.next()):
                    return False
            attempt += 1
        # Isolate the culprit(s): one more try per message, dead-letter only those that fail.
        for d in deliveries:
            if len(deliveries) > 1:
                try:
                    self._on_batch([d])
                    continue
                except Exception as exc:  # noqa: BLE001
                    error = exc
                    log.exception("consumer %s: on_batch failed for %s[%d]@%d", self.client_id,
                                  d.topic, d.partition, d.offset)
            reason = f"handler failed: {describe_error(error)}" if error else "handler failed"
            if not self._dead_letter(d.topic, d.partition, d.offset, d.key, contract.encode(d.envelope), reason):
                return False
        return True

    def _dead_letter(self, topic: str, partition: int, offset: int, key: str | None,
                     value: bytes | None, reason: str) -> bool:
        """Queue a dead letter durably. If it cannot be queued (disk full, outbox cap, producer
        closed) it is retried until it is, and the offset is NOT committed meanwhile: a
        message is never skipped without its dead letter. False = a stop interrupted the
        retries (the caller then leaves the batch uncommitted: it is read again next time)."""
        log.warning("consumer %s: dead letter %s[%d]@%d key=%s: %s", self.client_id, topic,
                    partition, offset, key, reason)
        if self._dead_letters is None or self._dead_letter_topic is None:
            return True
        if key is not None and len(key) > MAX_DEAD_LETTER_KEY:
            key = key[:MAX_DEAD_LETTER_KEY] + "…"  # a dead letter must itself fit in a Kafka message
        body = contract.DeadLetter(origin_topic=topic, partition=partition, offset=offset, key=key,
                                   value=contract.describe_bytes(value), reason=reason,
                                   consumer=self.group_id or self.client_id)
        env = contract.envelope(body, source=self.client_id)
        backoff = Backoff(0.2, 5.0)
        while True:
            try:
                self._dead_letters.send(self._dead_letter_topic, env)
                return True
            except Exception as exc:  # noqa: BLE001 - disk full, cap, closed producer
                log.error("consumer %s: could not queue the dead letter of %s[%d]@%d (%s); the "
                          "offset stays uncommitted, retrying", self.client_id, topic, partition,
                          offset, describe_error(exc))
                if self._stop.wait(backoff.next()):
                    return False
