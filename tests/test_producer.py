"""ReliableProducer against real brokers: the field failure, outages, kill -9, status.

Brokers that must be stopped/started belong to the test (tests.helpers.start_private_broker);
the others use the shared session broker.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ev_common import contract
from ev_common.ports import free_port
from ev_common.kafka.producer import LinkState, ProducerStatus, ReliableProducer
from ev_common.topics import Topics
from ev_common.kafka.admin import ensure_topics
from tests.helpers import REPO, kafka_security, start_private_broker, wait_until

log = logging.getLogger(__name__)


MARKER = b"__end-marker__"


def read_envelopes(bootstrap: str, topic: str, expected: int, timeout: float = 60.0,
                   ) -> list[tuple[int, int, contract.Envelope]]:
    """Every (partition, offset, envelope) of *topic* read from the beginning with a plain
    KafkaConsumer, up to an end marker this function writes to every partition first.

    "Nothing else arrives" is observed, not slept on: whatever was written before the call
    (the producers under test have flushed) sits before the marker in its partition, so once
    every partition's marker was read, everything is in. *expected* only bounds the wait for
    a topic that does not exist yet; the caller asserts on what came back."""
    kc = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                       bootstrap_timeout_ms=10000, reconnect_backoff_max_ms=500,
                       fetch_max_wait_ms=100, **kafka_security())
    kp = KafkaProducer(bootstrap_servers=bootstrap, bootstrap_timeout_ms=10000, acks="all", **kafka_security())
    try:
        deadline = time.monotonic() + timeout
        parts: set[int] = set()
        while not parts and time.monotonic() < deadline:
            parts = kc.partitions_for_topic(topic)
            if not parts:
                time.sleep(0.2)
        marker = MARKER + uuid.uuid4().hex.encode()
        for p in sorted(parts):
            kp.send(topic, key=b"marker", value=marker, partition=p).get(30)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        kc.assign(tps)
        kc.seek_to_beginning(*tps)
        out: list[tuple[int, int, contract.Envelope]] = []
        pending = set(parts)
        while pending and time.monotonic() < deadline:
            for recs in kc.poll(timeout_ms=200).values():
                for r in recs:
                    if r.value == marker:
                        pending.discard(r.partition)
                    elif r.value is not None and r.value.startswith(MARKER):
                        continue  # an earlier call's marker
                    else:
                        out.append((r.partition, r.offset, contract.decode(r.value)))
        assert not pending, f"end markers not read back from {topic} partitions {sorted(pending)}"
        return out
    finally:
        kc.close()
        kp.close()


def telemetry(cp: str, seq: int) -> contract.Envelope:
    return contract.envelope(contract.Telemetry(cp_id=cp, session_id="s1", seq=seq, kw=7.0,
                                                kwh=seq / 10, eur=seq / 20), source="test")


class StatusLog:
    def __init__(self) -> None:
        self.items: list[ProducerStatus] = []
        self.lock = threading.Lock()

    def __call__(self, status: ProducerStatus) -> None:
        with self.lock:
            self.items.append(status)

    def states(self) -> list[LinkState]:
        with self.lock:
            out: list[LinkState] = []
            for s in self.items:
                if not out or out[-1] != s.state:
                    out.append(s.state)
            return out


# --------------------------------------------------------------------------- the field failure
def test_field_failure_producer_created_while_kafka_down(tmp_path: Path) -> None:
    """The seed's bug: Kafka unreachable when the app starts. The event must be kept, the
    status must say OFFLINE, and the event must arrive exactly once when Kafka comes up."""
    broker = start_private_broker(tmp_path)
    bootstrap = broker.config.bootstrap
    statuses = StatusLog()
    t0 = time.monotonic()
    producer = ReliableProducer(bootstrap, tmp_path / "outbox.sqlite3", client_id="driver-app",
                                on_status=statuses)
    assert time.monotonic() - t0 < 1.0, "constructor must not block while Kafka is down"
    try:
        env = contract.envelope(contract.SupplyStarted(cp_id="CP001", session_id="S1",
                                                       started_at=time.time()), source="driver")
        t1 = time.monotonic()
        producer.send("field.cp.events", env)
        assert time.monotonic() - t1 < 1.0, "send must not block while Kafka is down"
        status = wait_until(lambda: (s := producer.status()).state == LinkState.OFFLINE
                            and s.last_error and s, timeout=10, message="OFFLINE status")
        assert status.queued == 1
        assert bootstrap in status.last_error
        wait_until(lambda: any(s.queued == 1 and s.state == LinkState.OFFLINE
                               for s in list(statuses.items)), timeout=5, message="listener saw it")
        time.sleep(1.0)  # stays queued, nothing is given up while Kafka is down
        assert producer.status().queued == 1

        broker.start(timeout=120)
        ready = time.monotonic()
        ensure_topics(bootstrap, Topics("field"))  # what Central does once Kafka is up
        wait_until(lambda: producer.status().queued == 0, timeout=30, interval=0.01,
                   message="outbox drained after broker start")
        heal = time.monotonic() - ready
        log.info("HEAL TIME field failure: %.3fs from broker ready to event acknowledged", heal)
        print(f"\nHEAL TIME field failure: {heal:.3f}s")
        assert heal < 10.0
        assert producer.status().state == LinkState.CONNECTED
        assert producer.status().last_error is None
        wait_until(lambda: LinkState.CONNECTED in statuses.states(), timeout=5,
                   message="listener saw CONNECTED")
        assert statuses.states()[0] == LinkState.OFFLINE

        got = read_envelopes(bootstrap, "field.cp.events", expected=1)
        assert [e.id for _, _, e in got] == [env.id], "exactly once"
        assert got[0][2] == env
    finally:
        producer.close()
        broker.stop(hard=True)


def test_broker_stopped_mid_stream_keeps_everything_in_order(tmp_path: Path) -> None:
    broker = start_private_broker(tmp_path)
    bootstrap = broker.start(timeout=120)
    topic = Topics("midstream").cp_events
    ensure_topics(bootstrap, Topics("midstream"))
    statuses = StatusLog()
    producer = ReliableProducer(bootstrap, tmp_path / "outbox.sqlite3", client_id="cp-fleet",
                                on_status=statuses)
    sent: list[contract.Envelope] = []
    stop_sending = threading.Event()

    def sender() -> None:
        seq = 0
        while not stop_sending.is_set():
            env = telemetry(f"CP{seq % 5:03d}", seq)
            producer.send(topic, env)
            sent.append(env)
            seq += 1
            time.sleep(0.01)

    thread = threading.Thread(target=sender, daemon=True)
    try:
        thread.start()
        wait_until(lambda: len(sent) > 100 and producer.status().state == LinkState.CONNECTED,
                   timeout=30, message="stream flowing")
        broker.stop()  # graceful
        stopped_at = len(sent)
        wait_until(lambda: producer.status().state != LinkState.CONNECTED, timeout=30,
                   message="status leaves CONNECTED")
        wait_until(lambda: len(sent) > stopped_at + 100, timeout=30, message="sending on")
        assert producer.status().queued > 0
        broker.start(timeout=120)
        ready = time.monotonic()
        queued_at_ready = producer.status().queued
        wait_until(lambda: producer.status().queued < 20 and producer.status().state
                   == LinkState.CONNECTED, timeout=60, interval=0.01, message="backlog delivered")
        heal = time.monotonic() - ready
        print(f"\nHEAL TIME mid-stream: {heal:.3f}s for a backlog of {queued_at_ready}")
        log.info("HEAL TIME mid-stream: %.3fs (backlog %d)", heal, queued_at_ready)
        time.sleep(0.3)
        stop_sending.set()
        thread.join(10)
        assert producer.flush(30)
        got = read_envelopes(bootstrap, topic, expected=len(sent))
    finally:
        stop_sending.set()
        producer.close()
        broker.stop(hard=True)
    ids = [e.id for _, _, e in got]
    assert set(ids) == {e.id for e in sent}, "every message arrives"
    duplicates = len(ids) - len(set(ids))
    print(f"sent={len(sent)} received={len(ids)} duplicates={duplicates}")
    log.info("mid-stream: sent=%d received=%d duplicates=%d", len(sent), len(ids), duplicates)
    # order per key: in partition-offset order, first occurrences of each id have growing seq
    per_key: dict[str, list[int]] = defaultdict(list)
    seen_ids: set[str] = set()
    for part, off, env in sorted(got, key=lambda x: (x[0], x[1])):
        if env.id in seen_ids:
            continue
        seen_ids.add(env.id)
        per_key[env.key].append(env.body.seq)
    for key, seqs in per_key.items():
        assert seqs == sorted(seqs), f"order broken for {key}"
    assert LinkState.CONNECTED in statuses.states()


KILLED_SCRIPT = textwrap.dedent("""
    import sys, time
    from ev_common import contract
    from ev_common.kafka.producer import ReliableProducer
    bootstrap, outbox, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    p = ReliableProducer(bootstrap, outbox, client_id="doomed")
    for i in range(n):
        p.send(topic, contract.envelope(contract.EngineOnline(cp_id=f"CP{i:03d}"), source="doomed",
                                        msg_id=f"doomed-{i}"))
    print("QUEUED", p.status().queued, flush=True)
    time.sleep(600)
""")


def test_process_killed_with_events_in_outbox(tmp_path: Path, kafka_broker: str,
                                               topics: Topics) -> None:
    n = 25
    outbox = tmp_path / "outbox.sqlite3"
    dead_port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SCRIPT, f"127.0.0.1:{dead_port}",
                             str(outbox), topics.cp_events, str(n)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        line = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not line.startswith(b"QUEUED"):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise AssertionError("child died before queueing")
        assert line.split() == [b"QUEUED", str(n).encode()]
    finally:
        proc.kill()  # SIGKILL: no close(), no atexit
        proc.wait(10)
    producer = ReliableProducer(kafka_broker, outbox, client_id="reborn")
    try:
        assert producer.status().queued == n
        assert producer.flush(60)
    finally:
        producer.close()
    got = read_envelopes(kafka_broker, topics.cp_events, expected=n)
    assert sorted(e.id for _, _, e in got) == sorted(f"doomed-{i}" for i in range(n))


def test_restart_while_kafka_down_keeps_queue(tmp_path: Path, kafka_broker: str,
                                              topics: Topics) -> None:
    outbox = tmp_path / "outbox.sqlite3"
    down = ReliableProducer(f"127.0.0.1:{free_port()}", outbox, client_id="first")
    envs = [telemetry("CP001", i) for i in range(10)]
    for env in envs:
        down.send(topics.cp_events, env)
    down.close()
    # a second run, still offline, keeps everything
    again = ReliableProducer(f"127.0.0.1:{free_port()}", outbox, client_id="second")
    assert again.status().queued == 10
    assert not again.flush(0.5)
    again.close()
    up = ReliableProducer(kafka_broker, outbox, client_id="third")
    try:
        assert up.flush(60)
    finally:
        up.close()
    got = read_envelopes(kafka_broker, topics.cp_events, expected=10)
    assert [e.body.seq for _, _, e in sorted(got, key=lambda x: x[1])] == list(range(10))


def test_status_and_api_basics(tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    seen = StatusLog()
    producer = ReliableProducer(kafka_broker, tmp_path / "o.sqlite3", client_id="basic")
    producer.add_status_listener(seen)
    try:
        wait_until(lambda: producer.status().state == LinkState.CONNECTED, timeout=30,
                   message="CONNECTED")
        status = producer.status()
        assert status.bootstrap == kafka_broker and status.last_error is None
        assert status.since <= time.time()
        wait_until(lambda: seen.items, timeout=5, message="listener gets the current status")
        for i in range(200):
            producer.send(topics.cp_events, telemetry("CP009", i))
        producer.send_raw(topics.dead_letters, None, b"raw bytes")
        assert producer.flush(60)
        assert producer.status().queued == 0
        wait_until(lambda: seen.items[-1].queued == 0, timeout=5, message="queued=0 notified")
        # throttled: far fewer notifications than sends
        assert len(seen.items) < 150
    finally:
        producer.close()
    try:
        producer.send(topics.cp_events, telemetry("CP009", 999))
    except RuntimeError:
        pass
    else:
        raise AssertionError("send after close must raise")


def test_close_is_prompt_while_kafka_down(tmp_path: Path) -> None:
    producer = ReliableProducer(f"127.0.0.1:{free_port()}", tmp_path / "o.sqlite3", client_id="x")
    producer.send("t", telemetry("CP1", 1))
    wait_until(lambda: producer.status().state == LinkState.OFFLINE and producer.status().queued,
               timeout=10, message="offline")
    t0 = time.monotonic()
    producer.close(timeout=5)
    assert time.monotonic() - t0 < 3


def test_record_kafka_refuses_for_good_is_quarantined_and_the_rest_still_flows(
        tmp_path: Path, kafka_broker: str, topics: Topics) -> None:
    """kafka-python raises an oversize record from send() itself: it must not block the outbox
    (every later event of the process stuck behind it, retried forever)."""
    from ev_common.kafka.outbox import Outbox

    outbox = tmp_path / "o.sqlite3"
    producer = ReliableProducer(kafka_broker, outbox, client_id="oversize")
    try:
        producer.send_raw(topics.cp_events, b"CP010", b"x" * (2 * 1024 * 1024))  # > max.request.size
        for i in range(5):
            producer.send(topics.cp_events, telemetry("CP010", i))
        assert producer.flush(60), "the events behind the oversize record were never delivered"
        got = [env.body.seq for _, _, env in read_envelopes(kafka_broker, topics.cp_events, 5)
               if getattr(env.body, "cp_id", None) == "CP010"]
        assert got == [0, 1, 2, 3, 4]
    finally:
        producer.close()
    box = Outbox(outbox)
    try:
        [(row, reason)] = box.quarantined()
        assert len(row.value) == 2 * 1024 * 1024 and "MessageSizeTooLarge" in reason
    finally:
        box.close()
