"""ResilientConsumers joining one fresh consumer group at the same moment (real broker): within
a bound the partitions are split between them — disjoint, every partition held by one member,
each member holding exactly what the group coordinator assigned it — and no partition is ever
held by two members afterwards.

Observed before the fix (ev_common/kafka/group_member.py, ``_keep_join_alive``): two Central
instances joining a fresh group within a second both reported all 12 request partitions for as
long as anyone watched; one had been left half-way through a join by kafka-python 3.0.12.
The race needs the join task to finish between two polls: a short poll timeout makes that
likely on any machine (200 ms did it on the loaded 2-core machine)."""
from __future__ import annotations

import threading
import time
import uuid

from kafka import TopicPartition

from ev_common.kafka.admin import admin_client, ensure_topics
from ev_common.kafka.consumer import ResilientConsumer
from ev_common.topics import Topics
from tests.helpers import WaitTimeout, wait_until

ROUNDS = 8       # a fresh group (odd rounds: fresh topics too) each time
MEMBERS = 2
SETTLE_S = 30.0  # the bound for a split
STAY_S = 4.0     # watched afterwards: never a partition held twice


def _local(consumer: ResilientConsumer) -> tuple[str, frozenset[TopicPartition]] | None:
    """(member id, partitions its client holds now); None while it has no client."""
    kc = consumer._kc  # noqa: SLF001 - the client's own view is what Central reports
    if kc is None:
        return None
    for _ in range(10):  # the network thread may replace the assignment while we copy it
        try:
            return kc._coordinator._generation.member_id, frozenset(kc.assignment())  # noqa: SLF001
        except RuntimeError:
            continue
    return None


def _join_state(consumer: ResilientConsumer) -> str:
    """The client's group-join state, to tell a stranded join in a failure message."""
    co = consumer._kc._coordinator  # noqa: SLF001
    return f"{getattr(co.state, 'name', co.state)} rejoining={co.rejoining} rejoin_needed={co.rejoin_needed}"


def _coordinator_view(admin, group: str) -> dict[str, frozenset[TopicPartition]] | None:
    """member id → partitions, as the group coordinator has them; None unless the group is Stable."""
    desc = admin.describe_groups([group])[group]
    if desc.get("error") or desc.get("group_state") != "Stable":
        return None
    return {m["member_id"]: frozenset(TopicPartition(a["topic"], p)
                                      for a in (m["member_assignment"] or {}).get("assigned_partitions", ())
                                      for p in a["partitions"])
            for m in desc["members"]}


def _split_problem(consumers, admin, group: str, every: set[TopicPartition]) -> str | None:
    """None if the members split *every* partition between them and each holds exactly what the
    coordinator assigned it; otherwise what is wrong (for the failure message)."""
    local = [_local(c) for c in consumers]
    if any(x is None for x in local):
        return f"a member without a client: {local}"
    if sum(len(tps) for _, tps in local) != len(every) or frozenset().union(*(t for _, t in local)) != every:
        return (f"not a split of {len(every)} partitions: member, partitions held, join state "
                f"{[(m, len(t), _join_state(c)) for (m, t), c in zip(local, consumers)]}")
    view = _coordinator_view(admin, group)
    if view is None:
        return "group not stable at the coordinator"
    for member_id, tps in local:
        if view.get(member_id) != tps:
            return (f"member {member_id} holds {len(tps)} partitions, the coordinator gave it "
                    f"{len(view[member_id]) if member_id in view else 'none (not a member)'}")
    return None


def _shared(consumers) -> set[TopicPartition]:
    """Partitions that more than one member's client holds now."""
    seen: set[TopicPartition] = set()
    shared: set[TopicPartition] = set()
    for x in (_local(c) for c in consumers):
        if x is not None:
            shared |= seen & x[1]
            seen |= x[1]
    return shared


def _start_at_once(consumers) -> None:
    go = threading.Event()

    def start(c):
        go.wait()
        c.start()
    threads = [threading.Thread(target=start, args=(c,)) for c in consumers]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()


def test_members_joining_a_fresh_group_at_once_split_the_partitions(kafka_broker: str) -> None:
    admin = admin_client(kafka_broker)
    settle_times = []
    try:
        for rnd in range(ROUNDS):
            topics = Topics(prefix=f"t{uuid.uuid4().hex[:10]}")
            names = [topics.driver_requests, topics.operator_commands]  # 6 + 6, like Central's
            every = {TopicPartition(t, p) for t in names for p in range(topics.partitions(t))}
            fresh_topics = rnd % 2 == 1  # created while the members join, by two creators
            if not fresh_topics:
                ensure_topics(kafka_broker, topics)
            group = f"g-join-{uuid.uuid4().hex}"
            consumers = [ResilientConsumer(kafka_broker, names, group_id=group,
                                           client_id="central.requests", on_batch=lambda b: None,
                                           poll_timeout_ms=5)
                         for _ in range(MEMBERS)]
            problem: list[str | None] = [None]

            def settled() -> bool:
                try:
                    problem[0] = _split_problem(consumers, admin, group, every)
                except Exception as exc:  # noqa: BLE001 - reported if it never settles
                    problem[0] = repr(exc)
                return problem[0] is None
            try:
                began = time.monotonic()
                _start_at_once(consumers)
                if fresh_topics:
                    creators = [threading.Thread(target=ensure_topics, args=(kafka_broker, topics))
                                for _ in range(2)]
                    for t in creators:
                        t.start()
                    for t in creators:
                        t.join()
                try:
                    wait_until(settled, SETTLE_S, interval=0.2)
                except WaitTimeout:
                    raise AssertionError(f"round {rnd}: no split within {SETTLE_S:g} s: {problem[0]}") from None
                settle_times.append(time.monotonic() - began)
                # a rebalance may still come (the leader rejoins when its metadata changes),
                # but no partition is held by two members meanwhile and it ends split again
                watch_until = time.monotonic() + STAY_S
                while time.monotonic() < watch_until:
                    shared = _shared(consumers)
                    assert not shared, f"round {rnd}: held by two members after the split: {sorted(shared)}"
                    time.sleep(0.1)
                try:
                    wait_until(settled, SETTLE_S, interval=0.2)
                except WaitTimeout:
                    raise AssertionError(f"round {rnd}: the split was lost: {problem[0]}") from None
            finally:
                for c in consumers:
                    c.stop()
    finally:
        admin.close()
    print(f"\ngroup join: {ROUNDS} rounds of {MEMBERS} members, split after "
          f"{', '.join(f'{s:.1f}' for s in settle_times)} s")
