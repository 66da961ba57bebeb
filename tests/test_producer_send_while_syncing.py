"""ReliableProducer on a real broker: an event of an idle producer goes on the wire while its
outbox commit is still running, is delivered once, and its row is removed after the commit."""
from __future__ import annotations

import threading
from pathlib import Path

from ev_common import contract
from ev_common.kafka import delivery_window
from ev_common.kafka.outbox import StagedRows
from ev_common.kafka.producer import LinkState, ReliableProducer
from ev_common.topics import Topics
from tests.helpers import wait_until
from tests.test_producer import read_envelopes, telemetry


def test_idle_event_is_sent_while_its_commit_runs_and_delivered_once(tmp_path: Path, kafka_broker: str,
                                                                     topics: Topics) -> None:
    producer = ReliableProducer(kafka_broker, tmp_path / "o.sqlite3", client_id="while-syncing",
                                send_while_syncing=True)
    hook = producer._outbox.on_staged
    taken: list[bool] = []

    def slow_commit(staged: StagedRows) -> None:
        """Hold the commit until the worker has taken the rows: the send-while-syncing path,
        deterministically (a fast disk would often finish the fsync first)."""
        hook(staged)
        try:  # (the worker may be inside pending(), waiting for this very commit: then it isn't)
            wait_until(lambda: producer._sending is staged, timeout=2, message="worker took the rows")
            taken.append(True)
        except AssertionError:
            taken.append(False)
    producer._outbox.on_staged = slow_commit
    try:
        wait_until(lambda: producer.status().state == LinkState.CONNECTED, timeout=30, message="CONNECTED")
        sent = []
        for i in range(10):
            env = telemetry("CP077", i)
            producer.send(topics.cp_events, env)
            sent.append(env.id)
            assert producer.flush(30)   # idle again: the next event is staged again
            if taken.count(True) >= 3:
                break
        assert taken.count(True) >= 3 and producer.sent_while_syncing == taken.count(True)
        assert producer.queued == 0
    finally:
        producer.close()
    got = [env.id for _, _, env in read_envelopes(kafka_broker, topics.cp_events, 3)
           if isinstance(env.body, contract.Telemetry) and env.body.cp_id == "CP077"]
    assert got == sent


def test_lead_rows_of_an_idle_send_many_are_taken_off_before_the_rest_is_handed_over(
        tmp_path: Path, kafka_broker: str, topics: Topics, monkeypatch) -> None:
    """send_many(lead=1) while idle: the first event (Central's answer to a driver) is in a
    produce request of its own — the client's sender had taken it from the accumulator before
    the rows committed with it were handed over — and all of them are delivered once. (The
    product waits 5 ms at most for the sender; here long enough for a loaded machine.)"""
    monkeypatch.setattr(delivery_window, "PUSH_OUT_WAIT_S", 10.0)
    producer = ReliableProducer(kafka_broker, tmp_path / "o.sqlite3", client_id="lead-rows",
                                send_while_syncing=True)
    hook = producer._outbox.on_staged

    def slow_commit(staged: StagedRows) -> None:  # as above: the staged path, deterministically
        hook(staged)
        try:
            wait_until(lambda: producer._sending is staged, timeout=2, message="worker took the rows")
        except AssertionError:
            pass
    producer._outbox.on_staged = slow_commit
    handed: list[tuple[str, bool]] = []  # (topic, a batch still waited in the accumulator)
    try:
        wait_until(lambda: producer.status().state == LinkState.CONNECTED and producer._kp is not None,
                   timeout=30, message="CONNECTED")
        kp = producer._kp
        real_send = kp.send

        def watched_send(topic, **kw):
            handed.append((topic, kp._accumulator.has_undrained()))
            return real_send(topic, **kw)
        kp.send = watched_send
        answer = contract.envelope(contract.ChargeDenied(request_id="r-lead", driver_id="d-lead", cp_id="CP078",
                                                         reason="cp_unavailable"), source="test")
        rest = [telemetry("CP078", i) for i in range(3)]
        for _ in range(5):  # a commit that ended before the worker took the rows goes the window way
            handed.clear()
            before = producer.sent_while_syncing
            producer.send_many([(topics.driver_notifications, answer)] + [(topics.cp_events, e) for e in rest],
                               lead=1)
            assert producer.flush(30)
            if producer.sent_while_syncing > before:
                break
        assert producer.sent_while_syncing > before, "the rows were never sent while their commit ran"
        assert [t for t, _ in handed] == [topics.driver_notifications] + [topics.cp_events] * 3
        assert handed[1] == (topics.cp_events, False), "the answer was still in the accumulator"
    finally:
        producer.close()
    got = [env.id for _, _, env in read_envelopes(kafka_broker, topics.cp_events, 3)
           if isinstance(env.body, contract.Telemetry) and env.body.cp_id == "CP078"]
    assert got[-3:] == [e.id for e in rest]
    answers = [env.id for _, _, env in read_envelopes(kafka_broker, topics.driver_notifications, 1)
               if env.id == answer.id]
    assert answers and set(answers) == {answer.id}
