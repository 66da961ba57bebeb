"""DriverCore: one logged-in driver talking to the system (no Qt; used by ev-driver and ev-desktop).

* ``await login()`` asks Central over the framed socket for a token;
* ``start()`` creates the durable :class:`ReliableProducer` (outbox in
  ``<data_dir>/driver-<id>/outbox.sqlite3``) and a :class:`ResilientConsumer` on the driver
  notifications topic. The app reads alone, so it uses no consumer group: it assigns every
  partition itself and keeps its read positions in ``<data_dir>/driver-<id>/offsets.sqlite3``
  (see :mod:`ev_common.kafka.offsets` for why) — a restarted app receives what it missed (e.g.
  the ticket of a supply that ended while it was closed). Notifications are sealed per driver:
  :class:`~.notify_reader.NotificationGate` opens this driver's with the key of its login and
  refuses (counts, logs) anything else addressed to it. A brand-new installation skips
  notifications older than an hour before its first start instead of replaying the driver's
  whole history;
* a ``WATCH`` link to Central (:mod:`.notify_link`) brings Central's *answers* (authorized /
  denied) the moment they are committed, without the Kafka hop back — the longest part of a
  request's wait (issue 14). Only answers are taken from it: each is the first notification
  about its request, so taking it early cannot put anything out of order; every other
  notification, and every answer too, still comes through Kafka, in order, and the copy that
  comes second is ignored (same envelope id). With the link down nothing changes but speed;
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
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ev_common import contract, msgauth
from ev_common.contract import ChargeCancelled, ChargeRequested
from ev_common.kafka.consumer import RetryLater
from ev_common.kafka.status import LinkState, ProducerStatus
from ev_common.notify_crypto import NotifyKey
from ev_common.tasks import cancel_and_wait
from ev_common.tls_links import LinkTLS
from ev_common.topics import Topics

from .central_client import CentralClient, LoginError, LoginResult
from .events import (NOTIFICATION_TYPES, DriverEvent, LinkChanged, Notification, OutboxSetAside,
                     RequestCancelled, RequestNotSaved, RequestQueued, ReservationCancelled, StopRequested,
                     SupplyResumed)
from .notify_link import NotificationLink, Pushed
from .notify_reader import NotificationGate
from .session_keeper import SessionKeeper
from .tracker import SupplyPhase, SupplyTracker

__all__ = ["DriverConfig", "DriverCore", "LoginError", "LoginResult", "RequestQueued",
           "RequestNotSaved", "OutboxSetAside",
           "ReservationCancelled", "LinkChanged", "DriverEvent", "SupplyTracker", "SupplyPhase"]

log = logging.getLogger(__name__)

EventCallback = Callable[[DriverEvent], None]
HANDOFF_TIMEOUT_S = 10.0
# what the WATCH link may show: answers, the first notification about a request
LINK_TYPES = (contract.ChargeAuthorized, contract.ChargeDenied)
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
    central_tls: LinkTLS = field(default_factory=LinkTLS.from_env)
    central_fallbacks: tuple[tuple[str, int], ...] = ()  # standby Centrals, tried in turn
    # Central's answers also over a WATCH link (notify_link.py); off: Kafka only (env
    # EV_DRIVER_PUSH_LINK=0; the latency benchmark measures both)
    push_link: bool = field(default_factory=lambda: os.environ.get("EV_DRIVER_PUSH_LINK", "1") != "0")

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def central(self) -> str:
        return f"{self.central_host}:{self.central_port}"


class DriverCore:
    def __init__(self, config: DriverConfig, on_event: EventCallback | None = None, *,
                 loop: asyncio.AbstractEventLoop | None = None,
                 clock: Callable[[], float] = time.time,
                 on_central_answer: Callable[[tuple[str, int]], None] | None = None) -> None:
        """*on_central_answer*: told the address of each Central that answered a socket call
        (the status bar names the one in use)."""
        self.config = config
        self.topics = config.topics
        self._listeners: list[EventCallback] = [on_event] if on_event else []
        self._loop = loop
        self._central = CentralClient(config.central_host, config.central_port,
                                      config.central_timeout_s, config.central_tls,
                                      fallbacks=config.central_fallbacks, on_answer=on_central_answer)
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
        self._gate: NotificationGate | None = None  # opens this driver's sealed notifications
        self._link: NotificationLink | None = None  # Central's answers without the Kafka hop
        self._link_task: asyncio.Task | None = None
        self.answers_by_link = 0  # answers shown from the link (the Kafka copy came second)

    # ------------------------------------------------------------------ identity
    @property
    def central_link_secure(self) -> bool:
        """The socket link to Central is TLS-verified (False only with --plaintext-socket)."""
        return self._central.secure

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
        if self.started:
            self._start_link()  # a link ended with the last session: open it for this one
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
                                          client_id=client, send_while_syncing=True)
        self._producer.add_status_listener(self._on_producer_status)
        if self._producer.outbox_set_aside is not None:
            log.warning("driver=%s outbox was corrupt: set aside as %s", self.driver_id,
                        self._producer.outbox_set_aside)
            self._post(OutboxSetAside(self._producer.outbox_set_aside))
        self._gate = NotificationGate(self.driver_id, self._notify_key,
                                      self.offsets_path().with_name("dead-letters.jsonl"))
        self._offsets = OffsetStore(self.offsets_path())
        self._not_before = self._offsets.created_at - HISTORY_MARGIN_S
        self._consumer = ResilientConsumer(
            self.config.bootstrap_servers, [self.topics.driver_notifications],
            group_id=None, client_id=client, on_batch=self._on_batch,
            start_from="earliest", offset_store=self._offsets)
        self._consumer.start()
        if self.session is not None and self.session.usable and self._renewal is None:
            self._renewal = self._loop.create_task(self.session.run())
        self._start_link()
        log.info("driver=%s started (positions %s, outbox %s, %d queued)", self.driver_id,
                 self.offsets_path(), self.outbox_path(), self._producer.queued)

    # ------------------------------------------------------------------ WATCH link
    def _start_link(self) -> None:
        """Open the WATCH link (idempotent; on the loop thread)."""
        if not self.config.push_link or self._loop is None or self._closed:
            return
        if self._link_task is not None and not self._link_task.done():
            return
        if self._link is None:
            self._link = NotificationLink(self._central, self._link_credentials, self._on_pushed)
        self._link_task = self._loop.create_task(self._link.run(), name=f"push-link-{self.driver_id}")

    @property
    def push_link_up(self) -> bool:
        """The WATCH link is open (answers arrive without the Kafka hop)."""
        return self._link is not None and self._link.connected

    def _link_credentials(self) -> tuple[str, str] | None:
        s = self.session
        if s is None or not s.usable or s.lost:
            return None
        return s.session_id, s.token

    def _on_pushed(self, env: contract.Envelope) -> None:
        """Loop thread: an envelope Central pushed on the link. Opened by the same gate as
        Kafka's records; shown only when it is an answer to this driver seen for the first time
        (see the module docstring for why only answers)."""
        gate = self._gate
        if gate is None or self._closed or env.ts < self._not_before:
            return
        for opened in gate.open([Pushed(opened_from=env)]):
            body = opened.body
            if (isinstance(body, LINK_TYPES) and body.driver_id == self.driver_id
                    and self._first_time(opened.id)):
                self.answers_by_link += 1
                log.debug("driver=%s <- (link) %s", self.driver_id, body)
                self._emit(body, opened.ts)

    def _notify_key(self) -> NotifyKey | None:
        return self.login_result.notify_key if self.login_result else None

    @property
    def refused_notifications(self) -> dict[str, int]:
        """Notifications for this driver refused (not shown), by reason: ``forged``,
        ``other_key`` (e.g. under the key before a rotation), ``unsealed``, ``bad_content``…"""
        return dict(self._gate.refused) if self._gate is not None else {}

    def lag(self) -> int | None:
        """Notifications for this driver not read yet (None while unknown or not started)."""
        consumer = self._consumer
        return consumer.lag() if consumer is not None else None

    def link_status(self) -> ProducerStatus | None:
        return self._producer.status() if self._producer else None

    def request_charge(self, cp_id: str | None = None) -> str:
        """Ask for a supply at *cp_id* (None: any free CP). Durable on return; emits RequestQueued.
        Raises :class:`RequestNotSaved` (nothing queued, nothing will be sent) when the request
        cannot be written to disk (disk full, outbox cap): the caller tells the user."""
        from ev_common.kafka.outbox import OutboxRefused

        if self._producer is None or not self.login_result:
            raise RuntimeError("start() before request_charge()")
        request_id = contract.new_id()
        body = ChargeRequested(driver_id=self.login_result.driver_id, request_id=request_id, cp_id=cp_id or None)
        try:
            self._producer.send(self.topics.driver_requests, self._signed(body))
        except OutboxRefused as exc:
            log.error("driver=%s request for cp=%s NOT saved (%s): %s", self.driver_id, cp_id or "*",
                      exc.code, exc.detail)
            raise RequestNotSaved(exc.code, exc.queued, exc.detail) from exc
        state = self._producer.status().state
        log.info("driver=%s request=%s cp=%s queued (kafka %s)", self.driver_id, request_id,
                 cp_id or "*", state.value)
        self._emit_in_order(RequestQueued(request_id, cp_id or None, state, time.time()))
        return request_id

    def cancel(self, session_id: str) -> None:
        """Give up a reservation not yet turned into a supply (durable); emits
        ReservationCancelled (Central does not answer a cancel)."""
        self._send_cancel(session_id=session_id)
        log.info("driver=%s session=%s cancel queued", self.driver_id, session_id)
        cp_id = self.tracker.cp_id if self.tracker and self.tracker.session_id == session_id else None
        self._emit_in_order(ReservationCancelled(session_id, cp_id))

    async def logout(self) -> None:
        """"Cerrar sesión": Central revokes the session (LOGOUT), then :meth:`close`. Requests
        still in the outbox are refused by Central from now on (the driver signed out)."""
        if self.session is not None:
            await self.session.logout()
        await self.close()

    def cancel_request(self, request_id: str) -> None:
        """Withdraw a request Central has not answered yet (durable): Central undoes whatever it
        decides for it — requests and cancels share the driver's partition, so it is decided first."""
        self._send_cancel(request_id=request_id)
        log.info("driver=%s request=%s cancel queued", self.driver_id, request_id)
        cp_id = self.tracker.requested_cp if self.tracker and self.tracker.request_id == request_id else None
        self._emit_in_order(RequestCancelled(request_id, cp_id))

    def stop_supply(self, session_id: str) -> None:
        """Ask Central to stop the running supply (durable); the Engine ends it, the ticket follows."""
        self._send_cancel(session_id=session_id)
        log.info("driver=%s session=%s stop queued", self.driver_id, session_id)
        cp_id = self.tracker.cp_id if self.tracker and self.tracker.session_id == session_id else None
        self._emit_in_order(StopRequested(session_id, cp_id))

    def cancel_current(self) -> str | None:
        """Undo whatever applies to the tracker's current request/supply (see
        ``SupplyTracker.can_cancel``); returns what was undone, None when nothing applies."""
        t = self.tracker
        what = t.can_cancel if t is not None else None
        if what == "request":
            self.cancel_request(t.request_id)  # type: ignore[union-attr,arg-type]
        elif what == "reservation":
            self.cancel(t.session_id)  # type: ignore[union-attr,arg-type]
        elif what == "supply":
            self.stop_supply(t.session_id)  # type: ignore[union-attr,arg-type]
        return what

    def _send_cancel(self, *, session_id: str = "", request_id: str | None = None) -> None:
        if self._producer is None or not self.login_result:
            raise RuntimeError("start() before cancelling")
        from ev_common.kafka.outbox import OutboxRefused

        body = ChargeCancelled(driver_id=self.login_result.driver_id, session_id=session_id,
                               request_id=request_id)
        try:
            self._producer.send(self.topics.driver_requests, self._signed(body))
        except OutboxRefused as exc:  # not on disk: the caller tells the user (a reservation expires anyway)
            log.error("driver=%s cancel of session=%s request=%s NOT saved (%s)", self.driver_id,
                      session_id or "-", request_id or "-", exc.code)
            raise RequestNotSaved(exc.code, exc.queued, exc.detail) from exc

    async def resume_open_supply(self) -> SupplyResumed | None:
        """Ask Central (socket HISTORY) whether this driver already holds a reservation or a
        running supply — an app restarted mid-supply shows it, with its stop button, instead of
        offering a request Central would deny. None when nothing is open or Central is silent."""
        try:
            rows = await self.history()
        except Exception as exc:  # noqa: BLE001 - best effort: the notifications will tell anyway
            log.info("driver=%s: open supply not checked (%s)", self.driver_id, exc)
            return None
        for row in rows:
            if row.get("status") in ("reserved", "charging"):
                ev = SupplyResumed(str(row["session_id"]), str(row["cp_id"]), str(row["status"]),
                                   row.get("started_at"), float(row.get("kwh") or 0.0),
                                   float(row.get("eur") or 0.0), row.get("price_eur_kwh"))
                log.info("driver=%s has an open supply session=%s cp=%s (%s)", self.driver_id,
                         ev.session_id, ev.cp_id, ev.status)
                self._emit(ev)
                return ev
        return None

    async def close(self, flush_timeout: float = 2.0, link_timeout: float = 3.0) -> None:
        """Stop consuming; give pending sends a moment; the rest stays in the outbox.

        The consumer is stopped whatever the other tasks do: a WATCH link or a renewal that
        does not end within *link_timeout* is logged and left behind (the process exits
        anyway) — never waited on while the consumer retries "driver core closing" forever."""
        self._closed = True
        if self._link is not None:
            self._link.stop()
        tasks = [t for t in (self._renewal, self._link_task) if t is not None]
        self._renewal = self._link_task = None
        await cancel_and_wait(tasks, link_timeout, owner=f"driver={self.driver_id}")
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

    def _emit_in_order(self, event: DriverEvent) -> None:
        """Apply the event of a user's own action (request, cancel, stop) *now* when called on
        the loop thread, before anything Central says about it.

        Why not :meth:`_post`: the message is already on its way while ``send()`` waits for the
        disk (send-while-fsync), so Central's answer can reach the consumer thread — and be
        queued on the loop — before ``send()`` returns. Posted after it, ``RequestQueued`` would
        be applied after the answer and reset the tracker: the authorization (or denial) lost,
        the supply's ticket taken for an earlier one's, and the driver waiting for an answer it
        already had. From another thread it is posted as before."""
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._emit(event)
        else:
            self._post(event)

    def _emit(self, event: DriverEvent, sent_at: float | None = None) -> None:
        if self.tracker is not None:
            self.tracker.apply(event, sent_at=sent_at)
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
        mine: list[tuple[Notification, float]] = []
        gate = self._gate
        # older than this installation's history margin: skipped unread (a new installation would
        # otherwise count every old notification sealed under a key from before a rotation)
        recent = [d for d in deliveries if d.envelope.ts >= self._not_before]
        for env in (gate.open(recent) if gate is not None else ()):
            body = env.body
            if (isinstance(body, NOTIFICATION_TYPES) and body.driver_id == self.driver_id
                    and self._first_time(env.id)):
                mine.append((body, env.ts))
        if not mine:
            return
        done = threading.Event()

        def handle() -> None:
            try:
                for body, sent_at in mine:
                    log.debug("driver=%s <- %s", self.driver_id, body)
                    self._emit(body, sent_at)
            finally:
                done.set()

        try:
            self._loop.call_soon_threadsafe(handle)
        except RuntimeError as exc:  # the loop closed meanwhile: leave them for the next start
            raise RetryLater(f"driver core closed ({exc})") from exc
        if not done.wait(HANDOFF_TIMEOUT_S):
            log.warning("driver=%s: loop busy, %d notification(s) handed off without waiting",
                        self.driver_id, len(mine))
