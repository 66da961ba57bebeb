"""Central's effects on their way out: staged in the DB transaction, then relayed to Kafka.

The transactional outbox of :mod:`central_service.runtime` (its module docstring says why and
what each crash window means) in one place: which topic each effect goes to, its (signed)
envelope, staging rows in ``pending_effects`` inside the caller's transaction, relaying them to
the :class:`ReliableProducer` after the commit, and what happens when that outbox refuses
(full disk / row cap): superseded live values are dropped, committed effects wait in the DB.

Two lanes into one producer (issue 14). Under thousands of CPs' telemetry, Central makes live
values (SupplyProgress, CpState from telemetry: 2 per tick per charging CP) faster than its
producer delivers them; queued in the one durable FIFO they stood 55-69k rows deep in front of
every ChargeAuthorized. Now:

* **answers and commands** (ChargeAuthorized/Denied, AuthorizeSupply, StopSupply, tickets,
  operator results, activity lines, CpStates of state changes — every staged effect) keep the
  transactional outbox path unchanged: staged in the DB transaction, handed to the producer's
  durable outbox right after the commit (:meth:`EffectRelay.relay`), never dropped. Its crash
  semantics (runtime module docstring) are untouched.
* **live values** wait in memory, *coalesced latest-per-(topic, key)* (:meth:`offer_live`), and
  enter the producer's outbox only while it holds fewer than ``live_admit_rows`` rows
  (:meth:`pump_live`, also called by a short timer of the runtime). So an answer waits behind
  at most ``live_admit_rows`` rows, whatever the telemetry load; when Kafka is slower than the
  telemetry, each CP's live values go out less often instead of ever later.

Order per key is kept because there is still ONE producer (one FIFO, one KafkaProducer): when
effects are relayed, pending live values with the same (topic, key) are handed over right
before them (they are older), so e.g. a CP's telemetry CpState never overtakes the CpState of
its authorization — the desktop's grid and the compacted ``cp_state`` topic both keep the last
*arrived* snapshot (no timestamp comparison), so an overtaking stale snapshot would stick until
that CP's next tick (an idle CP has none). That is also why this is not a second
ReliableProducer/outbox: two FIFOs on two connections give no order between them (and cost two
more threads on a machine where the producer side is already the bottleneck).

What a crash loses, and why that is acceptable: only pending live values, at most the latest
one per (topic, key), never yet handed over — and, on a power cut, live values admitted since
the outbox's last fsync (they are admitted without one of their own, see :meth:`send_many`). Each is superseded by that CP's next tick (1 Hz);
the CpStates are republished from the database at start (``all_states``, live values persisted
at most once per second); a supply's figures that bill are in its committed SupplyFinished/ticket.
"""
from __future__ import annotations

import logging
import os
import itertools
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable

from ev_common import contract as c
from ev_common.kafka.consumer import Delivery
from ev_common.kafka.producer import OutboxRefused, ReliableProducer
from ev_common.topics import Topics
from central_service import db
from central_service.authenticity import CP_COMMAND_TYPES, CpKeyring, sign_command
from central_service.notify_keys import NotifyKeyring
from central_service.store import Store, is_db_error

log = logging.getLogger("central")

FAULT_KILL_BEFORE_RELAY = "EV_FAULT_KILL_BEFORE_RELAY"

# rows read per relay round; effect rows handed over before they are deleted all at once
RELAY_LIMIT = 1000
FORGET_AFTER_ROWS = 2000

_CP_COMMANDS = (c.AuthorizeSupply, c.CancelAuthorization, c.StopSupply, c.SetAvailability)


class EffectRelay:
    """Owned by the runtime's loop thread (like the store): not thread-safe."""

    def __init__(self, producer: ReliableProducer, store: Store, topics: Topics, keyring: CpKeyring,
                 counters: Counter[str], *, instance: str, topic_prefix: str,
                 fault_kill_before_relay: str | None = None, notify_keys: NotifyKeyring | None = None,
                 live_admit_rows: int = 50, own_rows: bool = False,
                 push: Callable[[list[c.Envelope]], None] | None = None) -> None:
        """*own_rows* (scale-out): staged effects carry this instance's id and only those are
        relayed by it (a dead instance's are claimed by another, central_service/scale_out.py).
        *push*: told every committed driver notification as it is relayed (the drivers' WATCH
        links, :mod:`central_service.notify_push`)."""
        self.producer = producer
        self.own_rows = instance if own_rows else None
        self.push = push
        # seals driver notifications per driver (ev_common.notify_crypto); made here when not given
        self.notify_keys = notify_keys if notify_keys is not None else NotifyKeyring(store)
        self.store = store
        self.topics = topics
        self.keyring = keyring
        self.counters = counters
        self.instance = instance
        self.topic_prefix = topic_prefix
        # Tests only (env EV_FAULT_KILL_BEFORE_RELAY=<message type>), see CentralConfig
        self.fault_kill_before_relay = fault_kill_before_relay
        # the live lane: latest value per (topic, key), oldest key first (dict order: a key
        # updated in place keeps its place, so a CP ticking all the time is not starved)
        self.live_admit_rows = live_admit_rows
        self._live: dict[tuple[str, str], c.Payload] = {}
        # rows handed to the producer and not deleted yet (see relay / forget_relayed)
        self._relayed: list[int] = []
        self._relayed_upto = 0
        self._last_forget_error = float("-inf")

    def topic_for(self, p: c.Payload) -> str:
        if isinstance(p, _CP_COMMANDS):
            return self.topics.cp_commands
        if isinstance(p, c.CpState):
            return self.topics.cp_state
        if isinstance(p, c.CentralHeartbeat):
            return self.topics.central_heartbeat
        if isinstance(p, c.CentralActivity):
            return self.topics.central_activity
        return self.topics.driver_notifications

    def envelope(self, p: c.Payload) -> c.Envelope:
        """The envelope of an effect; commands for a CP are signed with that CP's key, driver
        notifications are sealed under that driver's notification key."""
        env = c.envelope(p, source=self.instance)
        if isinstance(p, CP_COMMAND_TYPES):
            return sign_command(env, self.keyring)
        return self.notify_keys.seal_if_notification(env)

    def send(self, p: c.Payload) -> None:
        """Heartbeats and other superseded messages: refused by a full outbox, they are dropped
        (the next one replaces them) with a warning — never an exception in a timer."""
        try:
            self.producer.send(self.topic_for(p), self.envelope(p))
        except OutboxRefused as exc:
            self.outbox_refused(exc, f"{p.TYPE} dropped (superseded by the next one)")

    def send_many(self, payloads: Iterable[c.Payload]) -> None:
        """One durable outbox write for many effects (one fsync instead of one per message).
        Only for live values / states that the next ones supersede (see :meth:`send`): so the
        write pays no fsync of its own (a power cut loses them like the values still in the
        lane; the next tick and the start-up republication replace them) — the live lane's
        admissions run on the loop thread many times a second under load."""
        items = [(self.topic_for(p), self.envelope(p)) for p in payloads]
        try:
            self.producer.send_many(items, durable=False)
        except OutboxRefused as exc:
            self.outbox_refused(exc, f"{len(items)} live value(s) dropped (superseded by the next ones)")

    # ------------------------------------------------------------------ live lane
    def offer_live(self, payloads: Iterable[c.Payload]) -> None:
        """Live values (superseded by the next tick): replace the pending value of their key,
        then admit what the producer's outbox has room for (see the module docstring)."""
        live = self._live
        for p in payloads:
            k = (self.topic_for(p), p.partition_key())
            if k in live:
                self.counters["live_coalesced"] += 1
            live[k] = p
        self.pump_live()

    def live_pending(self) -> int:
        return len(self._live)

    def pump_live(self) -> None:
        """Hand the oldest pending live values to the producer while its outbox holds fewer
        than ``live_admit_rows`` rows: an answer relayed next waits behind at most that many."""
        room = self.live_admit_rows - self.producer.queued
        if room <= 0 or not self._live:
            return
        keys = list(itertools.islice(self._live, room))
        self.counters["live_sent"] += len(keys)
        self.send_many([self._live.pop(k) for k in keys])

    def _live_before(self, envelopes: list[tuple[str, c.Envelope]]) -> list[tuple[str, c.Envelope]]:
        """Pending live values of the keys these effects touch, to go right before them (they
        are older): a key's order on the wire stays the order Central produced it in."""
        if not self._live:
            return []
        keys = {(topic, env.key) for topic, env in envelopes}
        older = [self._live.pop(k) for k in keys if k in self._live]
        self.counters["live_sent"] += len(older)
        return [(self.topic_for(p), self.envelope(p)) for p in older]

    def _answers_first(self, envelopes: list[tuple[str, c.Envelope]]) -> tuple[list[tuple[str, c.Envelope]], int]:
        """(*envelopes* with the driver notifications first, how many they are): the answers
        drivers wait for leave in a produce request of their own, before the CP commands and
        state updates committed with them (``ReliableProducer.send_many(lead=...)``). Order
        within each topic — so per key — is kept; Kafka orders nothing across topics."""
        notify = self.topics.driver_notifications
        first = [e for e in envelopes if e[0] == notify]
        if not first or len(first) == len(envelopes):
            return envelopes, 0
        return first + [e for e in envelopes if e[0] != notify], len(first)

    _last_refusal_log = 0.0

    def outbox_refused(self, exc: OutboxRefused, what: str) -> None:
        self.counters["outbox_refused"] += 1
        now = time.monotonic()
        if now - self._last_refusal_log >= 10.0:
            self._last_refusal_log = now
            log.error("Kafka outbox refused new events (%s: %s): %s; committed effects wait in the "
                      "database and are relayed once it accepts them again", exc.code, exc.detail, what)

    def stage(self, effects: list[c.Payload]) -> None:
        rows = [(self.topic_for(p), c.encode(self.envelope(p))) for p in effects]
        self.store.add_effects(rows, time.time(), instance=self.own_rows)

    def relay(self) -> None:
        """Hand committed effects to the producer (durable); their rows are deleted later, by
        :meth:`forget_relayed` (see there for why not here)."""
        while True:
            pending = self.store.pending_effects(RELAY_LIMIT, instance=self.own_rows,
                                                 after_id=self._relayed_upto)
            if not pending:
                return
            envelopes = [(e.topic, c.decode(e.payload)) for e in pending]
            if self.fault_kill_before_relay:
                self.fault_point(envelopes)
            if self.push is not None:  # committed: the drivers' links get them first (best effort)
                self._push([env for topic, env in envelopes if topic == self.topics.driver_notifications])
            rows, lead = self._answers_first(self._live_before(envelopes) + envelopes)
            try:
                self.producer.send_many(rows, lead=lead)
            except OutboxRefused as exc:  # disk full / cap: they stay in the DB, retried each tick
                self.outbox_refused(exc, f"{len(envelopes)} effect(s) kept in pending_effects")
                return
            self._relayed.extend(e.id for e in pending)
            self._relayed_upto = pending[-1].id
            if len(self._relayed) >= FORGET_AFTER_ROWS:
                self.forget_relayed()
            if len(pending) < RELAY_LIMIT:
                return  # the loop thread is the only writer of our rows: nothing newer

    def _push(self, notifications: list[c.Envelope]) -> None:
        """The WATCH links are an extra, best-effort way: a fault there must never keep an
        effect from Kafka (logged, counted, and the relay goes on)."""
        if not notifications:
            return
        try:
            self.push(notifications)  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            self.counters["push_failed"] += 1
            log.exception("pushing %d notification(s) to drivers' links failed; Kafka still carries them",
                          len(notifications))

    def forget_relayed(self) -> None:
        """Delete the rows of effects already handed to the producer (its outbox holds them).

        Why not right after the hand-over: that deletion was a transaction of its own (three
        PRAGMAs to commit it without an fsync, the DELETE, one more SELECT) run on the loop
        thread exactly while the producer's threads put the answer on the wire; in the same
        process, under one GIL, it delayed the answer (issue 14, ``latency``). Now it runs
        from a timer (``forget_interval``) or once many rows gathered — all at once (one
        DELETE per 300 ids, ``Store.delete_effects``).

        Until then :meth:`relay` reads only rows after the last one it handed over (ids grow
        while nothing is deleted: SQLite's rowid is max+1, PostgreSQL's a sequence); after the
        deletion it reads from the start again (whatever is left was not handed over — e.g.
        rows claimed from a dead instance, which may have smaller ids). A crash before the
        deletion relays those effects again with their same envelope ids, which every
        consumer deduplicates (as after a power cut that loses the deletion)."""
        if not self._relayed:
            return
        try:
            with db.synchronous("NORMAL"):  # lost to a power cut: re-relayed, deduplicated
                self.store.delete_effects(self._relayed)
        except Exception as exc:
            if not is_db_error(exc):
                raise
            # the database is down (PostgreSQL restarting...): the rows stay, and so does the
            # list; the next timer tries again (one line per minute, not one per tick)
            now = time.monotonic()
            if now - self._last_forget_error >= 60.0:
                self._last_forget_error = now
                log.warning("relayed effects not deleted yet (database unavailable: %s); retrying", exc)
            return
        self._relayed = []
        self._relayed_upto = 0

    def fault_point(self, envelopes: list[tuple[str, c.Envelope]]) -> None:
        """Tests only: die like a power cut between the commit and the relay."""
        if any(env.type == self.fault_kill_before_relay for _, env in envelopes):
            log.warning("fault injection %s=%s: killing Central before relaying %d effect(s)",
                        FAULT_KILL_BEFORE_RELAY, self.fault_kill_before_relay, len(envelopes))
            logging.shutdown()
            os.kill(os.getpid(), signal.SIGKILL)

    def dead_letter(self, d: Delivery, reason: str) -> None:
        self.counters["dead_letters"] += 1   # feeds the operators' "dead letters" alert
        body = c.DeadLetter(origin_topic=d.topic, partition=d.partition, offset=d.offset, key=d.key,
                            value=c.describe_bytes(c.encode(d.envelope)), reason=reason,
                            consumer=f"{self.topic_prefix}.central")
        self.producer.send(self.topics.dead_letters, c.envelope(body, source=self.instance))
