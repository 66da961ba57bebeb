"""DriverCore: one logged-in driver talking to the system (no Qt; used by ev-driver and ev-desktop).

* ``await login()`` asks Central over the framed socket for a token;
* ``start()`` creates the durable :class:`ReliableProducer` (outbox in
  ``<data_dir>/driver-<id>/outbox.sqlite3``) and a :class:`ResilientConsumer` on the driver
  notifications topic. The app reads alone, so it uses no consumer group: it assigns every
  partition itself and keeps its read positions in ``<data_dir>/driver-<id>/offsets.sqlite3``
  (see :mod:`ev_common.kafka.offsets` for why) — a restarted app receives what it missed (e.g.
  the ticket of a supply that ended while it was closed). A brand-new installation skips
  notifications older than an hour before its first start instead of replaying the driver's
  whole history;
* ``request_charge()`` / ``cancel()`` are durable at once, even with Kafka down: the field
  failure this product exists to end was a request silently dropped at that point.

Every event reaches ``on_event`` (and listeners) on the asyncio loop thread, after
:attr:`DriverCore.tracker` has applied it. A notification is handed to the loop and handled
*before* the consumer commits its offset, so a crash never skips one.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ev_common import contract, msgauth
from ev_common.contract import ChargeCancelled, ChargeRequested
from ev_common.kafka.consumer import RetryLater
from ev_common.kafka.status import LinkState, ProducerStatus
from ev_common.topics import Topics

from .central_client import CentralClient, LoginError, LoginResult
from .events import (NOTIFICATION_TYPES, DriverEvent, LinkChanged, Notification, RequestQueued,
                     ReservationCancelled)
from .session_keeper import SessionKeeper
from .tracker import SupplyPhase, SupplyTracker

__all__ = ["DriverConfig", "DriverCore", "LoginError", "LoginResult", "RequestQueued",
           "ReservationCancelled", "LinkChanged", "DriverEvent", "SupplyTracker", "SupplyPhase"]

log = logging.getLogger(__name__)

EventCallback = Callable[[DriverEvent], None]
HANDOFF_TIMEOUT_S = 10.0
# a new installation ignores notifications older than its first start minus this margin
# (generous: covers clock differences between Central's machine and this one)
HISTORY_MARGIN_S = 3600.0


@dataclass(frozen=True)
class DriverConfig:
    bootstrap_servers: str
    central_host: str
    central_port: int
    data_dir: Path
    topic_prefix: str = "ev"
    central_timeout_s: float = 5.0

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def central(self) -> str:
        return f"{self.central_host}:{self.central_port}"


class DriverCore:
    def __init__(self, config: DriverConfig, on_event: EventCallback | None = None, *,
                 loop: asyncio.AbstractEventLoop | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.topics = config.topics
        self._listeners: list[EventCallback] = [on_event] if on_event else []
        self._loop = loop
        self._central = CentralClient(config.central_host, config.central_port,
                                      config.central_timeout_s)
        self.login_result: LoginResult | None = None
        self.clock = clock
        self.session: SessionKeeper | None = None  # signs requests, renews the session
        self._renewal: asyncio.Task | None = None
        self.tracker: SupplyTracker | None = None
        self._producer: Any = None
        self._consumer: Any = None
        self._offsets: Any = None
        self._not_before = 0.0
        self._closed = False
        self._seen_ids: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._seen_lock = threading.Lock()

    # ------------------------------------------------------------------ identity
    @property
    def driver_id(self) -> str | None:
        return self.login_result.driver_id if self.login_result else None

    @property
    def token(self) -> str | None:
        if self.session is not None:
            return self.session.token  # renewed
        return self.login_result.token if self.login_result else None

    @property
    def started(self) -> bool:
        return self._producer is not None

    def add_listener(self, cb: EventCallback) -> None:
        self._listeners.append(cb)

    def remove_listener(self, cb: EventCallback) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)

    async def login(self, driver_id: str, password: str) -> LoginResult:
        """Ask Central for a token; :class:`LoginError` (code, Spanish message) on failure."""
        self._loop = self._loop or asyncio.get_running_loop()
        result = await self._central.login(driver_id, password)
        if self.login_result and self.login_result.driver_id != result.driver_id and self.started:
            raise LoginError("already_started", "Cierre la sesión actual antes de cambiar de conductor")
        self.login_result = result
        self.session = SessionKeeper(self._central, result.session_id, result.session_key, result.token,
                                     result.expires_at, clock=self.clock)
        if self._renewal is not None:  # signed in again while running: renew the new session
            self._renewal.cancel()
            self._renewal = self._loop.create_task(self.session.run()) if self.session.usable else None
        if self.tracker is None or self.tracker.driver_id != result.driver_id:
            self.tracker = SupplyTracker(result.driver_id)
        return result

    async def history(self) -> list[dict[str, Any]]:
        """Past supplies/tickets from Central (socket HISTORY); LoginError when it fails."""
        if not self.token:
            raise LoginError("not_logged_in", "Inicie sesión primero")
        return await self._central.history(self.token)

    # ------------------------------------------------------------------ Kafka side
    def outbox_path(self) -> Path:
        assert self.driver_id
        return Path(self.config.data_dir) / f"driver-{self.driver_id}" / "outbox.sqlite3"

    def offsets_path(self) -> Path:
        assert self.driver_id
        return Path(self.config.data_dir) / f"driver-{self.driver_id}" / "offsets.sqlite3"

    def start(self) -> None:
        """Create the producer and the notifications consumer (after login). Never blocks on Kafka."""
        from ev_common.kafka.consumer import ResilientConsumer
        from ev_common.kafka.offsets import OffsetStore
        from ev_common.kafka.producer import ReliableProducer

        if not self.login_result:
            raise RuntimeError("login() before start()")
        if self._producer is not None:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        client = f"driver-{self.driver_id}"
        self._producer = ReliableProducer(self.config.bootstrap_servers, self.outbox_path(),
                                          client_id=client)
        self._producer.add_status_listener(self._on_producer_status)
        self._offsets = OffsetStore(self.offsets_path())
        self._not_before = self._offsets.created_at - HISTORY_MARGIN_S
        self._consumer = ResilientConsumer(
            self.config.bootstrap_servers, [self.topics.driver_notifications],
            group_id=None, client_id=client, on_batch=self._on_batch,
            start_from="earliest", offset_store=self._offsets)
        self._consumer.start()
        if self.session is not None and self.session.usable and self._renewal is None:
            self._renewal = self._loop.create_task(self.session.run())
        log.info("driver=%s started (positions %s, outbox %s, %d queued)", self.driver_id,
                 self.offsets_path(), self.outbox_path(), self._producer.queued)

    def lag(self) -> int | None:
        """Notifications for this driver not read yet (None while unknown or not started)."""
        consumer = self._consumer
        return consumer.lag() if consumer is not None else None

    def link_status(self) -> ProducerStatus | None:
        return self._producer.status() if self._producer else None

    def request_charge(self, cp_id: str | None = None) -> str:
        """Ask for a supply at *cp_id* (None: any free CP). Durable on return; emits RequestQueued."""
        if self._producer is None or not self.login_result:
            raise RuntimeError("start() before request_charge()")
        request_id = contract.new_id()
        body = ChargeRequested(driver_id=self.login_result.driver_id, request_id=request_id, cp_id=cp_id or None)
        self._producer.send(self.topics.driver_requests, self._signed(body))
        state = self._producer.status().state
        log.info("driver=%s request=%s cp=%s queued (kafka %s)", self.driver_id, request_id,
                 cp_id or "*", state.value)
        self._post(RequestQueued(request_id, cp_id or None, state, time.time()))
        return request_id

    def cancel(self, session_id: str) -> None:
        """Give up a reservation not yet turned into a supply (durable); emits
        ReservationCancelled (Central does not answer a cancel)."""
        if self._producer is None or not self.login_result:
            raise RuntimeError("start() before cancel()")
        body = ChargeCancelled(driver_id=self.login_result.driver_id, session_id=session_id)
        self._producer.send(self.topics.driver_requests, self._signed(body))
        log.info("driver=%s session=%s cancel queued", self.driver_id, session_id)
        cp_id = self.tracker.cp_id if self.tracker and self.tracker.session_id == session_id else None
        self._post(ReservationCancelled(session_id, cp_id))

    async def logout(self) -> None:
        """"Cerrar sesión": Central revokes the session (LOGOUT), then :meth:`close`. Requests
        still in the outbox are refused by Central from now on (the driver signed out)."""
        if self.session is not None:
            await self.session.logout()
        await self.close()

    async def close(self, flush_timeout: float = 2.0) -> None:
        """Stop consuming; give pending sends a moment; the rest stays in the outbox."""
        self._closed = True
        if self._renewal is not None:
            self._renewal.cancel()
            self._renewal = None
        consumer, producer = self._consumer, self._producer
        self._consumer = self._producer = None
        loop = asyncio.get_running_loop()
        if consumer is not None:
            await loop.run_in_executor(None, consumer.stop)
        if self._offsets is not None:
            self._offsets.close()
            self._offsets = None
        if producer is not None:
            def _finish() -> None:
                if producer.queued and producer.status().state == LinkState.CONNECTED:
                    producer.flush(flush_timeout)
                producer.close()
            await loop.run_in_executor(None, _finish)

    # ------------------------------------------------------------------ internals
    def _source(self) -> str:
        return f"driver-{self.driver_id}"

    def _signed(self, body: contract.Payload) -> contract.Envelope:
        """The envelope of a request, MAC'd with the session key (no token in the message)."""
        env = contract.envelope(body, source=self._source())
        if self.session is not None and self.session.usable:
            return self.session.sign(env, msgauth.DRIVER_REQUEST)
        log.warning("driver=%s: Central gave no session key; the request goes unsigned and will be refused",
                    self.driver_id)
        return env

    def _post(self, event: DriverEvent) -> None:
        """Hand *event* to the loop thread (safe from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._emit, event)
        except RuntimeError:  # loop closed meanwhile
            pass

    def _emit(self, event: DriverEvent) -> None:
        if self.tracker is not None:
            self.tracker.apply(event)
        for cb in list(self._listeners):
            try:
                cb(event)
            except Exception:  # a broken view must not stop the core
                log.exception("driver event listener %r failed on %s", cb, type(event).__name__)

    def _on_producer_status(self, status: ProducerStatus) -> None:
        self._post(LinkChanged(status))

    def _first_time(self, msg_id: str) -> bool:
        with self._seen_lock:
            if msg_id in self._seen_ids:
                return False
            self._seen_ids[msg_id] = None
            if len(self._seen_ids) > 10_000:
                self._seen_ids.popitem(last=False)
            return True

    def _on_batch(self, deliveries: list[Any]) -> None:
        """Consumer thread: keep this driver's notifications, hand them to the loop and wait
        until it handled them (the read position is saved when this returns)."""
        if self._closed or self._loop is None or self._loop.is_closed():
            # not handled: raising keeps the offsets uncommitted, the next start re-reads them
            raise RetryLater("driver core closing; notifications left for the next start")
        mine: list[Notification] = []
        for d in deliveries:
            body = d.envelope.body
            if (isinstance(body, NOTIFICATION_TYPES) and body.driver_id == self.driver_id
                    and d.envelope.ts >= self._not_before and self._first_time(d.envelope.id)):
                mine.append(body)
        if not mine:
            return
        done = threading.Event()

        def handle() -> None:
            try:
                for body in mine:
                    log.debug("driver=%s <- %s", self.driver_id, body)
                    self._emit(body)
            finally:
                done.set()

        try:
            self._loop.call_soon_threadsafe(handle)
        except RuntimeError as exc:  # the loop closed meanwhile: leave them for the next start
            raise RetryLater(f"driver core closed ({exc})") from exc
        if not done.wait(HANDOFF_TIMEOUT_S):
            log.warning("driver=%s: loop busy, %d notification(s) handed off without waiting",
                        self.driver_id, len(mine))
