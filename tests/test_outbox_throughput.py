"""The outbox's cheaper hot path (issue 14, outbox throughput): one executemany per group
commit still gives every caller the ids of its own rows; acknowledged rows are deleted by id
ranges and, while a commit holds the outbox, inside the next commit; the deliverer reads
without waiting for a commit; the producer's partitioner picks Kafka's default partition; and
with 32 concurrent writers on a real broker every event arrives once, in per-key order."""
from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from kafka.partitioner.default import DefaultPartitioner

from ev_common import contract
from ev_common.kafka.key_partitioner import KeyHashPartitioner
from ev_common.kafka.outbox import Outbox
from ev_common.kafka.partition_leader import partition_for
from ev_common.kafka.producer import ReliableProducer
from ev_common.topics import Topics
from tests.helpers import wait_until
from tests.test_producer import read_envelopes, telemetry


def test_each_caller_gets_the_ids_of_its_own_rows_in_a_shared_commit(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_rows=None)
    writers, per_writer = 12, 30
    got: dict[int, bytes] = {}   # id -> the value its caller stored under it
    lock = threading.Lock()
    go = threading.Event()

    def writer(w: int) -> None:
        go.wait()
        for i in range(per_writer):
            value = f"{w}:{i}".encode()
            if i % 3 == 0:  # requests of two rows in the same groups as single ones
                first = box.pending(limit=1)  # a read meanwhile (the deliverer's connection)
                del first
                box.append_many([("t", b"k", value), ("t", b"k", value + b"+")])
            else:
                row_id = box.append("t", b"k", value)
                with lock:
                    got[row_id] = value
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(60)
    rows = {r.id: r.value for r in box.pending(limit=100_000)}
    assert len(rows) == writers * per_writer + writers * (per_writer // 3)
    for row_id, value in got.items():
        assert rows.get(row_id) == value, f"id {row_id} returned for {value!r} holds {rows.get(row_id)!r}"
    box.close()


def test_append_returns_the_id_of_the_stored_row(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    ids = [box.append("t", b"k", f"v{i}".encode()) for i in range(5)]
    assert {r.id: r.value for r in box.pending()} == {i: f"v{n}".encode() for n, i in enumerate(ids)}
    box.close()


def test_remove_deletes_exactly_the_given_ids_in_runs(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    ids = [box.append("t", b"k", f"v{i}".encode()) for i in range(10)]
    gone = [ids[0], ids[1], ids[2], ids[4], ids[7], ids[8]]
    assert box.remove(gone) == 6
    assert [r.id for r in box.pending()] == [ids[3], ids[5], ids[6], ids[9]]
    assert box.count() == 4
    box.close()


def test_removals_left_while_a_commit_holds_the_outbox_ride_on_the_next_commit(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    ids = [box.append("t", b"k", f"v{i}".encode()) for i in range(4)]
    commits: list[str] = []
    box._db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    with box._lock:  # a commit under way (its fsync): remove_later must not wait for it
        done = threading.Event()
        threading.Thread(target=lambda: (box.remove_later(ids[:2]), done.set()), daemon=True).start()
        assert done.wait(10), "remove_later waited for the writers' lock"
    assert box.removals_pending and box.count() == 4
    new = box.append("t", b"k", b"new")  # one transaction: the insert and the left removals
    assert commits == ["COMMIT"]
    assert not box.removals_pending
    assert [r.id for r in box.pending()] == [ids[2], ids[3], new]
    assert box.count() == 3
    box.close()
    again = Outbox(tmp_path / "o.sqlite3")  # and they are on disk
    assert [r.id for r in again.pending()] == [ids[2], ids[3], new]
    again.close()


def test_removals_of_a_failed_commit_are_kept_for_later(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    ids = [box.append("t", b"k", f"v{i}".encode()) for i in range(3)]
    with box._lock:
        threading.Thread(target=box.remove_later, args=([ids[0]],), daemon=True).start()
        wait_until(lambda: box.removals_pending, 10, message="removal left for later")
    with pytest.raises(Exception):  # a value SQLite cannot bind: the whole transaction rolls back
        box.append("t", b"k", object())  # type: ignore[arg-type]
    assert box.removals_pending and box.count() == 3
    box.settle_removals()
    assert [r.id for r in box.pending()] == ids[1:]
    assert box.count() == 2
    box.close()


def test_remove_later_on_a_free_outbox_deletes_at_once(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    ids = [box.append("t", b"k", f"v{i}".encode()) for i in range(3)]
    box.remove_later(ids[:2])
    assert not box.removals_pending
    assert [r.id for r in box.pending()] == ids[2:] and box.count() == 1
    box.close()


def test_the_deliverer_reads_while_a_commit_holds_the_writers_lock(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    first = box.append("t", b"k", b"v")
    seen: list[list[int]] = []
    with box._lock:
        reader = threading.Thread(target=lambda: seen.append([r.id for r in box.pending()]), daemon=True)
        reader.start()
        reader.join(10)
        assert seen == [[first]], "pending() waited for the writers' lock"
    box.close()


def test_every_commit_calls_the_committed_hook_once(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    calls: list[int] = []
    box.on_committed = lambda: calls.append(box.count())
    box.append("t", b"k", b"a")
    box.append_many([("t", b"k", b"b"), ("t", b"k", b"c")])
    assert calls == [1, 3]
    box.close()


class _Cluster:
    """The part of kafka-python's ClusterMetadata a partitioner reads."""

    def __init__(self, topic: str, n: int) -> None:
        self._topic, self._parts = topic, set(range(n))

    def topics(self, exclude_internal_topics: bool = True) -> set[str]:
        return {self._topic}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return set(self._parts) if topic == self._topic else None

    def available_partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions_for_topic(topic)


def test_key_partitioner_picks_kafkas_default_partition() -> None:
    rnd = random.Random(7)
    ours, default = KeyHashPartitioner(max_keys=50), DefaultPartitioner()
    keys = [f"CP{rnd.randrange(10_000):04d}" for _ in range(300)] + ["", "conductor-ñ-0001" * 3]
    for n in (1, 3, 6, 12):
        cluster = _Cluster("t", n)
        for key in keys + keys:  # second round from the memo (and across its reset)
            raw = key.encode()
            p = ours.partition("t", raw, raw, b"v", b"v", cluster)
            assert p == default.partition("t", raw, raw, b"v", b"v", cluster)
            assert p == partition_for(key, n)


def test_key_partitioner_leaves_keyless_and_unknown_topics_to_the_default() -> None:
    ours, cluster = KeyHashPartitioner(), _Cluster("t", 4)
    assert ours.partition("t", None, None, b"v", b"v", cluster) in range(4)
    with pytest.raises(ValueError):
        ours.partition("other", b"k", b"k", b"v", b"v", cluster)


def test_concurrent_writers_deliver_every_event_once_in_per_key_order(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    writers, per_writer = 32, 25
    producer = ReliableProducer(kafka_broker, tmp_path / "o.sqlite3", client_id="obx-conc",
                                batch_size=40, max_unacked_rows=120)
    go = threading.Event()
    sent: dict[str, list[int]] = {}

    def writer(w: int) -> None:
        cp = f"CPX{w:02d}"
        sent[cp] = list(range(per_writer))
        go.wait()
        for seq in range(per_writer):
            producer.send(topics.cp_events, telemetry(cp, seq))
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    try:
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join(120)
        assert producer.flush(120), "not delivered"
        assert producer.queued == 0
    finally:
        producer.close()
    got = read_envelopes(kafka_broker, topics.cp_events, writers * per_writer)
    by_cp: dict[str, list[int]] = {cp: [] for cp in sent}
    ids: list[str] = []
    for _, _, env in sorted(got, key=lambda x: (x[0], x[1])):
        if env.body.cp_id in by_cp:
            ids.append(env.id)
            by_cp[env.body.cp_id].append(env.body.seq)
    assert len(ids) == len(set(ids)) == writers * per_writer, "an event missing or sent twice"
    assert by_cp == sent


def test_queued_changes_while_one_is_pending_wake_the_status_thread_once() -> None:
    from ev_common.kafka.status import StatusNotifier

    queued = [0]
    seen: list[int] = []
    notifier = StatusNotifier("b:9092", lambda: queued[0], name="obx-status", min_interval_s=0.5)
    notifier.add_listener(lambda st: seen.append(st.queued))
    wait_until(lambda: seen == [0], 10, message="first status")
    notifies: list[int] = []
    real_notify = notifier._cond.notify
    notifier._cond.notify = lambda n=1: (notifies.append(n), real_notify(n))  # type: ignore[method-assign]
    try:
        for n in range(1, 200):  # within one throttle interval
            queued[0] = n
            notifier.queued_changed()
        assert len(notifies) <= 2, "the status thread was woken for every change"
        wait_until(lambda: seen[-1] == 199, 10, message="the last count is reported")
    finally:
        notifier.stop()
