"""Group commit and sending while the fsync runs: concurrent appends share transactions,
every caller returns only once its row is durable, and rows handed out before their commit
are flagged as never stored when the commit fails."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ev_common.kafka.outbox import Outbox, OutboxRefused, StagedRows
from tests.fs_support import Ballast, small_fs


def test_concurrent_appends_are_all_durable_and_share_commits(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    commits: list[str] = []
    box._db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    writers, per_writer = 16, 40
    go = threading.Event()
    ids: list[list[int]] = [[] for _ in range(writers)]

    def writer(w: int) -> None:
        go.wait()
        for i in range(per_writer):
            ids[w].append(box.append("t", str(w).encode(), f"{w}:{i}".encode()))
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(60)
    total = writers * per_writer
    assert box.count() == total
    assert len(commits) < total  # some transactions carried several callers' rows
    for w in range(writers):     # each caller's rows in its own order, ids unique
        assert ids[w] == sorted(ids[w])
    assert len({i for xs in ids for i in xs}) == total
    box.close()
    again = Outbox(tmp_path / "o.sqlite3")  # all of it is on disk
    rows = again.pending(limit=10_000)
    assert len(rows) == total
    for w in range(writers):
        assert [r.value for r in rows if r.key == str(w).encode()] == [f"{w}:{i}".encode() for i in range(per_writer)]
    again.close()


def test_size_cap_refuses_only_the_requests_beyond_it(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_rows=3)
    box.append_many([("t", b"k", b"a"), ("t", b"k", b"b")])
    with pytest.raises(OutboxRefused) as err:
        box.append_many([("t", b"k", b"c"), ("t", b"k", b"d")])
    assert err.value.code == "full"
    box.append("t", b"k", b"c")
    assert [r.value for r in box.pending()] == [b"a", b"b", b"c"]


def test_rows_of_an_empty_outbox_are_staged_before_their_commit(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    seen: list[tuple[StagedRows, bool, int]] = []
    # what the hook sees: the rows, not yet done, not yet visible as committed (count)
    box.on_staged = lambda st: seen.append((st, st.done, box.count()))
    first = box.append("t", b"k", b"v1")
    second = box.append("t", b"k", b"v2")   # the outbox is not empty any more: not staged
    assert len(seen) == 1
    staged, done_then, count_then = seen[0]
    assert [r.id for r in staged.rows] == [first] and staged.rows[0].value == b"v1"
    assert not done_then and count_then == 0
    assert staged.done and staged.wait(0) is True
    box.remove([first, second])
    box.append("t", b"k", b"v3")            # empty again: staged again
    assert len(seen) == 2


def test_staged_rows_whose_commit_fails_are_flagged_not_stored(tmp_path: Path) -> None:
    with small_fs(tmp_path / "small", "1m") as fs:
        box = Outbox(fs / "outbox.sqlite3")
        staged: list[StagedRows] = []
        box.on_staged = staged.append
        ballast = Ballast(fs / "ballast")
        ballast.fill()
        refused = None
        for _ in range(200):  # the WAL may hold some slack: keep the outbox empty until it is used up
            try:
                box.remove([box.append("t", b"k", b"x" * 65536)])
            except OutboxRefused as exc:
                refused = exc
                break
        assert refused is not None and refused.code == "disk_full"
        assert staged and staged[-1].done and staged[-1].wait(0) is False
        assert box.count() == 0 and box.pending() == []
        ballast.release()
        box.close()


def test_rows_nobody_needs_after_a_power_cut_commit_without_their_own_fsync(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", append_sync="FULL", remove_sync="NORMAL")
    statements: list[str] = []
    box._db.set_trace_callback(statements.append)
    box.append_many([("t", b"k", b"live")], durable=False)
    live = list(statements)
    statements.clear()
    box.append_many([("t", b"k", b"answer")])
    durable = list(statements)
    box._db.set_trace_callback(None)
    assert "PRAGMA synchronous=NORMAL" in live and live.index("PRAGMA synchronous=NORMAL") < live.index("COMMIT")
    assert not any(s.startswith("PRAGMA synchronous") for s in durable)   # FULL: its own fsync
    assert [r.value for r in box.pending()] == [b"live", b"answer"]       # both queued, in order
    box.close()
