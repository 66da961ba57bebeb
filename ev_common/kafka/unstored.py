"""The reliable producer's send-while-fsync path (``send_while_syncing=True``), a mixin.

Rows of an empty outbox are put on the wire while their outbox commit (the fsync) still runs
(:class:`~ev_common.kafka.staged.StagedRows` says who may send them and what the caller is
told); they are delivered one group at a time by :meth:`SendWhileSyncing._deliver`. If that
commit then fails, the rows are "unstored": kept in memory and delivered until Kafka decides
(:meth:`_settle_unstored`, :meth:`_resend_unstored`). Everything else goes through the
pipelined window (:mod:`ev_common.kafka.delivery_window`).

Shares the state of :class:`~ev_common.kafka.producer.ReliableProducer` (set up in its
``__init__``) and uses its ``_wait_ack`` / ``_send_now`` / ``_remove`` / ``_quarantine``.
"""
from __future__ import annotations

import logging

from kafka import errors as kerr

from ev_common.kafka.delivery_window import push_out
from ev_common.kafka.outbox import OutboxRow, StagedRows
from ev_common.kafka.producer_errors import PERMANENT as _PERMANENT, Stopped as _Stopped, describe_error
from ev_common.kafka.status import LinkState

log = logging.getLogger("ev_common.kafka.producer")


class SendWhileSyncing:
    """Mixin of :class:`~ev_common.kafka.producer.ReliableProducer` (see the module docstring)."""

    def _on_staged(self, staged: StagedRows) -> None:
        """Outbox committing thread: rows of an empty outbox, commit (fsync) under way."""
        with self._staged_lock:
            self._staged.append(staged)
        self._wake.set()

    def _take_staged(self) -> list[OutboxRow]:
        """Rows whose fsync is still running, to send now (see ``send_while_syncing``). Staged
        rows already committed are left to :meth:`Outbox.pending` (the ordinary path), failed
        ones are dropped (they were never stored). Returns [] or the rows of one group, whose
        :class:`StagedRows` is kept in ``self._sending`` for :meth:`_deliver`."""
        with self._staged_lock:
            staged, self._staged = self._staged, []
        for i, st in enumerate(staged):
            if st.claim():  # the commit is still running: ours to send (see StagedRows)
                self._sending = st
                self.sent_while_syncing += len(st.rows)
                with self._staged_lock:  # later groups: committed by the time we get to them
                    self._staged[:0] = staged[i + 1:]
                return st.rows
        return []


    def _deliver(self, rows: list[OutboxRow]) -> None:
        """Send *rows* in order and delete the acknowledged ones; raise on any failure."""
        kp = self._kp
        assert kp is not None
        issued: list[tuple[OutboxRow, object]] = []
        send_error: BaseException | None = None
        unsent: list[OutboxRow] = []
        lead = self._sending.lead if self._sending is not None else 0
        for n, row in enumerate(rows):
            if n == lead and n > 0:
                push_out(kp)  # the lead rows in a produce request of their own (StagedRows.lead)
            try:
                issued.append((row, kp.send(row.topic, key=row.key, value=row.value)))
            except _PERMANENT as exc:
                # kafka-python raises an oversize record from send() itself (not via the future):
                # retrying it would block this outbox forever, so it is quarantined like below
                if self._sending is None or self._sending.wait():
                    self._quarantine(row, exc)
                else:  # not stored either: nothing to keep (see _settle_unstored)
                    log.error("producer %s: Kafka refuses an event that could not be stored "
                              "either (%s); dropped", self.client_id, describe_error(exc))
            except Exception as exc:  # noqa: BLE001 - metadata timeout, buffer full, closed...
                send_error = exc
                unsent = rows[n:]
                break
        self._send_now(kp)
        staged = self._sending
        if staged is not None and not staged.wait():
            # the commit failed: these rows do not exist (their ids will be reused), so none
            # may be removed or quarantined; their caller waits for what Kafka makes of them
            self._settle_unstored(staged, issued, unsent)
            return
        blocked: set[tuple[str, bytes | None]] = set()
        acked: list[int] = []
        first_error: BaseException | None = send_error
        for row, fut in issued:
            exc = self._wait_ack(fut, acked)
            if exc is None:
                if (row.topic, row.key) not in blocked:
                    acked.append(row.id)
                continue
            if isinstance(exc, _Stopped):
                break
            if isinstance(exc, _PERMANENT):
                self._quarantine(row, exc)
                continue
            blocked.add((row.topic, row.key))
            first_error = first_error or exc
        self._remove(acked)
        if self._stop.is_set():
            return
        if first_error is not None:
            raise first_error
        self._status.set(LinkState.CONNECTED)


    # ---------------------------------------------------- rows on the wire, commit failed
    def _settle_unstored(self, staged: StagedRows, issued: list[tuple[OutboxRow, object]],
                         unsent: list[OutboxRow]) -> None:
        """Rows claimed from a commit that then failed (see :class:`StagedRows`): wait for
        each ack; report the verdict once every row is acknowledged or refused for good.
        Rows that failed otherwise (and later rows of their key: per-key order) stay in
        ``self._unstored`` and are resent first after the client is rebuilt; raises then."""
        blocked: set[tuple[str, bytes | None]] = set()
        remaining: list[OutboxRow] = []
        first_error: BaseException | None = None
        for row, fut in issued:
            exc = self._wait_ack(fut, [])
            if exc is None and (row.topic, row.key) not in blocked:
                self._unstored_acked += 1
                continue
            if exc is not None and isinstance(exc, _PERMANENT):
                log.error("producer %s: Kafka refuses an event that could not be stored either "
                          "(%s); dropped", self.client_id, describe_error(exc))
                continue
            blocked.add((row.topic, row.key))
            remaining.append(row)
            if exc is not None:
                first_error = first_error or exc
        remaining.extend(unsent)
        if remaining:
            self._unstored = (staged, sorted(remaining, key=lambda r: r.id))
            raise first_error or kerr.KafkaError("events not yet acknowledged")
        self._unstored = None
        acked, self._unstored_acked = self._unstored_acked, 0
        staged.report(acked > 0)  # False: every row refused for good, none is in Kafka

    def _resend_unstored(self) -> None:
        """Resend the rows of a failed commit that Kafka has not acknowledged yet."""
        assert self._unstored is not None and self._kp is not None
        staged, rows = self._unstored
        issued: list[tuple[OutboxRow, object]] = []
        unsent: list[OutboxRow] = []
        for n, row in enumerate(rows):
            try:
                issued.append((row, self._kp.send(row.topic, key=row.key, value=row.value)))
            except _PERMANENT as exc:
                log.error("producer %s: Kafka refuses an event that could not be stored either "
                          "(%s); dropped", self.client_id, describe_error(exc))
            except Exception:  # noqa: BLE001 - resent after the next rebuild
                unsent = rows[n:]
                break
        self._send_now(self._kp)
        self._settle_unstored(staged, issued, unsent)
        if unsent:  # (settle kept them) rebuild the client, as after any failure
            raise kerr.KafkaError("events of a failed commit could not be handed to Kafka")

    def _give_up_unstored(self) -> None:
        """The worker ends: a caller still waiting for rows of a failed commit learns that
        their fate is unknown (never "refused": they may have reached Kafka)."""
        if self._unstored is not None:
            staged, self._unstored = self._unstored[0], None
            self._unstored_acked = 0
            staged.report(None)

