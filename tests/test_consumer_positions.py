"""ResilientConsumer against real brokers: commits, manual assignment with caught-up, status
across a broker outage, rebalances and lone readers with local positions. Dead letters and
handler failures: tests/test_consumer.py."""
from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from kafka.admin import NewTopic

from ev_common import contract
from ev_common.kafka.admin import admin_client
from ev_common.kafka.consumer import ResilientConsumer
from ev_common.kafka.producer import LinkState, ReliableProducer
from ev_common.topics import Topics
from ev_common.kafka.admin import ensure_topics
from tests.consumer_support import Collector, raw_producer
from tests.helpers import start_private_broker, wait_until
from tests.test_producer import telemetry

log = logging.getLogger(__name__)


def send_all(producer: ReliableProducer, topic: str, envelopes: list) -> None:
    """Send *envelopes* to *topic* and wait until Kafka has them all."""
    for env in envelopes:
        producer.send(topic, env)
    assert producer.flush(30)


def test_offsets_committed_after_batch_resume_without_redelivery(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    group = f"g-{uuid.uuid4().hex}"
    p = ReliableProducer(kafka_broker, tmp_path / "p.sqlite3", client_id="p")
    first = [telemetry(f"CP{i % 3}", i) for i in range(20)]
    second = [telemetry(f"CP{i % 3}", 100 + i) for i in range(10)]
    try:
        send_all(p, topics.driver_requests, first)
        got1 = Collector()
        c1 = ResilientConsumer(kafka_broker, [topics.driver_requests], group_id=group,
                               client_id="c1", on_batch=got1)
        c1.start()
        wait_until(lambda: got1.count() >= 20, timeout=60, message="first 20")
        t0 = time.monotonic()
        c1.stop()
        assert time.monotonic() - t0 < 5, "stop must be prompt"
        send_all(p, topics.driver_requests, second)
        got2 = Collector()
        c2 = ResilientConsumer(kafka_broker, [topics.driver_requests], group_id=group,
                               client_id="c2", on_batch=got2)
        c2.start()
        wait_until(lambda: got2.count() >= 10, timeout=60, message="next 10")
        # would a redelivery of the first 20 show up? It would come before these end markers
        markers = send_markers(kafka_broker, topics.driver_requests)
        wait_until(lambda: markers <= set(got2.ids()), timeout=60, message="end markers")
        c2.stop()
    finally:
        p.close()
    assert sorted(got1.ids()) == sorted(e.id for e in first)
    assert sorted(i for i in got2.ids() if i not in markers) == sorted(e.id for e in second)
    # per key, offsets arrive in order within each partition
    for d_list in (got1.items, got2.items):
        by_part: dict[int, list[int]] = {}
        for d in d_list:
            by_part.setdefault(d.partition, []).append(d.offset)
        assert all(v == sorted(v) for v in by_part.values())


def test_manual_assignment_caught_up_latest_and_late_topic(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    p = ReliableProducer(kafka_broker, tmp_path / "p.sqlite3", client_id="central")
    states = [contract.envelope(contract.CpState(cp_id=f"CP{i:03d}", location="x",
                                                 price_eur_kwh=0.3, max_kw=22.0,
                                                 state="available"), source="central")
              for i in range(30)]
    late_topic = f"{topics.prefix}.late"
    caught: list[int] = []
    got = Collector()
    latest = Collector()
    dash = ResilientConsumer(kafka_broker, [topics.cp_state, late_topic], group_id=None,
                             client_id="dash", on_batch=got, start_from="earliest",
                             on_caught_up=lambda: caught.append(got.count()))
    tail = ResilientConsumer(kafka_broker, [topics.cp_state], group_id=None, client_id="tail",
                             on_batch=latest, start_from="latest")
    try:
        send_all(p, topics.cp_state, states)
        dash.start()
        tail.start()
        wait_until(lambda: caught, timeout=60, message="caught up")
        assert caught == [30], "on_caught_up once, after the initial read"
        wait_until(lambda: tail.caught_up, timeout=60, message="tail caught up")
        newer = telemetry("CP777", 1)
        p.send(topics.cp_state, newer)
        wait_until(lambda: newer.id in latest.ids() and newer.id in got.ids(), timeout=60,
                   message="new message to both")
        assert latest.ids() == [newer.id], "start_from=latest skips history"
        admin = admin_client(kafka_broker)
        try:
            admin.create_topics([NewTopic(late_topic, 2, 1)], timeout_ms=10000)
        finally:
            admin.close()
        late = telemetry("CP888", 1)
        p.send(late_topic, late)
        wait_until(lambda: late.id in got.ids(), timeout=60, message="topic created later")
        wait_until(lambda: dash.lag() == 0, timeout=30, message="lag known and zero")
        assert caught == [30]
    finally:
        dash.stop()
        tail.stop()
        p.close()
    assert len(got.ids()) == len(set(got.ids())) == 32


def test_consumer_started_while_kafka_down_and_broker_restart(tmp_path: Path) -> None:
    broker = start_private_broker(tmp_path)
    bootstrap = broker.config.bootstrap
    statuses: list[tuple[LinkState, str | None]] = []
    got = Collector()
    consumer = ResilientConsumer(bootstrap, ["restart.cp.events"], group_id="central",
                                 client_id="central", on_batch=got,
                                 on_status=lambda s, e: statuses.append((s, e)))
    p = ReliableProducer(bootstrap, tmp_path / "p.sqlite3", client_id="cp")
    t0 = time.monotonic()
    consumer.start()
    assert time.monotonic() - t0 < 1.0
    try:
        wait_until(lambda: statuses and statuses[-1][0] == LinkState.OFFLINE, timeout=10,
                   message="consumer OFFLINE")
        assert bootstrap in statuses[-1][1]
        first = [telemetry("CP001", i) for i in range(5)]
        for env in first:
            p.send("restart.cp.events", env)
        broker.start(timeout=120)
        ready = time.monotonic()
        ensure_topics(bootstrap, Topics("restart"))  # what Central does once Kafka is up
        wait_until(lambda: set(got.ids()) >= {e.id for e in first}, timeout=60,
                   message="delivered after start")
        print(f"\nconsumer: first delivery {time.monotonic() - ready:.3f}s after broker ready")
        wait_until(lambda: consumer.state == LinkState.CONNECTED, timeout=10, message="CONNECTED")
        states = [s for s, _ in statuses]
        assert states[0] == LinkState.OFFLINE and LinkState.CONNECTED in states

        broker.stop()
        wait_until(lambda: consumer.state == LinkState.OFFLINE, timeout=30,
                   message="consumer notices the outage")
        second = [telemetry("CP001", 100 + i) for i in range(5)]
        for env in second:
            p.send("restart.cp.events", env)
        broker.start(timeout=120)
        ready = time.monotonic()
        wait_until(lambda: set(got.ids()) >= {e.id for e in second}, timeout=60,
                   message="delivered after restart")
        heal = time.monotonic() - ready
        print(f"consumer+producer heal after broker restart: {heal:.3f}s")
        log.info("HEAL TIME consumer after restart: %.3fs", heal)
        wait_until(lambda: consumer.state == LinkState.CONNECTED, timeout=10, message="CONNECTED")
    finally:
        consumer.stop()
        p.close()
        broker.stop(hard=True)
    seqs = [d.envelope.body.seq for d in got.items if d.envelope.key == "CP001"]
    deduped = list(dict.fromkeys(seqs))
    assert deduped == sorted(deduped), "per-key order"


def test_rebalance_between_two_members_loses_nothing(tmp_path: Path, kafka_broker: str,
                                                     topics: Topics) -> None:
    """A second member joins while messages flow: it gets partitions (and messages), and every
    message is handled exactly once across the two (offsets committed after each batch)."""
    group = f"g-{uuid.uuid4().hex}"
    p = ReliableProducer(kafka_broker, tmp_path / "p.sqlite3", client_id="p")
    a, b = Collector(), Collector()
    ca = ResilientConsumer(kafka_broker, [topics.cp_events], group_id=group, client_id="a", on_batch=a)
    cb = ResilientConsumer(kafka_broker, [topics.cp_events], group_id=group, client_id="b", on_batch=b)
    sent = []
    try:
        ca.start()
        for i in range(50):
            env = telemetry(f"CP{i % 6}", i)
            sent.append(env.id)
            p.send(topics.cp_events, env)
        wait_until(lambda: a.count() >= 50, timeout=60, message="a got the first 50")
        cb.start()
        i = 50
        # traffic goes on until b has been given partitions and handled messages from them
        while b.count() == 0 or i < 200:
            env = telemetry(f"CP{i % 6}", i)
            sent.append(env.id)
            p.send(topics.cp_events, env)
            i += 1
            if i > 5000:
                raise AssertionError("the second member never got a partition")
            wait_until(lambda: p.status().queued == 0, 30, interval=0.01, message="sent")
        wait_until(lambda: set(a.ids()) | set(b.ids()) >= set(sent), timeout=60,
                   message="every message across both members")
        markers = send_markers(kafka_broker, topics.cp_events)
        wait_until(lambda: markers <= set(a.ids()) | set(b.ids()), timeout=60, message="end markers")
    finally:
        ca.stop()
        cb.stop()
        p.close()
    handled = [i for i in a.ids() + b.ids() if i not in markers]
    assert b.count() > 0, "the second member got no partition"
    assert sorted(handled) == sorted(sent), "lost or duplicated across the rebalance"
    print(f"\nrebalance: a={a.count()} b={b.count()} sent={len(sent)}")


def send_markers(bootstrap: str, topic: str) -> set[str]:
    """One valid envelope written to every partition of *topic* after everything the test
    sent; a reader that has them all has also read everything before them."""
    kp = raw_producer(bootstrap)
    ids = set()
    try:
        for part in sorted(kp.partitions_for(topic)):
            env = telemetry(f"MARK{part}", 0)
            kp.send(topic, key=env.key.encode(), value=contract.encode(env), partition=part).get(30)
            ids.add(env.id)
    finally:
        kp.close()
    return ids


def test_lone_reader_resumes_from_its_local_positions_without_a_group(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    """A driver app / Engine reads alone: no consumer group, positions kept in a local file;
    a restarted reader gets exactly what arrived after what it had handled."""
    from ev_common.kafka.offsets import OffsetStore

    def start_lone_reader(collector: Collector) -> tuple[ResilientConsumer, OffsetStore]:
        store = OffsetStore(tmp_path / "offsets.sqlite3")
        reader = ResilientConsumer(kafka_broker, [topics.cp_events], group_id=None, client_id="lone",
                                   on_batch=collector, start_from="earliest", offset_store=store)
        reader.start()
        return reader, store

    producer = ReliableProducer(kafka_broker, tmp_path / "p.sqlite3", client_id="engine")
    first = [telemetry(f"CP00{i % 3}", i) for i in range(12)]
    later = [telemetry(f"CP00{i % 3}", 100 + i) for i in range(7)]
    try:
        send_all(producer, topics.cp_events, first)
        got = Collector()
        reader, store = start_lone_reader(got)
        wait_until(lambda: got.count() >= len(first), 60, message="first messages")
        reader.stop()
        store.close()
        assert sorted(got.ids()) == sorted(e.id for e in first)

        send_all(producer, topics.cp_events, later)
        again = Collector()
        reader, store = start_lone_reader(again)  # a restart: the same local positions file
        wait_until(lambda: again.count() >= len(later), 60, message="messages sent while it was down")
        extra = telemetry("CP009", 999)
        producer.send(topics.cp_events, extra)
        wait_until(lambda: extra.id in again.ids(), 60, message="live message after the resume")
        reader.stop()
        store.close()
        assert sorted(again.ids()) == sorted([e.id for e in later] + [extra.id])
    finally:
        producer.close()
