"""Hand outbox rows to kafka-python's record accumulator without ``KafkaProducer.send``.

Why (issue 14, outbox throughput): the delivery worker hands every row to the Kafka client on
a thread that shares the GIL with every caller of ``send()``. ``KafkaProducer.send`` spent
~20 µs of CPU per record there, of which ~12 µs is the accumulator's own work (the record
appended to its batch); the rest is generic: serializer and header checks for bytes that are
already bytes, a metadata lookup and a partitioner call per record, a size estimate through
several indirections, a ``str(self)`` for a debug line that is not logged. The worker's rows
are always (topic, bytes key, bytes value) of a few topics, so this does those checks once per
topic and per batch and calls the accumulator directly (``thread_time`` per record in
``kp.send`` 19.0–22.2 µs, here 12.1–12.6 µs; same broker, same records).

What must not change, and how it is kept:

* **the partition**: murmur2 of the key over the topic's sorted partition ids — exactly what
  :class:`~ev_common.kafka.key_partitioner.KeyHashPartitioner` (the client's partitioner)
  and every other client compute; the partition list is read once per :meth:`begin` (a
  batch), so a metadata update is seen at the next batch, as ``send`` would see it;
* **refusals**: a record over ``max_request_size`` raises ``MessageSizeTooLargeError`` here
  too, before anything is queued (the worker quarantines it);
* **everything else goes through ``send``**: a topic whose metadata the client does not have
  yet, a keyless row, a transactional client, a kafka-python whose accumulator does not look
  like 3.0's — ``send`` does what it always did (waits for metadata, picks a random
  partition, ...).
"""
from __future__ import annotations

from collections.abc import Callable

from kafka import errors as kerr
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.structs import TopicPartition

from ev_common.kafka.key_partitioner import KeyHashPartitioner


class RecordHandoff:
    """One per Kafka client; used by the one thread that hands rows over (the worker)."""

    def __init__(self, kp) -> None:
        self.kp = kp
        self._send = kp.send
        self._acc = getattr(kp, "_accumulator", None)
        self._direct = self._direct_possible(kp)
        self._max_size = kp.config.get("max_request_size", 1048576) if self._direct else 0
        self._parts: dict[str, list[TopicPartition]] = {}
        # the client's own partitioner when it is ours (one memo of key hashes for both)
        partitioner = getattr(kp, "config", {}).get("partitioner")
        self._key_hash = (partitioner if isinstance(partitioner, KeyHashPartitioner)
                          else KeyHashPartitioner()).key_hash

    def _direct_possible(self, kp) -> bool:
        """Whether this client looks like the kafka-python 3.0 this was written against (an
        accumulator, a sender, metadata, record format v2) and is not transactional; any
        doubt — an attribute missing, a check that raises — means ``send`` for every row."""
        try:
            tm = getattr(kp, "_transaction_manager", None)
            return (self._acc is not None and hasattr(self._acc, "append") and hasattr(kp, "_sender")
                    and hasattr(kp, "_metadata") and (tm is None or not tm.is_transactional())
                    and kp.max_usable_produce_magic(kp.config["api_version"]) == 2)
        except Exception:  # noqa: BLE001 - an unknown client: the ordinary path
            return False

    def begin(self) -> Callable[[str, bytes | None, bytes | None], object]:
        """The hand-over function for one batch of rows: ``hand(topic, key, value)`` → the
        record's future (as ``send`` returns it). Partition lists are re-read per batch.

        The caller wakes the client's sender thread once the batch is handed over (the
        worker's ``_Hurry.now``): unlike ``send``, a record that opens a new produce batch
        does not wake it — a wake-up (a write to the sender's wake-up socket) per partition
        and per batch, while the sender could not send those records before their linger or
        that final wake-up anyway, was 7 % of the worker's samples."""
        if not self._direct:
            return lambda topic, key, value: self._send(topic, key=key, value=value)
        self._parts.clear()
        return self._hand

    def _hand(self, topic: str, key: bytes | None, value: bytes | None) -> object:
        parts = self._parts.get(topic)
        if parts is None:
            ids = self.kp._metadata.partitions_for_topic(topic)  # noqa: SLF001
            if not ids:  # unknown yet: send() waits for the metadata
                return self._send(topic, key=key, value=value)
            parts = self._parts[topic] = [TopicPartition(topic, p) for p in sorted(ids)]
        if key is None or type(key) is not bytes or type(value) not in (bytes, type(None)):
            return self._send(topic, key=key, value=value)
        if DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, []) > self._max_size:
            raise kerr.MessageSizeTooLargeError(
                f"the record is larger than the maximum request size ({self._max_size} bytes)")
        h = self._key_hash(key)
        future, full, _new_batch, _ = self._acc.append(parts[h % len(parts)], None, key, value, [])
        if full:  # a full batch may leave while the rest is handed over
            self.kp._sender.wakeup()  # noqa: SLF001 - as send() does
        return future
