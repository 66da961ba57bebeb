"""Scale-out (``ev-central --scale-out``, PostgreSQL only): several instances serving at once.

Why this shape (docs/design.md, "Several Centrals"): every instance keeps the CPs' picture in
memory (``CentralCore.cps``) and decides cross-partition questions from it — "any free CP",
"one open supply per driver", expiries, monitor timeouts. The simplest design that is
obviously correct is to *serialise the decisions* and give each one a *fresh picture*:

* every decision transaction (a Kafka batch's messages, a Monitor event, the tick, an operator
  action) first takes ``pg_advisory_xact_lock(DECISION_LOCK)`` — held until its commit or
  rollback, so no two decisions of any instances interleave;
* it then reads the one-row ``decision_clock``; if another instance moved it since this one's
  last decision, the CP rows whose ``version`` is newer are reloaded (with their open
  reservation / supply) — :meth:`CentralCore.refresh`;
* it decides; every CP row it writes gets ``version = clock + 1`` and the clock is bumped when
  it wrote one (:meth:`ScaleOut.end`); the commit releases the lock.

What runs in parallel is everything else: Kafka consume and produce, parsing, MAC checks,
telemetry (never under the lock: it only touches its own CP's running supply, and the
live-values UPDATE refuses a supply that is no longer open).

Liveness: each instance has a row in ``central_instances`` with a lease it renews every
``--lease-interval`` s in one statement (:meth:`ScaleOut.renew`); a CP row names the instance
holding its Monitor's socket (``holder``). Under the lock, the tick sees a CP whose holder's
lease ran out as "monitor lost" (the monitor-timeout path), claims the dead instance's pending
effects (relayed once, by the claimer) and deletes its row. An instance that finds its own
lease lapsed or its row gone stops serving (fencing: another instance may have taken over).
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from central_service.db import CentralInstanceRow, DecisionClock, PendingEffect, database
from central_service.instance_guard import LockLost

if TYPE_CHECKING:
    from central_service.application import CentralCore
    from central_service.store import Store

log = logging.getLogger("central")

#: pg_advisory_xact_lock key: "EVCC", then 2 for "Central decisions" (1 is the active-instance lock)
DECISION_LOCK = (0x45564343, 2)


class ScaleOutRefused(RuntimeError):
    """Scale-out asked for on a database that cannot carry it (SQLite)."""


def check_database(db_url: str) -> None:
    """Scale-out needs PostgreSQL: raise :class:`ScaleOutRefused` with a sentence otherwise."""
    if not db_url.startswith(("postgres://", "postgresql://")):
        raise ScaleOutRefused("--scale-out (varias CENTRAL sirviendo a la vez) necesita PostgreSQL "
                              "(--db postgresql://…); con SQLite use una CENTRAL activa y --standby")


#: times another instance's picture decides on: 8-byte doubles (databases created before they
#: were declared so hold a 4-byte REAL, 128 s coarse at today's epoch)
_PRECISE = (("supplies", "reservation_expires_at"), ("supplies", "interrupted_at"), ("charge_points", "last_seen"))


def _precise_times() -> None:
    """Widen the columns of :data:`_PRECISE` to double precision where an older database has REAL."""
    for table, column in _PRECISE:
        found = database.execute_sql(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s "
            "AND data_type = 'real'", (table, column)).fetchone()
        if found:
            database.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE double precision')
            log.warning("scale-out: %s.%s widened from REAL to double precision", table, column)


class ScaleOut:
    """This instance's part in the shared decisions. Used on the service loop only."""

    def __init__(self, store: Store, instance: str, clock: Callable[[], float], lease_s: float,
                 counters: Counter[str] | None = None) -> None:
        self.store, self.instance, self.clock, self.lease_s = store, instance, clock, lease_s
        self.seen = 0        # the decision clock as of this instance's picture
        self._after = 0      # what ``seen`` becomes when the current decision commits
        # measured, in the heartbeat's counters: decisions, µs waited for the lock and held it
        # (lock taken → commit), CPs reloaded because another instance wrote them
        self.counters: Counter[str] = counters if counters is not None else Counter()
        self.decisions = 0
        self._locked_at = 0.0
        self.live: set[str] = {instance}  # as of the last tick

    # ------------------------------------------------------------------ lifecycle
    def register(self) -> None:
        """Join: this instance's row with a fresh lease, and the clock row if missing."""
        _precise_times()
        now = self.clock()
        with database.atomic():
            DecisionClock.insert(id=1, value=0).on_conflict_ignore().execute()
            CentralInstanceRow.insert(id=self.instance, lease_until=now + self.lease_s, started_at=now) \
                .on_conflict(conflict_target=[CentralInstanceRow.id],
                             update={CentralInstanceRow.lease_until: now + self.lease_s,
                                     CentralInstanceRow.started_at: now}).execute()
        log.info("scale-out: instance %s registered (lease %.1f s)", self.instance, self.lease_s)

    def load(self, core: CentralCore) -> None:
        """The whole picture, and the clock it is as of (read first: anything later is newer)."""
        with database.atomic():
            self.seen = self._clock_value()
            core.load()

    def reload_after_failure(self, core: CentralCore) -> None:
        with database.atomic():
            self.seen = self._clock_value()
            core.reload_after_failure()

    def _clock_value(self) -> int:
        row = DecisionClock.get_or_none(DecisionClock.id == 1)
        return 0 if row is None else int(row.value)

    def renew(self) -> bool:
        """Extend this instance's lease (one statement). False: it had lapsed or its row was
        removed by another instance — this one must stop serving."""
        now = self.clock()
        n = CentralInstanceRow.update(lease_until=now + self.lease_s).where(
            (CentralInstanceRow.id == self.instance) & (CentralInstanceRow.lease_until >= now)).execute()
        return n == 1

    def leave(self) -> None:
        """Clean stop: drop the row so others do not wait for the lease (effects are relayed)."""
        CentralInstanceRow.delete().where(CentralInstanceRow.id == self.instance).execute()

    # ------------------------------------------------------------------ decisions
    def begin(self, core: CentralCore) -> None:
        """Inside the decision's transaction: take the lock, check this instance still may
        decide, bring the picture up to date."""
        t0 = time.perf_counter()
        database.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", DECISION_LOCK)
        self._locked_at = time.perf_counter()
        self.counters["scale_lock_wait_us"] += int((self._locked_at - t0) * 1e6)
        self.decisions += 1
        self.counters["scale_decisions"] += 1
        value, lease = database.execute_sql(
            f'SELECT value, (SELECT lease_until FROM "{CentralInstanceRow._meta.table_name}" WHERE id = %s) '
            f'FROM "{DecisionClock._meta.table_name}" WHERE id = 1', (self.instance,)).fetchone()
        if lease is None or lease < self.clock():
            raise LockLost(f"the lease of instance {self.instance} ran out: another instance may have taken over")
        if value != self.seen:
            changed = self.store.load_charge_points(changed_since=self.seen)
            self.counters["scale_cps_reloaded"] += len(changed)
            core.refresh(changed)
        self._after = value
        self.store.cp_version, self.store.cp_writes = value + 1, 0

    def end(self) -> None:
        """Still inside the transaction: move the clock if this decision wrote a CP row."""
        if self.store.cp_writes:
            database.execute_sql(f'UPDATE "{DecisionClock._meta.table_name}" SET value = %s WHERE id = 1',
                                 (self._after + 1,))
            self._after += 1

    def committed(self) -> None:
        self.seen = self._after
        self.counters["scale_lock_held_us"] += int((time.perf_counter() - self._locked_at) * 1e6)

    # ------------------------------------------------------------------ the tick's extra work
    def live_instances(self) -> set[str]:
        """Under the lock: the instances whose lease runs; the others' pending effects become
        this instance's and their rows go (their Monitors are lost by the tick, see on_tick)."""
        now = self.clock()
        rows = list(CentralInstanceRow.select(CentralInstanceRow.id, CentralInstanceRow.lease_until))
        # this instance is live by definition here (begin() checked its lease moments ago)
        live = {r.id for r in rows if r.lease_until >= now} | {self.instance}
        dead = [r.id for r in rows if r.id not in live]
        claimed = PendingEffect.update(instance=self.instance).where(
            PendingEffect.instance.is_null() | ~PendingEffect.instance.in_(sorted(live))).execute()
        if dead:
            CentralInstanceRow.delete().where(CentralInstanceRow.id.in_(dead)).execute()
            log.warning("scale-out: instance(s) %s gone (lease expired); %d pending effect(s) claimed by %s",
                        ", ".join(dead), claimed, self.instance)
        elif claimed:
            log.warning("scale-out: %d pending effect(s) of instances no longer registered claimed by %s",
                        claimed, self.instance)
        self.live = live
        return live

    def leads(self) -> bool:
        """This instance evaluates the operators' alerts (one book, one writer: the live
        instance with the smallest id; the next one takes over when its lease runs out)."""
        return self.instance == min(self.live)


@contextmanager
def decision(store: Store, scale: ScaleOut | None, core: CentralCore, on_lost: Callable[[str], None]) -> Iterator[None]:
    """One decision's transaction: plain ``store.atomic()`` for a single active Central; in
    scale-out under the decision lock with a fresh picture (:meth:`ScaleOut.begin`). A lapsed
    lease calls *on_lost* (fencing) and raises :class:`LockLost`."""
    if scale is None:
        with store.atomic():
            yield
        return
    try:
        with store.atomic():
            scale.begin(core)
            yield
            scale.end()
    except LockLost as exc:
        on_lost(str(exc))
        raise
    scale.committed()
