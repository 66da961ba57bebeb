"""The durable outbox on its own: order, removal, durability across reopen, threads."""
from __future__ import annotations

import threading
from pathlib import Path

import sqlite3

import pytest

from ev_common.kafka.outbox import Outbox
from tests.helpers import kafka_security


def test_append_pending_remove_in_order(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    ids = [box.append("t", f"k{i % 2}".encode(), f"v{i}".encode()) for i in range(10)]
    assert ids == sorted(ids) and box.count() == 10
    rows = box.pending(limit=4)
    assert [r.value for r in rows] == [b"v0", b"v1", b"v2", b"v3"]
    assert rows[0].topic == "t" and rows[0].key == b"k0"
    assert box.remove([rows[0].id, rows[2].id]) == 2
    assert [r.value for r in box.pending(limit=3)] == [b"v1", b"v3", b"v4"]
    assert [r.value for r in box.pending(limit=100, after_id=ids[8])] == [b"v9"]
    assert box.count() == 8
    assert box.remove([]) == 0
    assert box.remove([ids[0]]) == 0  # already gone: idempotent
    box.close()


def test_none_key_and_value(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    box.append("t", None, None)
    row = box.pending()[0]
    assert row.key is None and row.value is None


def test_survives_reopen_and_keeps_order(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "o.sqlite3"
    box = Outbox(path)
    for i in range(5):
        box.append("t", b"k", str(i).encode())
    box.remove([box.pending(1)[0].id])
    box.close()  # no explicit flush exists: every append is a committed transaction
    again = Outbox(path)
    assert again.count() == 4
    assert [r.value for r in again.pending()] == [b"1", b"2", b"3", b"4"]
    new_id = again.append("t", b"k", b"5")
    assert new_id > max(r.id for r in again.pending(limit=4))


def test_wal_and_full_sync(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    assert box._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_removal_skips_fsync_but_appends_stay_full(tmp_path: Path) -> None:
    """Removals commit at NORMAL (a lost removal only resends an acknowledged row); the
    connection is back at FULL for the next append, and a removal survives a reopen."""
    box = Outbox(tmp_path / "o.sqlite3")
    levels: list[str] = []
    box._db.set_trace_callback(
        lambda sql: levels.append(sql) if sql.startswith("PRAGMA synchronous") else None)
    ids = [box.append("t", b"k", str(i).encode()) for i in range(3)]
    assert box.remove(ids[:2]) == 2
    assert levels == ["PRAGMA synchronous=NORMAL", "PRAGMA synchronous=FULL"]
    assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    box.close()
    again = Outbox(tmp_path / "o.sqlite3")
    assert [r.value for r in again.pending()] == [b"2"]
    again.close()


def test_remove_sync_is_configurable_and_checked(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", remove_sync="full")
    pragmas: list[str] = []
    box._db.set_trace_callback(lambda sql: pragmas.append(sql) if sql.startswith("PRAGMA") else None)
    box.remove([box.append("t", b"k", b"v")])  # same level as appends: no pragma switching
    assert pragmas == []
    box.close()
    with pytest.raises(ValueError):
        Outbox(tmp_path / "p.sqlite3", remove_sync="normal; DROP TABLE outbox")


def test_quarantine_moves_row_aside(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    a = box.append("t", b"k", b"huge")
    box.append("t", b"k", b"ok")
    box.quarantine(a, "MessageSizeTooLargeError")
    assert box.count() == 1 and [r.value for r in box.pending()] == [b"ok"]
    [(row, reason)] = box.quarantined()
    assert row.value == b"huge" and reason == "MessageSizeTooLargeError"


def test_concurrent_append_and_remove(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    n_writers, per_writer = 4, 100
    seen: list[bytes] = []
    done = threading.Event()

    def writer(w: int) -> None:
        for i in range(per_writer):
            box.append("t", str(w).encode(), f"{w}:{i}".encode())

    def reader() -> None:
        while not done.is_set() or box.count():
            rows = box.pending(limit=50)
            seen.extend(r.value for r in rows)
            box.remove(r.id for r in rows)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(n_writers)]
    rt = threading.Thread(target=reader)
    rt.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    rt.join(30)
    assert box.count() == 0
    assert len(seen) == len(set(seen)) == n_writers * per_writer
    for w in range(n_writers):  # each writer's rows come out in its order
        mine = [int(v.split(b":")[1]) for v in seen if v.startswith(f"{w}:".encode())]
        assert mine == sorted(mine)



def test_two_producers_on_one_outbox_deliver_each_row_once(tmp_path, kafka_broker, topics) -> None:
    """Two producers opened on the same outbox file (two windows on one data dir) must not
    both deliver its rows: the second waits for the first's file lock."""
    from kafka import KafkaConsumer, TopicPartition

    from ev_common.contract import EngineOnline, decode, encode, envelope
    from ev_common.kafka.producer import ReliableProducer
    from tests.helpers import wait_until

    path = tmp_path / "shared-outbox.sqlite3"
    queued = Outbox(path)
    ids = set()
    for i in range(200):
        env = envelope(EngineOnline(cp_id=f"CP{i % 7}"), source="test")
        queued.append(topics.cp_events, env.key.encode(), encode(env))
        ids.add(env.id)
    queued.close()
    first = ReliableProducer(kafka_broker, path, client_id="first")
    second = ReliableProducer(kafka_broker, path, client_id="second")
    try:
        assert first.flush(60)
        first.close()  # the second producer takes over the file and finds nothing left
        assert second.flush(60)
        consumer = KafkaConsumer(bootstrap_servers=kafka_broker, enable_auto_commit=False,
                                 consumer_timeout_ms=3000, **kafka_security())
        parts = [TopicPartition(topics.cp_events, p)
                 for p in consumer.partitions_for_topic(topics.cp_events) or []]
        consumer.assign(parts)
        consumer.seek_to_beginning()
        seen: list[str] = []

        def all_read() -> bool:
            for recs in consumer.poll(500).values():
                seen.extend(decode(r.value).id for r in recs)
            return len(set(seen)) == len(ids)

        wait_until(all_read, 60, interval=0.0, message="all 200 events")
        consumer.poll(1000)  # anything extra (a duplicate) would have arrived with the rest
        consumer.close()
        assert sorted(seen) == sorted(ids), f"{len(seen) - len(ids)} duplicate deliveries"
    finally:
        first.close()
        second.close()


def test_append_many_is_one_all_or_nothing_transaction(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    assert box.append_many([("t", b"k", b"1"), ("t", b"k", b"2"), ("u", None, b"3")]) == 3
    with pytest.raises(sqlite3.Error):  # a bad row aborts the whole batch: nothing half-written
        box.append_many([("t", b"k", b"4"), ("t", b"k", object())])
    assert [r.value for r in box.pending()] == [b"1", b"2", b"3"]
    assert box.count() == 3
    box.close()
    reopened = Outbox(tmp_path / "o.sqlite3")
    assert reopened.count() == 3
    reopened.close()
