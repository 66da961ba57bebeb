"""Send-while-fsync never reports "refused" for an event that went out (StagedRows' invariant).

The commit failure is a real SQLite failure of the real COMMIT (interrupted through SQLite's
progress handler at exactly that statement), so the race is deterministic; the full-disk
version of the same edge is tests/test_consumer.py's dead-letter test and
tests/test_outbox_group_commit.py."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ev_common import contract
from ev_common.kafka.outbox import Outbox, OutboxRefused, StagedRows
from ev_common.kafka.producer import LinkState, ReliableProducer
from ev_common.topics import Topics
from tests.helpers import wait_until
from tests.test_producer import read_envelopes, telemetry


def fail_next_statement(db: sqlite3.Connection) -> None:
    """The connection's next statement (the COMMIT, when called from the staging hook) fails
    with SQLite's "interrupted"; later ones run normally."""
    fired: list[bool] = []

    def handler() -> int:
        if fired:
            return 0
        fired.append(True)
        return 1
    db.set_progress_handler(handler, 1)


def test_staged_rows_can_be_claimed_only_while_their_commit_runs() -> None:
    early = StagedRows([])
    assert early.claim() is True
    assert early.finish(False) is True          # the committer learns they may be on the wire
    late = StagedRows([])
    assert late.finish(False) is False
    assert late.claim() is False                # too late: the deliverer must not send them


@pytest.mark.parametrize("verdict, outcome", [(True, "ids"), (False, "io"), (None, "unconfirmed")])
def test_failed_commit_of_claimed_rows_answers_with_the_deliverers_verdict(
        tmp_path: Path, verdict: bool | None, outcome: str) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    taken: list[StagedRows] = []

    def claim_and_fail(staged: StagedRows) -> None:
        assert staged.claim()
        taken.append(staged)
        fail_next_statement(box._db)
    box.on_staged = claim_and_fail
    result: list[object] = []
    caller = threading.Thread(target=lambda: result.append(_append(box)))
    caller.start()
    wait_until(lambda: taken and taken[0].done, 10, message="the commit ended")
    assert caller.is_alive()                    # no answer before the verdict
    taken[0].report(verdict)
    caller.join(10)
    (got,) = result
    if outcome == "ids":
        assert isinstance(got, int)
    else:
        assert isinstance(got, OutboxRefused) and got.code == outcome
    assert box.count() == 0 and box.pending() == []   # never stored in any case
    box.close()


def _append(box: Outbox) -> int | OutboxRefused:
    try:
        return box.append("t", b"k", b"v")
    except OutboxRefused as exc:
        return exc


def _failing_producer(tmp_path: Path, bootstrap: str) -> tuple[ReliableProducer, list[StagedRows]]:
    """A send-while-syncing producer whose next staged commit fails once the worker claimed it."""
    producer = ReliableProducer(bootstrap, tmp_path / "o.sqlite3", client_id="unstored",
                                send_while_syncing=True)
    hook = producer._outbox.on_staged
    claimed: list[StagedRows] = []

    def claim_then_fail(staged: StagedRows) -> None:
        hook(staged)
        wait_until(lambda: staged.claimed, 10, message="the worker claimed the rows")
        claimed.append(staged)
        fail_next_statement(producer._outbox._db)
        producer._outbox.on_staged = hook       # only this one commit
    producer._outbox.on_staged = claim_then_fail
    wait_until(lambda: producer.status().state == LinkState.CONNECTED, 30, message="CONNECTED")
    return producer, claimed


def test_event_on_the_wire_whose_commit_fails_is_reported_sent_and_delivered_once(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    producer, claimed = _failing_producer(tmp_path, kafka_broker)
    try:
        env = telemetry("CP079", 1)
        assert producer.send(topics.cp_events, env) == env.id   # not "refused": Kafka has it
        assert claimed and claimed[0].wait(0) is False           # the commit did fail
        assert producer.queued == 0
        after = telemetry("CP079", 2)                            # the outbox goes on working
        producer.send(topics.cp_events, after)
        assert producer.flush(30)
    finally:
        producer.close()
    got = [e.id for _, _, e in read_envelopes(kafka_broker, topics.cp_events, 2)
           if isinstance(e.body, contract.Telemetry) and e.body.cp_id == "CP079"]
    assert got == [env.id, after.id]


def test_event_kafka_refuses_whose_commit_fails_is_reported_refused_and_never_delivered(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    producer, claimed = _failing_producer(tmp_path, kafka_broker)
    too_big = b"x" * (2 * 1024 * 1024)   # beyond the client's max request size: refused for good
    try:
        with pytest.raises(OutboxRefused) as refused:
            producer.send_raw(topics.dead_letters, b"CP080", too_big)
        assert refused.value.code == "io" and claimed and claimed[0].wait(0) is False
        marker = telemetry("CP080", 1)
        producer.send(topics.dead_letters, marker)
        assert producer.flush(30) and producer.queued == 0
    finally:
        producer.close()
    got = read_envelopes(kafka_broker, topics.dead_letters, 1)
    assert [e.id for _, _, e in got if isinstance(e.body, contract.Telemetry)
            and e.body.cp_id == "CP080"] == [marker.id]
