"""The transactional outbox's crash window, with real processes: Central commits a driver's
request (reservation + the effects AuthorizeSupply → Engine, ChargeAuthorized → driver, all
in one DB transaction) and dies by SIGKILL *before* relaying those effects (fault-injection
point ``EV_FAULT_KILL_BEFORE_RELAY``, tests only). After a restart the driver still gets its
authorization and the Engine its command — each exactly once — and the supply is billed.

A real power cut cannot be staged in a test; what it adds beyond ``kill -9`` is the loss of
writes not yet fsync'd, which Central's ``--db-sync FULL`` (the default) rules out for every
committed transaction (docs/design.md, "Power cut").
"""
from __future__ import annotations

import pytest

from ev_common import contract as c
from tests.e2e.harness import System
from tests.helpers import wait_until
from tests.test_producer import read_envelopes

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(420)]


def test_kill9_between_commit_and_relay_then_restart_delivers_effects_once(system: System, monkeypatch):
    s, w = system, system.watcher
    s.seed(cps=1, drivers=1)
    monkeypatch.setenv("EV_FAULT_KILL_BEFORE_RELAY", c.AuthorizeSupply.TYPE)
    central = s.start_central()
    monkeypatch.delenv("EV_FAULT_KILL_BEFORE_RELAY")  # nothing else inherits the fault point
    s.start_cp("CP001", duration=3)
    w.wait_state("CP001", "available", 90)
    driver = s.start_driver("driver1", "--cp", "CP001")

    wait_until(lambda: central.popen.poll() is not None, 90, message="Central killed at the fault point")
    assert "fault injection EV_FAULT_KILL_BEFORE_RELAY" in central.output()
    # committed: the reservation and its effects are in the database, nothing went out
    supplies = s.db_rows("supplies")
    assert [r["status"] for r in supplies] == ["reserved"], supplies
    session = supplies[0]["id"]
    pending = s.db_rows("pending_effects")
    assert pending, "the effects must wait in the transactional outbox"
    staged = [c.decode(r["payload"] if isinstance(r["payload"], bytes) else str(r["payload"]).encode())
              for r in pending]
    # one AuthorizeSupply for the request, and a second one when the Engine's engine_online
    # arrived in the same batch (the Engine-online rule re-sends a standing authorization)
    staged_auths = [e.id for e in staged if isinstance(e.body, c.AuthorizeSupply)]
    assert 1 <= len(staged_auths) <= 2, staged
    assert not w.notifications(c.ChargeAuthorized, session)

    s.start_central()  # no fault point now: the pending effects are relayed at start
    result = s.wait_results(driver, 1, 180)[0]
    assert result.session == session and result.outcome == "completed", result
    # the last effects' rows are deleted once the producer's outbox holds them (after its fsync),
    # which may be just after the driver read their ticket off the wire
    wait_until(lambda: s.db_rows("pending_effects") == [], 60, message="relayed effects deleted")
    # the staged AuthorizeSupply was relayed exactly once (its own envelope id, one record); the
    # redelivered ChargeRequested was skipped as already processed. (An Engine that announces
    # itself while the reservation stands may get the authorization re-sent as a new message:
    # that is the Engine-online rule, not a second relay, and the Engine keys it by session.)
    commands = [e for _, _, e in read_envelopes(s.bootstrap, s.topics.cp_commands, expected=1)]
    for staged_auth in staged_auths:
        assert [e.id for e in commands].count(staged_auth) == 1, commands
    assert {e.body.session_id for e in commands if isinstance(e.body, c.AuthorizeSupply)} == {session}
    told = {e.id for e in w.envelopes(s.topics.driver_notifications)
            if isinstance(e.body, c.ChargeAuthorized) and e.body.session_id == session}
    assert len(told) == 1
    assert driver.output().count("Autorizado en CP001") == 1
    assert len(s.db_rows("supplies")) == 1 and len(s.db_rows("tickets")) == 1
    # words: a normal supply is not logged as a cancellation or an interruption, and a request
    # made while Kafka is up does not say it waits for Kafka
    kinds = [r["kind"] for r in s.db_rows("event_log") if r["session_id"] == session]
    assert "reservation_cancelled" not in kinds and "supply_interrupted" not in kinds, kinds
    central_logs = "".join(p.output() for p in s.procs() if "central" in p.name)
    assert "reservation cancelled" not in central_logs and "supply interrupted" not in central_logs
    assert "esperando a Kafka" not in driver.output()
