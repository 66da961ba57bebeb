"""The producer's delivery window (several batches in flight, issue 14): per-key order,
every row delivered, a row deleted only once acknowledged, a failed row's key blocked."""
from __future__ import annotations

from collections import deque
from pathlib import Path

from kafka import errors as kerr

from ev_common.kafka.outbox import Outbox
from ev_common.kafka.producer import ReliableProducer
from ev_common import contract
from ev_common.topics import Topics
from tests.test_producer import read_envelopes, telemetry

CPS = [f"CPW{i:02d}" for i in range(9)]


def test_several_batches_in_flight_keep_per_key_order_and_deliver_every_row(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    path = tmp_path / "o.sqlite3"
    queued = Outbox(path)  # a backlog, as after an outage: the window fills at once
    sent: list[contract.Envelope] = []
    for seq in range(45):
        for cp in CPS:
            env = telemetry(cp, seq)
            sent.append(env)
            queued.append(topics.cp_events, env.key.encode(), contract.encode(env))
    queued.close()
    producer = ReliableProducer(kafka_broker, path, client_id="window", batch_size=7, max_unacked_rows=60)
    try:
        assert producer.flush(120), "backlog not delivered"
        assert producer.queued == 0
        assert producer.peak_unacked > 7, "never more than one batch in flight"
    finally:
        producer.close()
    got = read_envelopes(kafka_broker, topics.cp_events, len(sent))
    by_cp: dict[str, list[int]] = {cp: [] for cp in CPS}
    seen: set[str] = set()
    for _, _, env in sorted(got, key=lambda x: (x[0], x[1])):
        if env.id in seen or env.body.cp_id not in by_cp:
            continue
        seen.add(env.id)
        by_cp[env.body.cp_id].append(env.body.seq)
    assert seen == {e.id for e in sent}
    for cp, seqs in by_cp.items():
        assert seqs == list(range(45)), f"{cp} out of order: {seqs}"


class _Settled:
    """A record future of the Kafka client, already settled (or still pending)."""

    def __init__(self, exc: BaseException | None = None, done: bool = True) -> None:
        self.is_done = done
        self.exception = exc

    def failed(self) -> bool:
        return self.exception is not None


def _producer_with_rows(tmp_path: Path, keys: list[bytes]) -> tuple[ReliableProducer, list]:
    producer = ReliableProducer("127.0.0.1:1", tmp_path / "o.sqlite3", client_id="harvest")
    for i, key in enumerate(keys):
        producer.send_raw("t", key, b"v%d" % i)
    return producer, producer._outbox.pending(10)  # noqa: SLF001 - the rows the window holds


def test_failed_row_blocks_its_key_so_a_later_acknowledged_row_of_it_stays_for_the_resend(
        tmp_path: Path) -> None:
    producer, (a1, b1, a2) = _producer_with_rows(tmp_path, [b"A", b"B", b"A"])
    try:
        failure = kerr.KafkaTimeoutError("expired")
        window = deque([(a1, _Settled(failure)), (b1, _Settled()), (a2, _Settled())])
        moved, failed = producer._harvest(window, set())  # noqa: SLF001
        assert moved and failed is failure and not window
        # B's row is gone (acknowledged); both A rows stay, in order, to be resent A1 then A2
        assert [r.id for r in producer._outbox.pending(10)] == [a1.id, a2.id]  # noqa: SLF001
    finally:
        producer.close()


def test_rows_acknowledged_behind_an_unsettled_head_wait_for_it(tmp_path: Path) -> None:
    producer, (a1, b1) = _producer_with_rows(tmp_path, [b"A", b"B"])
    try:
        window = deque([(a1, _Settled(done=False)), (b1, _Settled())])
        moved, failed = producer._harvest(window, set())  # noqa: SLF001
        assert not moved and failed is None and len(window) == 2
        assert [r.id for r in producer._outbox.pending(10)] == [a1.id, b1.id]  # noqa: SLF001
    finally:
        producer.close()


def test_outbox_generation_moves_with_every_committed_append_and_only_then(tmp_path: Path) -> None:
    """The window skips its read while this has not moved: a committed row must move it."""
    from ev_common.kafka.outbox import OutboxRefused
    outbox = Outbox(tmp_path / "o.sqlite3", max_rows=2)
    try:
        assert outbox.generation == 0
        outbox.append("t", b"k", b"1")
        outbox.append_many([("t", b"k", b"2")], durable=False)
        assert outbox.generation == 2
        try:
            outbox.append("t", b"k", b"3")  # the cap: refused, nothing committed
        except OutboxRefused:
            pass
        else:
            raise AssertionError("the size cap must refuse the third row")
        assert outbox.generation == 2
        outbox.remove([r.id for r in outbox.pending(10)])
        assert outbox.generation == 2  # deliveries do not make anything new pending
    finally:
        outbox.close()
