"""The reliable producer's ordinary delivery path: several batches in flight (a mixin).

Why: one batch at a time, the worker handed a batch to the Kafka client, waited for every
acknowledgement, deleted the rows, read the next ones and only then sent again — the broker
sat idle during the worker's own round, and an answer relayed meanwhile waited for the whole
batch in flight *and* that round before it went out (issue 14: Central's leg ~2× a bare hop
under load). Now the worker keeps a *window* of rows handed to the client and not yet
acknowledged (at most ``max_unacked_rows`` rows in :data:`BATCHES_IN_FLIGHT` batches of at
most ``batch_size``): new rows
are read (``Outbox.pending(after_id=...)``) and handed over as soon as they are committed,
while earlier ones are still on their way; the worker sleeps on one event that both a
``send()`` and every acknowledgement set. It reads only when something was committed since
its last read (``Outbox.generation``) or that read was cut short by its limit: a read takes
the outbox lock, which a commit holds through its fsync, so a read after every ack made the
worker and the writers wait on each other.

What does not change (the guarantees):

* **order**: rows are handed to the client in outbox (id) order; the idempotent client keeps
  per-partition order with up to 5 requests in flight per connection, as it already did
  inside one large batch;
* **durability**: a row leaves the outbox only once acknowledged (acks=all), taken from the
  head of the window in id order; an error on a row *blocks* its (topic, key): later rows of
  that key are kept even if acknowledged, and are resent after it once the client is rebuilt
  (per-key order on resend, at-least-once with the same envelope ids — as before);
* after the first error nothing new is handed over; the rows in flight are settled (or the
  client is given up as stuck) and the error is raised to the worker, which rebuilds.

Ending the linger: rows handed over while the window is open must go out at once (the next
batch should queue at the broker behind the previous one, not wait ``linger_ms``), but
``KafkaProducer.flush()`` blocks until every record is acknowledged — which is what this
module avoids. So, once a batch is handed over completely, the window raises the client's
"flush in progress" counter (the one ``flush()`` raises: every queued record is sendable at
once) without waiting, and lowers it again right before handing over the next batch — so a
batch still goes out in as few produce requests as possible (the records of a batch handed
over while the counter was up would trickle out in small requests, one at a time per
connection at the broker).

Shares the state of :class:`~ev_common.kafka.producer.ReliableProducer` (its ``__init__``).
"""
from __future__ import annotations

import time
from collections import deque

from kafka import errors as kerr

from ev_common.kafka.outbox import OutboxRow
from ev_common.kafka.producer_errors import PERMANENT as _PERMANENT
from ev_common.kafka.record_handoff import RecordHandoff
from ev_common.kafka.status import LinkState


# Batches handed over and not yet fully acknowledged. Two: the next batch goes out while the
# broker answers the previous one; rows committed meanwhile gather into the batch after
# (bigger batches, fewer requests, acks and deletions: with a new batch after every commit,
# 32 concurrent writers got 15-35 % fewer events/s through in alternating A/B pairs).
BATCHES_IN_FLIGHT = 2


class _Hurry:
    """Keeps one flush "in progress" on a kafka-python client while rows are in flight (see
    the module docstring): records handed over then are sent without waiting for the linger.

    Uses the accumulator's flush counter (kafka-python 3.0.x ``RecordAccumulator``); with a
    client without it, falls back to ``flush(timeout=0)``, which only ends the linger of the
    records queued so far."""

    def __init__(self, kp) -> None:
        self._kp = kp
        acc = getattr(kp, "_accumulator", None)
        self._acc = acc if hasattr(acc, "begin_flush") and hasattr(acc, "_flushes_in_progress") else None
        self._held = False

    def now(self) -> None:
        """Everything handed over so far (and until :meth:`release`) goes out at once."""
        if self._acc is None:
            try:
                self._kp.flush(timeout=0)
            except kerr.KafkaError:
                pass
            return
        if not self._held:
            self._acc.begin_flush()
            self._held = True
        self._kp._sender.wakeup()  # noqa: SLF001 - the same wake-up flush() does

    def release(self) -> None:
        if self._held:
            self._acc._flushes_in_progress.decrement()  # noqa: SLF001 - as flush() does when done
            self._held = False


# How long push_out waits at most for the sender thread to take the lead records: past it the
# rest is handed over anyway (a stalled sender must not hold the delivery up; the records then
# may share a request, which costs latency only)
PUSH_OUT_WAIT_S = 0.005


def push_out(kp, wait_s: float | None = None) -> None:
    """The records handed to *kp* so far leave in a produce request of their own: their linger
    ends now, and this returns once the client's sender thread has taken them from its
    accumulator (or after *wait_s*), so records handed over next go in the request after —
    pipelined behind it on the same connection, not merged into it.

    Why (issue 14, ``latency``): Central's answer to a driver shared one produce request with
    the CP command, the CP's new state and the activity lines committed with it. Alone in a
    request of its own, with the rest pipelined right behind it, the answer reached the driver
    sooner: p50 0.1-3.1 ms (median 0.9 ms) in 7 runs of 80 samples alternating with and without
    it on a quiet machine, with the driver's "supply started" notice unchanged within the
    noise. Why the bigger request was slower was not pinned down (delaying the Engine's
    reaction to its command by 30 ms did not change it)."""
    hurry = _Hurry(kp)
    hurry.now()
    acc = hurry._acc
    try:
        if acc is None:  # no accumulator to watch: flush(timeout=0) above ended the linger
            return
        deadline = time.monotonic() + (PUSH_OUT_WAIT_S if wait_s is None else wait_s)
        while acc.has_undrained() and time.monotonic() < deadline:
            time.sleep(0.0001)  # lets the sender thread run (it needs the GIL to drain)
    finally:
        hurry.release()


class DeliveryWindow:
    """Mixin of :class:`~ev_common.kafka.producer.ReliableProducer` (see the module docstring)."""

    def _deliver_window(self) -> bool:
        """Deliver the outbox with up to ``max_unacked_rows`` rows in flight until nothing is
        pending, in flight, or the worker has other work (staged rows: send-while-fsync).
        Returns whether anything was handed over; raises on any failure (after the rows in
        flight were settled: acknowledged ones deleted, the rest left for the resend)."""
        kp = self._kp
        assert kp is not None
        # rows acknowledged by an earlier window and not yet deleted (remove_later) must be
        # gone before this one reads from the head of the outbox again, or they would be resent
        self._settle_removals()
        window: deque[tuple[OutboxRow, object]] = deque()
        blocked: set[tuple[str, bytes | None]] = set()
        error: BaseException | None = None
        last_id = 0       # rows up to this id were handed over (ids only grow: AUTOINCREMENT)
        # the outbox's commit generation at the last read, and whether that read was cut
        # short by its limit: nothing new can be pending while neither says so
        read_at, more = -1, True
        batch_ends: deque[int] = deque()  # last row id of each batch in flight
        sent = False
        hurry = _Hurry(kp)
        head_since = time.monotonic()
        watch = _SlowAck(self)
        try:
            while not self._stop.is_set():
                self._wake.clear()   # set again by send() and by every acknowledgement
                moved, failed = self._harvest(window, blocked)
                while batch_ends and (not window or window[0][0].id > batch_ends[0]):
                    batch_ends.popleft()
                if moved:
                    head_since, watch = time.monotonic(), _SlowAck(self)
                error = error or failed
                room = self._max_unacked - len(window)
                if error is None and room > 0 and len(batch_ends) < BATCHES_IN_FLIGHT and not self._staged \
                        and (more or self._outbox.generation != read_at):
                    read_at, limit = self._outbox.generation, min(self._batch_size, room)
                    rows = self._outbox.pending(limit, after_id=last_id)
                    more = len(rows) == limit
                    if rows:
                        if not window:
                            head_since, watch = time.monotonic(), _SlowAck(self)
                        last_id = rows[-1].id
                        batch_ends.append(last_id)
                        sent = True
                        hurry.release()  # the batch is handed over whole, then sent at once
                        error = self._issue(kp, rows, window)
                        self.peak_unacked = max(self.peak_unacked, len(window))
                        hurry.now()
                        continue
                if not window:
                    break
                self._wake.wait(self._ack_poll)
                timeout = watch.check(time.monotonic() - head_since)
                if timeout is not None:  # the client is presumed stuck: rebuild, resend the rest
                    error = error or timeout
                    break
        finally:
            hurry.release()
        if self._staged:  # rows staged meanwhile: the worker sends them next (its wake was consumed here)
            self._wake.set()
        if self._stop.is_set():
            return sent
        if error is not None:
            raise error
        if sent:
            self._status.set(LinkState.CONNECTED)
        return sent

    def _issue(self, kp, rows: list[OutboxRow], window: deque) -> BaseException | None:
        """Hand *rows* to the client in order; returns the error that stopped it, if any."""
        issued: list[object] = []
        error: BaseException | None = None
        handoff = self._handoff
        if handoff is None or handoff.kp is not kp:
            handoff = self._handoff = RecordHandoff(kp)
        send, hold, track = handoff.begin(), window.append, issued.append  # per-row hot loop
        for row in rows:
            try:
                fut = send(row.topic, row.key, row.value)
            except _PERMANENT as exc:
                # kafka-python raises an oversize record from send() itself (not via the
                # future): retrying it would block this outbox forever, so it is quarantined
                self._quarantine(row, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - metadata timeout, buffer full, closed...
                error = exc  # this row and later ones stay in the outbox: resent after the rebuild
                break
            hold((row, fut))
            track(fut)
        # one wake-up callback per produce batch, not per record: a record's future is settled
        # by its batch's (which runs the record futures' callbacks first, registered earlier);
        # a record future settled already (refused inside send()) has no batch that will settle
        batches = {}
        for fut in issued:
            settles = fut if fut.is_done else getattr(fut, "_produce_future", fut)
            batches[id(settles)] = settles
        done = _BatchSettled(len(batches), self._wake)
        for settles in batches.values():
            settles.add_both(done)
        return error

    def _harvest(self, window: deque, blocked: set) -> tuple[bool, BaseException | None]:
        """Take the settled rows from the head of *window* (id order): delete the acknowledged
        ones (not those of a blocked key), quarantine the refused-for-good ones, block the key
        of any other failure. Returns (whether the head moved, the first such failure)."""
        acked: list[int] = []
        moved = False
        failed: BaseException | None = None
        while window and window[0][1].is_done:
            row, fut = window.popleft()
            moved = True
            exc = fut.exception  # settled: None = acknowledged
            if exc is None:
                if not blocked or (row.topic, row.key) not in blocked:
                    acked.append(row.id)
            elif isinstance(exc, _PERMANENT):
                self._quarantine(row, exc)
            else:
                blocked.add((row.topic, row.key))
                failed = failed or exc
        self._remove_later(acked)  # not behind a writer's fsync; settled before the worker idles
        return moved, failed


class _BatchSettled:
    """Callback on the produce batches of one issued batch of rows (run by the client's sender
    thread, one thread: no lock needed): wakes the worker once all are settled, or at the first
    failure. Waking it on every record's ack made it harvest and delete in small pieces,
    competing with the sender thread for the GIL; one callback per record (rather than per
    produce batch) cost the sender thread a call per record. A produce batch that kafka-python
    splits (the broker refused it as too large) is never settled itself: its records are, and
    the worker finds them at its next look (``ack_poll_s``)."""

    __slots__ = ("left", "_wake")

    def __init__(self, n: int, wake) -> None:
        self.left = n
        self._wake = wake

    def __call__(self, value: object) -> None:
        self.left -= 1
        if self.left <= 0 or isinstance(value, BaseException):
            self._wake.set()


class _SlowAck:
    """The head of the window waits for its acknowledgement: report a slow ack in the status
    (DEGRADED), and give the client up as stuck when the broker is reachable but nothing was
    acknowledged for ``stuck_after_s`` (or after the delivery timeout in any case) — the same
    rules as :meth:`ReliableProducer._wait_ack` for one record."""

    def __init__(self, producer) -> None:
        self._p = producer
        self._last_probe = 0.0
        self._reachable_since: float | None = None

    def check(self, waited: float) -> BaseException | None:
        p = self._p
        if waited >= p._delivery_timeout + 10.0:
            return kerr.KafkaTimeoutError(f"no acknowledgement after {waited:.0f}s")
        now = time.monotonic()
        if waited < p._slow_ack or now - self._last_probe < 1.0:
            return None
        self._last_probe = now
        if not p._reachable():
            self._reachable_since = None
            return None
        self._reachable_since = self._reachable_since or now
        p._status.set(LinkState.DEGRADED, f"Kafka at {p.bootstrap} has not acknowledged for {waited:.0f}s")
        if now - self._reachable_since >= p._stuck_after:
            return kerr.KafkaTimeoutError(f"no acknowledgement for {waited:.0f}s although Kafka is reachable")
        return None
