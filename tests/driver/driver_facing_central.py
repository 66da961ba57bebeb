"""Central as a driver app sees it (login socket + Kafka answers), for the driver's integration tests.

Real framed socket (LOGIN / HISTORY) and real Kafka (driver_requests in, driver_notifications
out through the project's ReliableProducer/ResilientConsumer). Each ChargeRequested gets the
scripted answer: ChargeAuthorized → SupplyStartedNotice → SupplyProgress ×3 → Ticket, or
ChargeDenied for an invalid token / the CP id ``CPBAD``. ``hold_ticket`` (an Event) delays the
ticket until the test sets it. ``WATCH`` links are accepted for the fake's sessions and kept in
``watch_links``; the test pushes on them with :meth:`DriverFacingCentral.push` (the scripted
answers go over Kafka only).
"""
from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from pathlib import Path

from ev_common import contract, msgauth
from ev_common.contract import (
    ChargeAuthorized, ChargeDenied, ChargeRequested, SupplyProgress, SupplyStartedNotice, Ticket,
)
from ev_common.framing import ACK, NACK, BadFrame, FrameError, FramedStream
from ev_common.kafka.consumer import ResilientConsumer
from ev_common.kafka.producer import ReliableProducer
from ev_common.topics import Topics
from tests.notify_support import as_fake_central, fake_login_fields
from tests.helpers import tls_server_context

PRICE = 0.35
LOCATIONS = {"CP001": "Alicante", "CP002": "Elche", "CP003": "Madrid"}


def token_for(driver_id: str) -> str:
    return f"tok-{driver_id}"


def session_for(driver_id: str) -> tuple[str, str]:
    """(session id, session key) the fake hands out at LOGIN: requests must carry its MAC."""
    return f"sid-{driver_id}", f"key-{driver_id}"


class DriverFacingCentral:
    """Central's driver-facing side, scripted: see the module docstring."""

    def __init__(self, topics: Topics, data_dir: Path,
                 passwords: dict[str, str] | None = None) -> None:
        self.topics = topics
        self.data_dir = data_dir
        self.passwords = passwords or {"driver1": "pass123", "driver2": "pass123"}
        self.hold_ticket: threading.Event | None = None
        self.requests: list[ChargeRequested] = []
        self.session_calls: list[list[str]] = []
        self.tickets: list[Ticket] = []
        self.history: dict[str, list[dict]] = {}
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self.producer: ReliableProducer | None = None
        self._consumer: ResilientConsumer | None = None
        self._scripts: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.watch_links: dict[str, FramedStream] = {}  # driver → its open WATCH link
        self.watch_opened = 0

    # ------------------------------------------------------------------ socket
    def start_socket(self) -> int:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=tls_server_context()))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-central-socket", daemon=True)
        self._thread.start()
        assert ready.wait(10)
        return self.port  # type: ignore[return-value]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fs = FramedStream(reader, writer, timeout=30)
        try:
            while True:
                frame = await fs.read_frame()
                if isinstance(frame, BadFrame):
                    await fs.send_control(NACK)
                    continue
                await fs.send_control(ACK)
                answer = self.answer(frame.fields)
                await fs.answer(answer)
                if frame.fields[0] == "WATCH" and answer[0] == "OK":
                    await self._hold_watch(frame.fields[2].removeprefix("tok-"), fs)
                    return
        except (FrameError, asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            await fs.close()

    def answer(self, fields: list[str]) -> list[str]:
        if fields[0] == "LOGIN" and len(fields) == 3:
            driver, pw = fields[1], fields[2]
            if self.passwords.get(driver) != pw:
                return ["ERR", "bad_credentials", "unknown driver or wrong password"]
            return ["OK", token_for(driver), f"{time.time() + 3600:.0f}", *session_for(driver),
                    *fake_login_fields(driver)]
        if fields[0] in ("RENEW", "LOGOUT") and len(fields) == 3:
            self.session_calls.append(fields[:2])
            driver = fields[2].removeprefix("tok-")
            if fields[1] != session_for(driver)[0]:
                return ["ERR", "invalid_token", "unknown session"]
            return ["OK", token_for(driver), f"{time.time() + 3600:.0f}"] if fields[0] == "RENEW" else ["OK"]
        if fields[0] == "WATCH" and len(fields) == 3:
            driver = fields[2].removeprefix("tok-")
            if fields[2] != token_for(driver) or fields[1] != session_for(driver)[0]:
                return ["ERR", "invalid_token", "unknown session"]
            return ["OK", "0.2"]
        if fields[0] == "HISTORY" and len(fields) == 2:
            driver = fields[1].removeprefix("tok-")
            if fields[1] != token_for(driver) or driver not in self.passwords:
                return ["ERR", "invalid_token", "token not valid"]
            data = json.dumps(self.history.get(driver, [])).encode()
            return ["OK", base64.b64encode(data).decode()]
        return ["ERR", "bad_request", "unknown command"]

    async def _hold_watch(self, driver: str, fs: FramedStream) -> None:
        """Keep a WATCH link: ping every 0.2 s, swallow the app's ACKs, until it closes."""
        with self._lock:
            self.watch_links[driver] = fs
            self.watch_opened += 1
        try:
            while True:
                if await fs.read_item(0.2) is None:
                    fs.push_frame(["PING"])
        finally:
            with self._lock:
                if self.watch_links.get(driver) is fs:
                    del self.watch_links[driver]

    def push(self, driver: str, fields: list[str]) -> None:
        """Push one frame on *driver*'s WATCH link (from the test's thread)."""
        fs = self.watch_links[driver]
        assert self._loop is not None
        self._loop.call_soon_threadsafe(fs.push_frame, fields)

    def drop_watch(self, driver: str) -> None:
        """Cut *driver*'s WATCH link, as a network failure would."""
        fs = self.watch_links[driver]
        assert self._loop is not None
        self._loop.call_soon_threadsafe(fs.writer.transport.abort)

    # ------------------------------------------------------------------ Kafka
    def start_kafka(self, bootstrap: str) -> None:
        self.producer = ReliableProducer(bootstrap, self.data_dir / "fake-central-outbox.sqlite3",
                                         client_id="fake-central")
        self._consumer = ResilientConsumer(bootstrap, [self.topics.driver_requests], group_id=None,
                                           client_id="fake-central", on_batch=self._on_batch,
                                           start_from="earliest")
        self._consumer.start()

    def _on_batch(self, deliveries) -> None:
        for d in deliveries:
            body = d.envelope.body
            if isinstance(body, ChargeRequested):
                with self._lock:
                    self.requests.append(body)
                sid, key = session_for(body.driver_id)
                try:
                    msgauth.verify(d.envelope, key, msgauth.DRIVER_REQUEST, sid)
                    authentic = not body.token  # a token must never travel in a message
                except msgauth.AuthError:
                    authentic = False
                t = threading.Thread(target=self._script, args=(body, authentic), daemon=True)
                self._scripts.append(t)
                t.start()

    def _send(self, body: contract.Payload) -> None:
        assert self.producer is not None
        self.producer.send(self.topics.driver_notifications, as_fake_central(contract.envelope(body, source="central")))

    def _script(self, req: ChargeRequested, authentic: bool) -> None:
        d, r = req.driver_id, req.request_id
        if not authentic:
            self._send(ChargeDenied(driver_id=d, request_id=r, reason="invalid_token"))
            return
        if req.cp_id == "CPBAD":
            self._send(ChargeDenied(driver_id=d, request_id=r, reason="unknown_cp", cp_id="CPBAD"))
            return
        cp = req.cp_id or "CP001"
        session = f"S-{r[:8]}"
        now = time.time()
        self._send(ChargeAuthorized(driver_id=d, request_id=r, session_id=session, cp_id=cp,
                                    location=LOCATIONS.get(cp, "Valencia"), price_eur_kwh=PRICE,
                                    reservation_expires_at=now + 30))
        self._send(SupplyStartedNotice(driver_id=d, session_id=session, cp_id=cp, started_at=now))
        for i in range(1, 4):
            kwh = 0.2 * i
            self._send(SupplyProgress(driver_id=d, session_id=session, cp_id=cp, kw=7.2,
                                      kwh=kwh, eur=round(kwh * PRICE, 4)))
        if self.hold_ticket is not None:
            self.hold_ticket.wait(300)
        ticket = Ticket(driver_id=d, session_id=session, cp_id=cp, started_at=now,
                        ended_at=time.time(), kwh=0.6, eur=0.21, price_eur_kwh=PRICE,
                        outcome="completed")
        self._send(ticket)
        with self._lock:
            self.tickets.append(ticket)

    # ------------------------------------------------------------------ lifecycle
    def stop(self) -> None:
        if self.hold_ticket is not None:
            self.hold_ticket.set()
        if self._consumer is not None:
            self._consumer.stop()
        if self.producer is not None:
            self.producer.flush(5)
            self.producer.close()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
