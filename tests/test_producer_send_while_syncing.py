"""ReliableProducer on a real broker: an event of an idle producer goes on the wire while its
outbox commit is still running, is delivered once, and its row is removed after the commit."""
from __future__ import annotations

import threading
from pathlib import Path

from ev_common import contract
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
