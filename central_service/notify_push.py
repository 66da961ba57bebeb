"""Driver notifications pushed on the drivers' own socket links (``WATCH``), beside Kafka.

Why (issue 14): a driver waits for Central's answer to a request. Over Kafka that answer
makes one more broker hop after Central has decided — produce, the broker's log, the driver's
fetch — the biggest segment of the idle exchange (5.5 of ~13 ms in the segment profile) and
one that no client-side change shortened on a 2-core machine. A driver app that holds a
``WATCH`` link gets the same sealed envelope the moment its decision is committed.

What it is not: a second source of truth. Kafka still carries every notification, in order,
durably; the link is best effort — nothing is queued for a driver without a link, a link that
does not keep up is dropped, and the app deduplicates by envelope id (the same committed bytes
travel both ways), so whichever copy comes first is shown and the other is ignored. The
envelopes are the sealed ones (``ev_common.notify_crypto``): the link adds speed, not trust —
the app opens them with its notification key exactly as it opens Kafka's.

Lifetime of a link: opened by ``WATCH#<session_id>#<token>`` (a live driver session and that
session's current token); Central sends ``PING`` every ``ping_interval_s`` when it has nothing
else to say, so both sides notice a dead peer; the link ends (``BYE#session_ended``) as soon
as the session is signed out or expires, and is cut when the peer has not answered for
``SILENT_PINGS`` ping intervals while frames wait for its ACK (a peer gone without a word — a
cut cable sends no RST), leaves ``MAX_UNACKED`` frames unacknowledged, or lets
``MAX_BUFFERED`` bytes pile up in Central's send buffer (it does not read). At most ``max_links_per_driver`` links per driver (a driver
may use two apps); a new one beyond that replaces the oldest.

Everything here runs on Central's loop thread (the socket server's and the effect relay's).
"""
from __future__ import annotations

import asyncio
import base64
import logging
from collections import Counter
from collections.abc import Callable, Iterable

from ev_common import contract as c
from ev_common.framing import ACK, NACK, BadFrame, FramedStream, FrameError

log = logging.getLogger("central.push")

MAX_UNACKED = 64          # frames sent and not ACKed: a peer that stopped reading is cut
SILENT_PINGS = 3          # ping intervals without a byte from a peer that owes ACKs: gone
MAX_BUFFERED = 256 * 1024  # bytes waiting in Central's send buffer for one link


class _Link:
    def __init__(self, stream: FramedStream, driver_id: str, alive: Callable[[], bool]) -> None:
        self.stream = stream
        self.driver_id = driver_id
        self.alive = alive  # the session is still signed in and valid
        self.unacked = 0
        self.closed = False
        self.last_heard = 0.0  # loop time of the peer's last byte (set when the link opens)


class NotificationPush:
    """The open ``WATCH`` links by driver; :meth:`deliver` pushes committed notifications."""

    def __init__(self, counters: Counter[str], *, ping_interval_s: float = 5.0,
                 max_links_per_driver: int = 4) -> None:
        self.counters = counters
        self.ping_interval_s = ping_interval_s
        self.max_links_per_driver = max_links_per_driver
        self._links: dict[str, list[_Link]] = {}

    def links(self, driver_id: str | None = None) -> int:
        """Open links (of *driver_id*, or in all)."""
        if driver_id is not None:
            return len(self._links.get(driver_id, ()))
        return sum(len(v) for v in self._links.values())

    # ------------------------------------------------------------------ pushing
    def deliver(self, envelopes: Iterable[c.Envelope]) -> None:
        """Push each driver notification to its driver's links (called with the committed,
        sealed envelopes as the relay hands them to Kafka — never before their commit)."""
        if not self._links:
            return
        for env in envelopes:
            links = self._links.get(env.key)
            if not links:
                continue
            fields = ["NOTE", base64.b64encode(c.encode(env)).decode("ascii")]
            for link in list(links):
                if self._send(link, fields):
                    self.counters["push_sent"] += 1

    def _send(self, link: _Link, fields: list[str]) -> bool:
        """Write one frame on *link*; False when it was not written (and why is handled)."""
        if link.closed:
            return False
        if not link.alive():
            self._end(link, "session_ended")
            return False
        if link.unacked >= MAX_UNACKED:
            self._cut(link, f"{link.unacked} frames not acknowledged")
            return False
        try:
            buffered = link.stream.push_frame(fields)
        except (ValueError, ConnectionError, OSError) as exc:  # too large to frame / link gone
            self.counters["push_failed"] += 1
            log.info("push to driver=%s not sent: %s", link.driver_id, exc)
            return False
        link.unacked += 1
        if buffered > MAX_BUFFERED:
            self._cut(link, f"{buffered} bytes unread")
        return True

    def _end(self, link: _Link, reason: str) -> None:
        """Tell the app why (it stops asking until it signs in again), then close."""
        try:
            link.stream.push_frame(["BYE", reason])
        except (ValueError, ConnectionError, OSError):
            pass
        self.counters["push_links_ended"] += 1
        self._close(link)

    def _cut(self, link: _Link, why: str) -> None:
        self.counters["push_links_cut"] += 1
        log.warning("push link of driver=%s cut: %s", link.driver_id, why)
        self._close(link, abort=True)  # it does not read or answer: a polite close would wait on it

    def _close(self, link: _Link, abort: bool = False) -> None:
        if link.closed:
            return
        link.closed = True
        if abort:
            link.stream.writer.transport.abort()
        else:
            link.stream.writer.close()
        links = self._links.get(link.driver_id, [])
        if link in links:
            links.remove(link)
        if not links:
            self._links.pop(link.driver_id, None)

    # ------------------------------------------------------------------ serving one link
    async def serve(self, stream: FramedStream, driver_id: str, alive: Callable[[], bool]) -> None:
        """Hold a ``WATCH`` link until it ends: count the app's ACKs, ping it when idle, end it
        with the session. Returns when the link is closed (the caller closes the stream)."""
        loop = asyncio.get_running_loop()
        link = _Link(stream, driver_id, alive)
        link.last_heard = loop.time()
        links = self._links.setdefault(driver_id, [])
        while len(links) >= self.max_links_per_driver:
            self.counters["push_links_replaced"] += 1
            self._close(links[0])
            links = self._links.setdefault(driver_id, [])
        links.append(link)
        self.counters["push_links_opened"] += 1
        log.info("push link of driver=%s open (%d for this driver)", driver_id, len(links))
        try:
            while not link.closed:
                item = await stream.read_item(self.ping_interval_s)
                if item is None:  # quiet: is the session still valid, is the app still there?
                    silent_s = loop.time() - link.last_heard
                    if link.unacked and silent_s >= SILENT_PINGS * self.ping_interval_s:
                        self._cut(link, f"no answer for {silent_s:.0f} s")
                    elif self._send(link, ["PING"]):
                        self.counters["push_pings"] += 1
                    continue
                link.last_heard = loop.time()
                if item == ACK:
                    link.unacked = max(0, link.unacked - 1)
                elif item == NACK:  # a frame damaged on the way: the Kafka copy still comes
                    link.unacked = max(0, link.unacked - 1)
                    self.counters["push_nacked"] += 1
                elif isinstance(item, BadFrame):  # line noise: NACKed like on any link
                    self.counters["bad_frames"] += 1
                    await stream.send_control(NACK)
                else:  # the app sends nothing on this link but ACKs
                    self.counters["push_unexpected"] += 1
                    self._cut(link, "the app sent a request on its push link")
        except (FrameError, ConnectionError, OSError):
            pass  # the app closed the link (or it broke)
        finally:
            self._close(link)
            log.info("push link of driver=%s closed", driver_id)
