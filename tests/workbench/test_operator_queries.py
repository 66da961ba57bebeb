"""OPQUERY served by the Workbench on a real SQLite database: authentication, authorization,
bounds, bad input → ERR codes, acknowledgements shared and audited."""
from __future__ import annotations

import base64
import json
from collections import Counter
from types import SimpleNamespace

import pytest

from central_service import audit, db
from central_service.domain.alerts import AlertPolicy
from central_service.domain.cp import ChargePoint
from central_service.sessions import SessionBook
from central_service.tokens import TokenSigner
from central_service.workbench import Workbench


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def bench(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 'c.db'}")
    clock = Clock()
    signer = TokenSigner(b"k" * 32, 600, clock)
    sessions = SessionBook(ttl_s=600, clock=clock)
    cp = ChargePoint(cp_id="CP001", location="Alicante", price_eur_kwh=0.3, max_kw=22.0)
    cp.monitor_authenticated(clock())
    core = SimpleNamespace(cps={"CP001": cp}, counters=Counter())
    wb = Workbench(signer=signer, sessions=sessions, core=core, clock=clock, policy=AlertPolicy())
    wb.cp = cp

    def login(operator: str = "operator1"):
        s = sessions.open("operator", operator)
        return s.id, signer.issue_operator(operator).token
    wb.login = login
    wb.signer_ = signer
    wb.sessions_ = sessions
    yield wb
    db.close()


def ask(wb, creds, name, args=None, peer="10.0.0.7"):
    blob = base64.b64encode(json.dumps(args or {}).encode()).decode() if args is not None else ""
    answer = wb.answer(*creds, name, blob, peer)
    if answer[0] == "OK":
        return json.loads(base64.b64decode(answer[1]))
    return answer


def test_alert_acknowledged_by_one_operator_is_seen_acknowledged_by_another(bench):
    bench.cp.fault("Engine KO", bench.clock())
    assert bench.evaluate() == 1
    a, b = bench.login("operator1"), bench.login("operator2")
    [alert] = ask(bench, a, "alerts", {})["alerts"]
    assert alert["kind"] == "cp_faulted" and alert["acked_by"] is None
    acked = ask(bench, a, "ack", {"id": alert["id"]})["alert"]
    assert acked["acked_by"] == "operator1" and acked["acked_at"] == bench.clock()
    [seen] = ask(bench, b, "alerts", {})["alerts"]
    assert (seen["acked_by"], seen["acked_at"]) == ("operator1", bench.clock())


def test_acknowledgement_is_audited_with_who_and_the_peer_address(bench):
    bench.cp.fault("KO", bench.clock())
    bench.evaluate()
    creds = bench.login("operator1")
    [alert] = ask(bench, creds, "alerts", {})["alerts"]
    ask(bench, creds, "ack", {"id": alert["id"]}, peer="192.0.2.5")
    [entry] = ask(bench, creds, "audit", {"limit": 10})["entries"]
    assert (entry["operator"], entry["action"], entry["peer"], entry["outcome"]) == \
        ("operator1", "ack_alert", "192.0.2.5", "ok")


def test_driver_token_bad_token_and_signed_out_session_are_invalid_token(bench):
    sid, token = bench.login("operator1")
    driver_token = bench.signer_.issue("driver1").token
    assert ask(bench, (sid, driver_token), "alerts", {})[:2] == ["ERR", "invalid_token"]
    assert ask(bench, (sid, token + "x"), "alerts", {})[:2] == ["ERR", "invalid_token"]
    other_sid, _ = bench.login("operator2")
    assert ask(bench, (other_sid, token), "alerts", {})[:2] == ["ERR", "invalid_token"]
    bench.sessions_.revoke(sid, "operator", "operator1")
    assert ask(bench, (sid, token), "alerts", {})[:2] == ["ERR", "invalid_token"]


@pytest.mark.parametrize("name,blob", [
    ("nope", ""), ("alerts", "!!notbase64"), ("alerts", base64.b64encode(b"[1,2]").decode()),
    ("ack", base64.b64encode(b'{"id": "7"}').decode()), ("ack", base64.b64encode(b"{}").decode()),
    ("audit", base64.b64encode(b'{"limit": -1}').decode()), ("alerts", "A" * 5000),
])
def test_bad_queries_answer_bad_request(bench, name, blob):
    creds = bench.login()
    answer = bench.answer(*creds, name, blob, "peer")
    assert answer[:2] == ["ERR", "bad_request"]
    assert bench.core.counters["opquery_bad_request"] == 1


def test_unknown_alert_ack_is_not_found(bench):
    assert ask(bench, bench.login(), "ack", {"id": 999})[:2] == ["ERR", "not_found"]


def test_pages_are_capped(bench):
    for i in range(250):
        audit.record("operator1", "stop", target=f"CP{i}", now=float(i))
    entries = ask(bench, bench.login(), "audit", {"limit": 10_000})["entries"]
    assert len(entries) == audit.PAGE_MAX and entries[0]["target"] == "CP249"


def test_alerts_survive_a_restart_without_being_raised_again(bench):
    bench.cp.fault("KO", bench.clock())
    bench.evaluate()
    again = Workbench(signer=bench.signer, sessions=bench.sessions, core=bench.core, clock=bench.clock)
    assert [a.kind for a in again.book.active.values()] == ["cp_faulted"]
    assert again.evaluate() == 1  # refreshed, same alert
    assert [a["id"] for a in ask(again, bench.login(), "alerts", {})["alerts"]] == [1]


def test_running_supply_is_sampled_for_the_timeline_chart_at_most_every_interval(bench):
    from central_service.db import Supply
    from central_service.domain.cp import RunningSession

    Supply.create(id="s9", driver_id="driver1", cp_id="CP001", status="charging", created_at=bench.clock(),
                  started_at=bench.clock(), price_eur_kwh=0.3)
    bench.cp.session = RunningSession("s9", "driver1", bench.clock(), kw=7.0, kwh=0.1, seq=1)
    t0 = bench.clock()
    for dt, seq, kwh in ((0, 1, 0.1), (5, 2, 0.2), (10, 3, 0.3), (20, 3, 0.3), (30, 4, 0.5)):
        bench.clock.t = t0 + dt
        bench.cp.session.seq, bench.cp.session.kwh = seq, kwh
        bench.evaluate()
    samples = ask(bench, bench.login(), "timeline", {"session_id": "s9"})["samples"]
    assert [(s["ts"] - t0, s["kwh"]) for s in samples] == [(0, 0.1), (10, 0.3), (30, 0.5)]


def test_a_refresh_that_only_moves_last_seen_is_saved_every_ten_seconds(bench):
    bench.cp.fault("KO", bench.clock())
    t0 = bench.clock()
    assert bench.evaluate() == 1          # raised: saved
    bench.clock.t = t0 + 5
    assert bench.evaluate() == 0          # refreshed 5 s later: not worth a write
    bench.clock.t = t0 + 10
    assert bench.evaluate() == 1          # 10 s later: saved
    [alert] = ask(bench, bench.login(), "alerts", {})["alerts"]
    assert alert["last_seen"] == t0 + 10
