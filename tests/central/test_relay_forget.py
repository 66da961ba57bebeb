"""Central deletes the rows of relayed effects later, all at once (issue 14, ``latency``).

The relay hands committed effects (``pending_effects``) to the producer and no longer deletes
their rows in a transaction of its own right then — that ran on the loop thread exactly while
the producer's threads put the driver's answer on the wire. ``forget_relayed`` deletes them
later (a timer); until then the relay must neither send them again nor miss a row committed
meanwhile, and afterwards it must not skip a row whose id SQLite reused or that was given to
this instance with a smaller id (scale-out: a dead instance's rows)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from central_service import db
from central_service.db import PendingEffect
from central_service.effects import EffectRelay
from central_service.store import Store
from ev_common import contract as c
from ev_common.topics import Topics


class _Producer:
    """Records what the relay hands over (the wire side: tests/central/test_durability.py and
    tests/e2e/test_power_cut.py run the real producer)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.ids: list[str] = []

    def send_many(self, items, *, durable: bool = True, lead: int = 0) -> list[str]:
        self.sent.extend(env.body.instance for _, env in items)
        self.ids.extend(env.id for _, env in items)
        return [env.id for _, env in items]


@pytest.fixture
def store(tmp_path: Path):
    db.connect(f"sqlite:///{tmp_path / 'central.db'}")
    try:
        yield Store()
    finally:
        db.close()


def _relay(store: Store, producer: _Producer, instance: str | None = None) -> EffectRelay:
    return EffectRelay(producer, store, Topics(), keyring=None, counters=Counter(), instance=instance or "c1",
                       topic_prefix="ev", notify_keys=object(), own_rows=instance is not None)


def _stage(store: Store, *names: str, instance: str | None = None) -> None:
    """Effects committed by a decision (a heartbeat payload: its ``instance`` names it)."""
    with store.atomic():
        store.add_effects([(Topics().central_heartbeat,
                            c.encode(c.envelope(c.CentralHeartbeat(instance=n, started_at=0.0, interval_s=1.0),
                                                source="test")))
                           for n in names], 0.0, instance=instance)


def _rows() -> int:
    return PendingEffect.select().count()


def test_relayed_effects_are_sent_once_and_their_rows_deleted_later_in_one_go(store) -> None:
    producer = _Producer()
    relay = _relay(store, producer)
    _stage(store, "a", "b", "c")
    relay.relay()
    assert producer.sent == ["a", "b", "c"]
    assert _rows() == 3  # still there: deleted by forget_relayed, off the answer's path
    relay.relay()
    assert producer.sent == ["a", "b", "c"]  # not handed over twice
    _stage(store, "d")
    relay.relay()
    assert producer.sent == ["a", "b", "c", "d"]
    relay.forget_relayed()
    assert _rows() == 0
    relay.relay()
    assert producer.sent == ["a", "b", "c", "d"]


def test_a_row_id_reused_after_the_deletion_is_still_relayed(store) -> None:
    producer = _Producer()
    relay = _relay(store, producer)
    _stage(store, "a", "b")
    relay.relay()
    relay.forget_relayed()  # the table is empty: SQLite hands out rowid 1 again
    _stage(store, "c")
    assert [r.id for r in PendingEffect.select()] == [1]
    relay.relay()
    assert producer.sent == ["a", "b", "c"]


def test_rows_given_to_this_instance_with_smaller_ids_are_relayed_and_not_deleted_unsent(store) -> None:
    """Scale-out: another instance's rows (smaller ids) are claimed after this one relayed its
    own; they are not lost: the deletion takes only rows handed over, and the relay reads from
    the start again after it."""
    producer = _Producer()
    relay = _relay(store, producer, instance="c1")
    _stage(store, "theirs", instance="c2")
    _stage(store, "mine", instance="c1")
    relay.relay()
    assert producer.sent == ["mine"]
    PendingEffect.update(instance="c1").where(PendingEffect.instance == "c2").execute()  # claimed
    relay.relay()
    relay.forget_relayed()
    assert [r.instance for r in PendingEffect.select()] == ["c1"]  # the claimed row: kept
    relay.relay()
    assert producer.sent == ["mine", "theirs"]
    relay.forget_relayed()
    assert _rows() == 0


def test_after_a_restart_effects_relayed_but_not_deleted_go_out_again_with_their_ids(store) -> None:
    """At-least-once, as after a power cut that loses the deletion: same envelope ids, which
    every consumer deduplicates."""
    _stage(store, "a")
    first = _Producer()
    _relay(store, first).relay()
    again = _Producer()
    _relay(store, again).relay()  # a new Central on the same database, before the deletion ran
    assert again.sent == ["a"]
    assert again.ids == first.ids
