"""The gateway's group commit (fast; the real outbox and broker run in every test_gateway_* test)."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from ev_common import contract as c
from ev_common.kafka.outbox import OutboxRefused
from ocpp_gateway.outbox_group import GroupCommitter


class _Producer:
    """Records each send_many call (one call = one outbox transaction = one fsync)."""

    def __init__(self, refuse: bool = False) -> None:
        self.calls: list[list] = []
        self.refuse = refuse

    def send_many(self, items):
        if self.refuse:
            raise OutboxRefused("disk_full", "no space left")
        self.calls.append(list(items))
        return [env.id for _, env in items]


def _env(i: int) -> c.Envelope:
    return c.envelope(c.EngineOnline(f"CP{i}"), source="t")


def test_events_queued_in_one_loop_turn_share_one_outbox_transaction_and_are_durable_before_the_answer():
    producer, counters = _Producer(), Counter()

    async def scenario():
        g = GroupCommitter(producer, counters)
        for i in range(50):            # 50 chargers' handlers in the same turn
            g.queue("t", _env(i))
        await g.durable()
        durable_after_first = len(producer.calls)
        g.queue("t", _env(99))         # a later turn: a group of its own
        await g.durable()
        return durable_after_first

    assert asyncio.run(scenario()) == 1
    assert [len(call) for call in producer.calls] == [50, 1]
    assert counters["outbox_groups"] == 2


def test_a_refused_group_fails_every_waiter_so_chargers_get_an_error_and_repeat():
    producer, counters = _Producer(refuse=True), Counter()

    async def scenario():
        g = GroupCommitter(producer, counters)
        g.queue("t", _env(1))
        g.queue("t", _env(2))
        await g.durable()

    with pytest.raises(OutboxRefused):
        asyncio.run(scenario())
    assert counters["outbox_refused"] == 2
