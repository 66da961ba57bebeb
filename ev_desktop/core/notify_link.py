"""The driver app's ``WATCH`` link: Central's answers without waiting for the Kafka hop.

Central pushes each of this driver's notifications on this link the moment its decision is
committed (``central_service.notify_push`` says why). The link is an extra, faster way, never
the only one: every notification also comes through Kafka, and :class:`~.driver.DriverCore`
shows whichever copy comes first (same envelope id) and ignores the other. So the link may
drop at any moment — Central restarting, a network cut, a failover — and nothing is lost; the
app re-opens it (backing off from ``retry_min_s`` to ``retry_max_s``) for as long as it has a
session, following the Central in use (the client's rotation).

A frame Central pushes that does not decode is counted (``bad``) and ACKed away; what decodes
goes through the same gate as Kafka's records (sealed under this driver's key, or refused), so
whoever can reach the app's socket cannot show the driver anything it would not show anyway.
``BYE`` means the session is over: the link is not re-opened until the app signs in again.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ev_common import contract as c
from ev_common.framing import ACK, NACK, BadFrame, FrameError, FramedStream

from .central_client import CentralClient, LoginError

log = logging.getLogger(__name__)

MISSED_PINGS = 3.0  # this many ping intervals without a frame: Central is gone, re-open


@dataclass(frozen=True)
class Pushed:
    """A pushed envelope, shaped like a Kafka delivery for the notification gate, which opens
    both the same way (its refusal log names the link as the topic)."""

    opened_from: c.Envelope
    topic: str = "push-link"
    partition: int | None = None
    offset: int | None = None

    @property
    def envelope(self) -> c.Envelope:
        return self.opened_from


class NotificationLink:
    """``await run()`` keeps the link open until :meth:`stop`, a cancel, or the session ends."""

    def __init__(self, client: CentralClient, credentials: Callable[[], tuple[str, str] | None],
                 on_envelope: Callable[[c.Envelope], None], *, retry_min_s: float = 0.5,
                 retry_max_s: float = 10.0,
                 on_state: Callable[[bool], None] | None = None) -> None:
        """*credentials*: the current (session id, token) — read at every (re)connection, since
        renewals change the token — or None (no session: the link stops). *on_envelope*: each
        pushed envelope, decoded, on the loop thread. *on_state*: told when the link opens
        (True) and closes (False)."""
        self._client = client
        self._credentials = credentials
        self._on_envelope = on_envelope
        self.retry_min_s = retry_min_s
        self.retry_max_s = retry_max_s
        self._on_state = on_state
        self.connected = False
        self.received = 0   # notifications pushed and handed on
        self.bad = 0        # frames that did not decode (ACKed away; Kafka brings the real one)
        self.openings = 0   # links opened
        self._stopping = False
        self._stream: FramedStream | None = None

    def stop(self) -> None:
        """End :meth:`run` for good, whatever it is awaiting (on the loop thread).

        A cancel alone is not enough: on Python 3.11 a cancel arriving as a frame does is
        swallowed by ``wait_for`` (:mod:`ev_common.tasks` says how), and the link would read
        on. The flag is checked after every frame and before every (re)opening, and the open
        socket is aborted, so a read in progress ends now rather than at the next ping."""
        self._stopping = True
        stream = self._stream
        if stream is not None:
            stream.writer.transport.abort()

    async def run(self) -> None:
        delay = self.retry_min_s
        while not self._stopping:
            creds = self._credentials()
            if creds is None or not all(creds):
                log.info("push link: no session, not opened")
                return
            try:
                stream, ping_s = await self._client.watch(*creds)
            except LoginError as exc:
                log.info("push link to central %s:%s not open (%s: %s); retrying in %.1f s",
                         self._client.host, self._client.port, exc.code, exc.message, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
                continue
            except Exception:  # noqa: BLE001 - a bug here must not end the link for good
                log.exception("push link: opening failed unexpectedly; retrying in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
                continue
            if self._stopping:  # stopped while it opened
                await stream.close()
                return
            delay = self.retry_min_s
            self.openings += 1
            self._stream = stream
            self._set(True)
            try:
                ended = await self._read(stream, max(ping_s, 0.1) * MISSED_PINGS)
            finally:
                self._stream = None
                self._set(False)
                await stream.close()
            if self._stopping:
                log.info("push link: closed by the app")
                return
            if ended:
                log.info("push link: Central ended it (session over); not re-opened until the next sign-in")
                return
            await asyncio.sleep(self.retry_min_s)

    async def _read(self, stream: FramedStream, silence_s: float) -> bool:
        """Serve one open link; True when Central ended it (``BYE``), False when it broke."""
        try:
            while not self._stopping:
                item = await stream.read_item(silence_s)
                if item is None:
                    log.warning("push link: nothing from Central in %.0f s; re-opening", silence_s)
                    return False
                if isinstance(item, bytes):
                    continue  # a stray control byte: nothing to answer
                if isinstance(item, BadFrame):
                    self.bad += 1
                    await stream.send_control(NACK)
                    continue
                fields = item.fields
                if fields[0] == "NOTE" and len(fields) == 2:
                    self._deliver(fields[1])
                elif fields[0] == "BYE":
                    await stream.send_control(ACK)
                    return True
                elif fields[0] != "PING":
                    self.bad += 1
                    log.info("push link: unknown frame %r ignored", fields[0][:40])
                await stream.send_control(ACK)
            return False  # stopped
        except (FrameError, ConnectionError, OSError) as exc:
            log.info("push link closed: %s", exc)
            return False

    def _deliver(self, blob: str) -> None:
        try:
            env = c.decode(base64.b64decode(blob, validate=True))
        except (binascii.Error, ValueError) as exc:  # ContractError is a ValueError
            self.bad += 1
            log.warning("push link: a frame that is not an envelope ignored (%s)", str(exc)[:200])
            return
        self.received += 1
        try:
            self._on_envelope(env)
        except Exception:  # noqa: BLE001 - a consumer's bug must not close the link
            log.exception("push link: handling envelope %s failed", env.id[:64])

    def _set(self, up: bool) -> None:
        self.connected = up
        if self._on_state is not None:
            try:
                self._on_state(up)
            except Exception:  # noqa: BLE001
                log.exception("push link state listener failed")
