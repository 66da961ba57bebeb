"""Test doubles for the CP tests: Central's monitor-facing socket (a framed server) and Kafka helpers."""
from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ev_common import contract as c
from ev_common import cp_credentials, msgauth
from ev_common.framing import ACK, NACK, BadFrame, FramedStream
from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.helpers import Proc, kafka_security, tls_server_context, wait_until


class MonitorFacingCentral:
    """Central as a Monitor sees it: its framed TLS socket, nothing else. Answers AUTH with
    ``OK#<hb>`` (or *auth_error*), HB/FAULT/RECOVER with ``OK``; records every request as a list
    of fields. Runs its own loop on a thread; stop()/start() keep the port."""

    def __init__(self, port: int | None = None, hb_interval: float = 1.0,
                 auth_error: tuple[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.hb_interval = hb_interval
        self.auth_error = auth_error
        self.frames: list[list[str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[asyncio.Task] = set()
        self._writers: set = set()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def verbs(self, verb: str) -> list[list[str]]:
        return [f for f in list(self.frames) if f and f[0] == verb]

    def start(self) -> "MonitorFacingCentral":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()

            async def main() -> None:
                self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                          ssl=tls_server_context())
                ready.set()
                async with self._server:
                    await self._server.serve_forever()

            try:
                self._loop.run_until_complete(main())
            except asyncio.CancelledError:
                pass
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10), "fake central did not start"
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            assert self._server is not None
            for w in list(self._writers):
                w.transport.abort()  # like a crashed Central: peers see the reset at once
            conns = list(self._conns)
            for t in conns:
                t.cancel()
            await asyncio.gather(*conns, return_exceptions=True)
            self._server.close()  # ends serve_forever → the loop's main task returns
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        self._thread.join(10)
        self._loop = None

    async def _serve(self, reader, writer) -> None:
        task = asyncio.current_task()
        self._conns.add(task)
        self._writers.add(writer)
        stream = FramedStream(reader, writer, timeout=30)
        try:
            while True:
                item = await stream.read_frame()
                if isinstance(item, BadFrame):
                    await stream.send_control(NACK)
                    continue
                self.frames.append(item.fields)
                await stream.send_control(ACK)
                if item.fields[0] == "AUTH":
                    if self.auth_error:
                        await stream.answer(["ERR", *self.auth_error])
                    else:
                        await stream.answer(["OK", f"{self.hb_interval:g}"])
                else:
                    await stream.answer(["OK"])
        except (Exception, asyncio.CancelledError):  # noqa: BLE001 - a test double
            pass
        finally:
            self._conns.discard(task)
            self._writers.discard(writer)
            try:
                writer.close()
            except RuntimeError:
                pass  # loop already closed at shutdown


class EventLog:
    """Reads every partition of a topic from the beginning; ``envelopes()`` in offset order
    per partition (all cp events of one CP share a partition, so that is their send order)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None,
                                      enable_auto_commit=False, consumer_timeout_ms=200,
                                      reconnect_backoff_max_ms=500, request_timeout_ms=10000,
                                      **kafka_security())
        parts = None
        deadline = time.monotonic() + 20
        while not parts and time.monotonic() < deadline:
            parts = self.consumer.partitions_for_topic(topic)
            if not parts:
                time.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(parts or [])]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.records: list[tuple[int, int, c.Envelope]] = []

    def poll(self) -> list[c.Envelope]:
        try:
            batch = self.consumer.poll(timeout_ms=200)
        except Exception:  # noqa: BLE001 - broker may be down in the outage test
            batch = {}
        for tp, recs in batch.items():
            for r in recs:
                self.records.append((tp.partition, r.offset, c.decode(r.value)))
        return [e for _, _, e in self.records]

    def of(self, kind: type, cp_id: str | None = None) -> list:
        self.poll()
        return [e.body for e in self.envelopes() if isinstance(e.body, kind)
                and (cp_id is None or e.body.cp_id == cp_id)]

    def envelopes(self) -> list[c.Envelope]:
        return [e for _, _, e in sorted(self.records, key=lambda r: (r[0], r[1]))]

    def wait_for(self, kind: type, predicate=lambda b: True, timeout: float = 40.0, count: int = 1):
        return wait_until(lambda: (lambda found: found if len(found) >= count else None)(
            [b for b in self.of(kind) if predicate(b)]), timeout, interval=0.1,
            message=f"{count} {kind.__name__}")

    def sync(self, timeout: float = 60.0) -> None:
        """Read until an end marker written now to every partition is back: everything sent
        to the topic before this call has then been read ("nothing else arrives" observed,
        not slept on). Markers are CentralHeartbeat envelopes, which no CP test looks for."""
        kp = KafkaProducer(bootstrap_servers=self.bootstrap.split(","), acks="all", **kafka_security())
        ids = set()
        try:
            for part in sorted(kp.partitions_for(self.topic)):
                env = c.envelope(c.CentralHeartbeat(instance=f"marker-{part}", started_at=0.0,
                                                    interval_s=1.0), source="test-marker")
                kp.send(self.topic, key=env.key.encode(), value=c.encode(env), partition=part).get(15)
                ids.add(env.id)
        finally:
            kp.close()
        wait_until(lambda: ids <= {e.id for e in self.poll()}, timeout, interval=0.05,
                   message=f"end markers of {self.topic}")

    def close(self) -> None:
        self.consumer.close()


DEMO_KEY = "demo-cp-key"


def credentials_dir(base: Path) -> Path:
    """Where the test Engines and Monitors under *base* find their CPs' credentials files."""
    return base / "cp-credentials"


def provision(base: Path, cp_id: str, key: str = DEMO_KEY) -> Path:
    """Write *cp_id*'s credentials file (as ``ev-db add-cp`` would) under *base*."""
    path = credentials_dir(base) / f"{cp_id}.json"
    if not path.exists():
        cp_credentials.write(path, cp_credentials.CpCredentials(cp_id, key))
    return path


class Commands:
    """Plays Central on the commands topic: every command signed with the CP's (demo) key,
    as Central signs it; ``key=None`` sends them unsigned (a forgery)."""

    def __init__(self, bootstrap: str, topics: Topics, key: str | None = DEMO_KEY) -> None:
        self.topics = topics
        self.key = key
        self.producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", **kafka_security())

    def send(self, body: c.Payload) -> None:
        env = c.envelope(body, source="test-central")
        if self.key is not None:
            env = msgauth.sign(env, self.key, msgauth.CP_COMMAND, body.cp_id)  # type: ignore[attr-defined]
        self.send_env(env)

    def send_env(self, env: c.Envelope) -> None:
        self.producer.send(self.topics.cp_commands, key=env.key.encode(), value=c.encode(env)).get(15)

    def authorize(self, cp_id: str, session_id: str, ttl: float = 120.0, max_kw: float = 22.0,
                  price: float = 0.5) -> None:
        self.send(c.AuthorizeSupply(cp_id=cp_id, session_id=session_id, driver_id="driver1",
                                    price_eur_kwh=price, max_kw=max_kw, expires_at=time.time() + ttl))

    def close(self) -> None:
        self.producer.close()


def engine_proc(name: str, log_dir: Path, bootstrap: str, topics: Topics, data_dir: Path, port: int,
                *extra: str, stdin: bool = True) -> Proc:
    """An Engine reading its CP's credentials from ``<data_dir>/cp-credentials/`` (the Monitor
    helper provisions the CP it names there, before the Engine learns its id from HELLO)."""
    creds = credentials_dir(data_dir)
    creds.mkdir(parents=True, exist_ok=True)
    return Proc(name, ["-m", "cp_simulator.engine_cli", "--bootstrap-servers", bootstrap,
                       "--topic-prefix", topics.prefix, "--data-dir", str(data_dir),
                       "--listen", f"127.0.0.1:{port}", "--cp-credentials", str(creds), *extra],
                log_dir, stdin=stdin)


def monitor_proc(name: str, log_dir: Path, engine_port: int, central: MonitorFacingCentral, cp_id: str,
                 *extra: str, data_dir: Path | None = None) -> Proc:
    """A Monitor for *cp_id*; its credentials file is written under *data_dir* (the Engine's,
    default: *log_dir*) first."""
    creds = provision(data_dir or log_dir, cp_id)
    return Proc(name, ["-m", "cp_simulator.monitor_cli", "--engine", f"127.0.0.1:{engine_port}",
                       "--central", central.address, "--cp-id", cp_id, "--cp-credentials", str(creds),
                       *extra], log_dir)


def read_journal(data_dir: Path, cp_id: str) -> dict:
    return json.loads((data_dir / f"engine-{cp_id}" / "journal.json").read_text())


def no_traceback(proc: Proc) -> None:
    """No traceback from our code. kafka-python itself logs a traceback at ERROR when the broker
    resets a socket (kafka.net.transport); that one is the library's and is tolerated here."""
    lines = proc.output().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            assert i > 0 and " kafka." in lines[i - 1], "\n".join(lines[max(0, i - 5):i + 20])


__all__ = ["MonitorFacingCentral", "EventLog", "Commands", "engine_proc", "monitor_proc", "read_journal",
           "no_traceback", "sys"]
