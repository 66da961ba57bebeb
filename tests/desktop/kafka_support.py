"""Desktop-test helpers: play Central (a framed LOGIN/HISTORY socket server) and read/write topics."""
from __future__ import annotations

import asyncio
import base64
import json
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ev_common import contract
from ev_common.framing import ACK, BadFrame, FramedStream
from tests.notify_support import as_fake_central, fake_login_fields
from tests.helpers import kafka_security, tls_server_context

PASSWORDS = {"driver1": "pass123", "driver2": "pass123"}
OPERATOR_PASSWORDS = {"operator1": "admin123"}


class ScriptedCentral:
    """Central's socket side only: LOGIN, OPLOGIN and HISTORY. Kafka events are produced by the test."""

    def __init__(self, history: list[dict] | None = None) -> None:
        self.history = history or []
        self.port = 0
        self.logins: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self, port: int = 0) -> int:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", port,
                                                                                ssl=tls_server_context()))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True, name="scripted-central")
        self._thread.start()
        ready.wait(10)
        return self.port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fs = FramedStream(reader, writer, timeout=5.0)
        try:
            while True:
                frame = await fs.read_frame()
                if isinstance(frame, BadFrame):
                    continue
                await fs.send_control(ACK)
                await fs.answer(self.answer(frame.fields))
        except Exception:
            pass
        finally:
            writer.close()

    def answer(self, fields: list[str]) -> list[str]:
        if fields[0] == "LOGIN" and len(fields) >= 3:
            if PASSWORDS.get(fields[1]) == fields[2]:
                self.logins.append(fields[1])
                # no session (""), but the driver's notification key, as Central's LOGIN gives it
                return ["OK", f"{fields[1]}.{int(time.time()) + 3600}.sig", str(time.time() + 3600), "", "",
                        *fake_login_fields(fields[1])]
            return ["ERR", "bad_credentials", "Usuario o contraseña incorrectos"]
        if fields[0] == "OPLOGIN" and len(fields) >= 3:
            if OPERATOR_PASSWORDS.get(fields[1]) == fields[2]:
                self.logins.append(fields[1])
                expires = int(time.time()) + 3600
                return ["OK", f"op:{fields[1]}.{expires}.sig", str(expires)]
            return ["ERR", "bad_credentials", "Usuario o contraseña incorrectos"]
        if fields[0] == "HISTORY":
            return ["OK", base64.b64encode(json.dumps(self.history).encode()).decode()]
        return ["ERR", "bad_request", "?"]

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)


class TopicWriter:
    """Produce contract envelopes synchronously (acks=all) — the test plays Central."""

    def __init__(self, bootstrap: str) -> None:
        self.kp = KafkaProducer(bootstrap_servers=bootstrap, acks="all", **kafka_security())

    def send(self, topic: str, body: contract.Payload, source: str = "central") -> None:
        env = as_fake_central(contract.envelope(body, source=source))  # notifications sealed, as Central does
        self.kp.send(topic, key=env.key.encode(), value=contract.encode(env)).get(timeout=30)

    def close(self) -> None:
        self.kp.close()


def read_envelopes(bootstrap: str, topic: str, expected: int, timeout: float = 60.0) -> list[contract.Envelope]:
    """Every envelope of *topic* from the beginning, once at least *expected* arrived."""
    kc = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                       fetch_max_wait_ms=100, **kafka_security())
    try:
        deadline = time.monotonic() + timeout
        parts: set[int] | None = None
        while not parts and time.monotonic() < deadline:
            parts = kc.partitions_for_topic(topic)
            if not parts:
                time.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(parts or ())]
        kc.assign(tps)
        kc.seek_to_beginning(*tps)
        out: list[contract.Envelope] = []
        while time.monotonic() < deadline and len(out) < expected:
            for recs in kc.poll(timeout_ms=200).values():
                out.extend(contract.decode(r.value) for r in recs)
        return sorted(out, key=lambda e: e.ts)
    finally:
        kc.close()
