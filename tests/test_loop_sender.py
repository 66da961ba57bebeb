"""Durable sends from an asyncio loop (LoopSender): the events of one loop turn share one
outbox transaction, an awaited send is on disk, a cancelled waiter does not cancel the group,
and many coroutines deliver every event once, in per-key order (real broker, real outbox)."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ev_common import contract as c
from ev_common.kafka.loop_sender import LoopSender
from ev_common.kafka.outbox import Outbox
from ev_common.kafka.producer import ReliableProducer
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.helpers import REPO
from tests.test_producer import read_envelopes, telemetry


class _Producer:
    """Records each send_many call (one call = one outbox transaction)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def send_many(self, items):
        self.calls.append([env.id for _, env in items])
        return self.calls[-1]


def test_a_cancelled_waiter_does_not_cancel_the_group_of_the_others() -> None:
    producer = _Producer()

    async def scenario() -> list[str]:
        sender = LoopSender(producer)
        a = asyncio.create_task(sender.send("t", c.envelope(c.EngineOnline("CP1"), source="t")))
        b = asyncio.create_task(sender.send("t", c.envelope(c.EngineOnline("CP2"), source="t")))
        await asyncio.sleep(0)  # both queued in this turn
        a.cancel()
        got = await b
        await sender.close()
        return [got]

    [got_id] = asyncio.run(scenario())
    assert len(producer.calls) == 1 and len(producer.calls[0]) == 2 and got_id in producer.calls[0]


class _SlowFirst(_Producer):
    """The first group's write takes a while (a slow fsync)."""

    def send_many(self, items):
        if not self.calls and not getattr(self, "slowed", False):
            self.slowed = True
            time.sleep(0.2)
        return super().send_many(items)


def test_a_group_queued_while_one_is_written_is_written_after_it_in_queue_order() -> None:
    producer = _SlowFirst()

    async def scenario() -> None:
        sender = LoopSender(producer)
        sender.queue("t", c.envelope(c.EngineOnline("CP1"), source="t", msg_id="first"))
        await asyncio.sleep(0.05)          # the first group is being written (slowly)
        sender.queue("t", c.envelope(c.EngineOnline("CP1"), source="t", msg_id="second"))
        sender.queue("t", c.envelope(c.EngineOnline("CP1"), source="t", msg_id="third"))
        await sender.durable()
        await sender.close()

    asyncio.run(scenario())
    assert producer.calls == [["first"], ["second", "third"]]


def test_durable_waits_for_a_group_already_being_written() -> None:
    producer = _SlowFirst()

    async def scenario() -> int:
        sender = LoopSender(producer)
        sender.queue("t", c.envelope(c.EngineOnline("CP1"), source="t", msg_id="first"))
        await asyncio.sleep(0.05)          # its group was taken and is being written (slowly)
        await sender.durable()
        written = len(producer.calls)
        await sender.close()
        return written

    assert asyncio.run(scenario()) == 1


def test_a_group_whose_writer_is_cancelled_releases_its_waiters_and_takes_no_new_events() -> None:
    producer = _Producer()

    async def scenario() -> tuple[bool, list[list[str]]]:
        sender = LoopSender(producer)
        sender.queue("t", c.envelope(c.EngineOnline("CP1"), source="t", msg_id="lost"))
        waiting = asyncio.create_task(sender.durable())
        await asyncio.sleep(0)            # the waiter is registered; the writer has not run yet
        for task in list(sender._tasks):  # noqa: SLF001 - what a loop shutting down does
            task.cancel()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        cancelled = waiting.cancelled()
        # a later event is written (not added to the abandoned group, which nobody writes)
        await asyncio.wait_for(sender.send("t", c.envelope(c.EngineOnline("CP1"), source="t", msg_id="later")), 10)
        await sender.close()
        return cancelled, producer.calls

    cancelled, calls = asyncio.run(scenario())
    assert cancelled
    assert calls == [["later"]]


AWAITED_SCRIPT = textwrap.dedent("""
    import asyncio, os, sys
    from ev_common import contract as c
    from ev_common.kafka.loop_sender import LoopSender
    from ev_common.kafka.producer import ReliableProducer
    bootstrap, outbox, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    p = ReliableProducer(bootstrap, outbox, client_id="loop-doomed")
    async def main():
        sender = LoopSender(p)
        await asyncio.gather(*(sender.send(topic, c.envelope(c.EngineOnline(cp_id=f"CP{i}"), source="t",
                                                             msg_id=f"awaited-{i}")) for i in range(n)))
        print("AWAITED", n, flush=True)
        os._exit(0)   # at once: no loop shutdown, no close(), no atexit — only what is on disk counts
    asyncio.run(main())
""")


def test_every_awaited_send_is_in_the_outbox_when_the_process_dies_right_after(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    n = 40
    outbox = tmp_path / "outbox.sqlite3"
    done = subprocess.run([sys.executable, "-c", AWAITED_SCRIPT, f"127.0.0.1:{free_port()}", str(outbox),
                           topics.cp_events, str(n)], cwd=REPO, capture_output=True, timeout=120)
    assert done.stdout.split() == [b"AWAITED", str(n).encode()], done.stderr.decode()[-2000:]
    box = Outbox(outbox)
    try:
        assert box.count() == n
    finally:
        box.close()
    producer = ReliableProducer(kafka_broker, outbox, client_id="loop-reborn")
    try:
        assert producer.flush(60)
    finally:
        producer.close()
    got = read_envelopes(kafka_broker, topics.cp_events, expected=n)
    assert sorted(e.id for _, _, e in got) == sorted(f"awaited-{i}" for i in range(n))


def test_many_coroutines_deliver_every_event_once_in_per_key_order_in_shared_transactions(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    senders, per_sender = 64, 20
    producer = ReliableProducer(kafka_broker, tmp_path / "o.sqlite3", client_id="loop-many")
    commits_before = producer._outbox.generation  # noqa: SLF001 - +1 per outbox transaction

    async def one(cp: str) -> None:
        for seq in range(per_sender):
            await sender.send(topics.cp_events, telemetry(cp, seq))

    async def everyone() -> None:
        await asyncio.gather(*(one(f"CPL{w:02d}") for w in range(senders)))
        await sender.close()
    try:
        sender = LoopSender(producer)
        asyncio.run(everyone())
        commits = producer._outbox.generation - commits_before  # noqa: SLF001
        assert producer.flush(120), "not delivered"
    finally:
        producer.close()
    assert commits <= senders * per_sender // 4, f"{commits} transactions for {senders * per_sender} events"
    got = read_envelopes(kafka_broker, topics.cp_events, senders * per_sender)
    by_cp: dict[str, list[int]] = {f"CPL{w:02d}": [] for w in range(senders)}
    ids = []
    for _, _, env in sorted(got, key=lambda x: (x[0], x[1])):
        if env.body.cp_id in by_cp:
            ids.append(env.id)
            by_cp[env.body.cp_id].append(env.body.seq)
    assert len(ids) == len(set(ids)) == senders * per_sender, "an event missing or sent twice"
    assert all(seqs == list(range(per_sender)) for seqs in by_cp.values())
