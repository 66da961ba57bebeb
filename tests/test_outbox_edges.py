"""The outbox at the edges: a full disk (a real size-limited tmpfs), a corrupt file, its size
cap. What must hold: an event is either durable or refused with a reason — never "accepted"
and lost — and the events already queued survive all three."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ev_common import contract
from ev_common.kafka.outbox import Outbox, OutboxRefused
from ev_common.kafka.producer import ReliableProducer
from tests.fs_support import Ballast, small_fs
from tests.helpers import free_port


def test_disk_full_refuses_the_event_and_keeps_the_queue(tmp_path: Path) -> None:
    with small_fs(tmp_path / "small", "1m") as fs:
        box = Outbox(fs / "outbox.sqlite3")
        queued = [box.append("t", b"k", b"before-%d" % i) for i in range(3)]
        ballast = Ballast(fs / "ballast")
        ballast.fill()
        with pytest.raises(OutboxRefused) as err:
            for i in range(200):  # the WAL may hold a few pages of slack; 64 KiB rows exhaust it
                box.append("t", b"k", b"x" * 65536)
        assert err.value.code == "disk_full", err.value
        refused_after = box.count()
        assert [r.value for r in box.pending(limit=3)] == [b"before-0", b"before-1", b"before-2"]
        with pytest.raises(OutboxRefused) as err2:
            box.append_many([("t", b"k", b"y" * 65536)] * 4)
        assert err2.value.code == "disk_full"
        assert box.count() == refused_after  # nothing counted that is not on disk
        ballast.release()  # space is back: the same outbox accepts events again
        box.append("t", b"k", b"after")
        box.close()
        again = Outbox(fs / "outbox.sqlite3")
        values = [r.value for r in again.pending(limit=1000)]
        assert values[:3] == [b"before-0", b"before-1", b"before-2"] and values[-1] == b"after"
        assert len(values) == refused_after + 1 and len(queued) == 3
        again.close()


def test_corrupt_outbox_is_set_aside_and_a_fresh_one_used(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    path.write_bytes(b"this is not an sqlite database, it is garbage " * 200)
    box = Outbox(path, clock=lambda: 1_800_000_000.0)
    assert box.set_aside == tmp_path / "outbox.sqlite3.corrupt-20270115T080000Z"
    assert box.set_aside.read_bytes().startswith(b"this is not an sqlite")  # kept for support
    assert box.count() == 0
    box.append("t", b"k", b"v")
    assert [r.value for r in box.pending()] == [b"v"]
    box.close()


def test_malformed_pages_are_set_aside_too(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    for i in range(300):
        box.append("t", b"k", b"v" * 200)
    box.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(path.read_bytes())
    for off in range(4096 * 2, len(data), 4096):  # wreck every page after the first two
        data[off:off + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    again = Outbox(path)
    assert again.set_aside is not None and again.set_aside.exists()
    assert again.count() == 0
    again.close()


def test_size_cap_refuses_new_events_instead_of_dropping_old_ones(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_rows=3)
    for i in range(3):
        box.append("t", b"k", b"%d" % i)
    with pytest.raises(OutboxRefused) as err:
        box.append("t", b"k", b"3")
    assert err.value.code == "full" and err.value.queued == 3
    with pytest.raises(OutboxRefused):
        box.append_many([("t", b"k", b"a"), ("t", b"k", b"b")])
    assert [r.value for r in box.pending()] == [b"0", b"1", b"2"]
    box.remove([box.pending(1)[0].id])
    box.append("t", b"k", b"3")  # room again once one was delivered
    assert [r.value for r in box.pending()] == [b"1", b"2", b"3"]


def test_producer_send_raises_refused_and_keeps_what_it_queued(tmp_path: Path) -> None:
    """The producer surfaces the refusal to its caller (never swallows it): with Kafka away
    the first event waits, the second is refused, the first is still queued."""
    p = ReliableProducer(f"127.0.0.1:{free_port()}", tmp_path / "o.sqlite3", client_id="cap-test",
                         outbox_max_rows=1)

    def beat(name: str) -> contract.Envelope:
        return contract.envelope(contract.CentralHeartbeat(instance=name, started_at=0.0, interval_s=1.0),
                                 source="t")
    try:
        p.send("t.topic", beat("a"))
        with pytest.raises(OutboxRefused) as err:
            p.send("t.topic", beat("b"))
        assert err.value.code == "full"
        assert p.status().queued == 1
    finally:
        p.close()
