"""Tokens, password hashing, and the application core on a real SQLite DB with a fake clock
(reservation expiry, denials, idempotency, interrupted-timeout) — no Kafka, no sleeps."""
from __future__ import annotations

import pytest

from ev_common import contract as c
from central_service import db
from central_service.application import CentralCore
from central_service.db import Supply, TicketRow
from central_service.store import Store
from tests.central.support import principal_from_token
from central_service.tokens import TokenError, TokenSigner, hash_secret, load_or_create_secret, verify_secret


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_password_hashing():
    h = hash_secret("pass123")
    assert "pass123" not in h and h.startswith("$argon2")
    assert verify_secret(h, "pass123")
    assert not verify_secret(h, "wrong")
    assert not verify_secret("not-a-hash", "pass123")


def test_tokens_valid_forged_expired():
    clock = Clock()
    s = TokenSigner(b"secret", ttl_s=60, clock=clock)
    tok = s.issue("driver1")
    assert s.verify(tok.token) == "driver1" and tok.expires_at == int(clock.t + 60)
    driver, exp, sig = tok.token.split(".")
    with pytest.raises(TokenError):
        s.verify(f"driver2.{exp}.{sig}")  # forged driver
    with pytest.raises(TokenError):
        s.verify(f"{driver}.{int(exp) + 999}.{sig}")  # forged expiry
    with pytest.raises(TokenError):
        TokenSigner(b"other", clock=clock).verify(tok.token)  # another secret
    for junk in ("", "abc", "a.b", "..."):
        with pytest.raises(TokenError):
            s.verify(junk)
    clock.t += 61
    with pytest.raises(TokenError, match="expired"):
        s.verify(tok.token)


def test_operator_tokens_carry_their_role_and_expire():
    clock = Clock()
    s = TokenSigner(b"secret", ttl_s=60, clock=clock)
    tok = s.issue_operator("operator1")
    assert tok.token.startswith("op:operator1.") and tok.role == "operator"
    assert s.verify_operator(tok.token) == "operator1" and tok.expires_at == int(clock.t + 60)
    _, exp, sig = tok.token.rsplit(".", 2)
    with pytest.raises(TokenError):
        s.verify_operator(f"op:operator2.{exp}.{sig}")  # forged operator
    with pytest.raises(TokenError):
        TokenSigner(b"other", clock=clock).verify_operator(tok.token)
    clock.t += 61
    with pytest.raises(TokenError, match="expired"):
        s.verify_operator(tok.token)


def test_operator_token_is_not_a_driver_token_and_vice_versa():
    s = TokenSigner(b"secret")
    op, drv = s.issue_operator("operator1").token, s.issue("operator1").token
    with pytest.raises(TokenError):
        s.verify(op)
    with pytest.raises(TokenError, match="not an operator token"):
        s.verify_operator(drv)
    # not even a driver whose id looks like an operator's token body gets an operator token
    disguised = s.issue("op:operator1").token
    with pytest.raises(TokenError, match="bad signature"):
        s.verify_operator(disguised)
    # moving the prefix onto a valid driver token does not help either
    with pytest.raises(TokenError):
        s.verify_operator("op:" + drv)


def test_driver_tokens_keep_their_format():
    s = TokenSigner(b"secret", clock=Clock())
    tok = s.issue("driver1")
    driver, exp, sig = tok.token.split(".")
    assert driver == "driver1" and exp == str(tok.expires_at) and s.verify(tok.token) == "driver1"


def test_non_ascii_signature_is_just_a_bad_signature():
    s = TokenSigner(b"secret")
    for token in ("driver1.9999999999.ñandú", "op:operator1.9999999999.€"):
        with pytest.raises(TokenError):
            s.verify(token)
        with pytest.raises(TokenError):
            s.verify_operator(token)


def test_secret_generated_once(tmp_path):
    a = load_or_create_secret(tmp_path)
    assert a == load_or_create_secret(tmp_path) and len(a) >= 32
    assert load_or_create_secret(tmp_path, "explicit") == b"explicit"


@pytest.fixture
def core(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 'c.db'}")
    store = Store()
    store.add_driver("driver1", "pass123")
    store.add_driver("driver2", "pass123")
    store.add_cp("CP001", "Alicante", 0.5, 22, "k")
    store.add_cp("CP002", "Elche", 0.4, 50, "k")
    clock = Clock()
    core = CentralCore(store, TokenSigner(b"s", clock=clock), reservation_timeout=30, monitor_timeout=5,
                       interrupted_timeout=600, clock=clock)
    core.load()
    core.clock_ = clock
    yield core
    db.close()


def run(core: CentralCore, body: c.Payload, msg_id: str | None = None) -> list[c.Payload]:
    with core.store.atomic():
        return core.on_message(c.envelope(body, "test", msg_id=msg_id), principal_from_token(core, body))


def request(core, driver="driver1", cp="CP001", token=None, rid="r1"):
    token = token if token is not None else core.signer.issue(driver).token
    return run(core, c.ChargeRequested(driver_id=driver, token=token, request_id=rid, cp_id=cp))


def of(effects, t):
    return [e for e in effects if isinstance(e, t)]


def test_all_cps_disconnected_at_start_then_auth(core):
    assert {cp.state for cp in core.cps.values()} == {"disconnected"}
    eff = core.on_monitor_auth("CP001")
    assert of(eff, c.CpState)[0].state == "available"


def test_denials(core):
    core.on_monitor_auth("CP001")
    assert of(request(core, token="driver1.1.x"), c.ChargeDenied)[0].reason == "invalid_token"
    other = core.signer.issue("driver2").token
    assert of(request(core, token=other), c.ChargeDenied)[0].reason == "invalid_token"
    assert core.counters["invalid_token"] == 2
    assert of(request(core, driver="ghost"), c.ChargeDenied)[0].reason == "unknown_driver"
    assert of(request(core, cp="CP999"), c.ChargeDenied)[0].reason == "unknown_cp"
    d = of(request(core, cp="CP002"), c.ChargeDenied)[0]
    assert d.reason == "cp_disconnected" and d.detail  # Spanish sentence for the user
    assert of(request(core, rid="ok"), c.ChargeAuthorized)
    assert of(request(core, driver="driver2", rid="r2"), c.ChargeDenied)[0].reason == "cp_unavailable"
    assert of(request(core, cp=None, rid="r3"), c.ChargeDenied)[0].reason == "driver_busy"
    assert of(request(core, driver="driver2", cp=None, rid="r4"), c.ChargeDenied)[0].reason == "no_free_cp"


def test_reservation_expires_with_injected_clock(core):
    core.on_monitor_auth("CP001")
    eff = request(core)
    auth = of(eff, c.ChargeAuthorized)[0]
    assert of(eff, c.AuthorizeSupply)[0].session_id == auth.session_id
    core.clock_.t += 29
    core.on_monitor_heartbeat("CP001", True)
    with core.store.atomic():
        assert core.on_tick() == []
    core.clock_.t += 1
    with core.store.atomic():
        eff = core.on_tick()
    assert of(eff, c.CancelAuthorization)[0].reason == "expired"
    assert of(eff, c.ReservationExpired)[0].session_id == auth.session_id
    assert of(eff, c.CpState)[0].state == "available"
    assert Supply.get_by_id(auth.session_id).status == "expired"


def test_monitor_timeout_disconnects_and_stops_supply(core):
    core.on_monitor_auth("CP001")
    sid = of(request(core), c.ChargeAuthorized)[0].session_id
    run(core, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=core.clock_.t))
    core.clock_.t += 5.5
    with core.store.atomic():
        eff = core.on_tick()
    assert of(eff, c.StopSupply)[0].reason == "monitor_lost"
    assert of(eff, c.SupplyInterrupted)[0].reason == "monitor_lost"
    assert core.cps["CP001"].state == "disconnected"
    assert Supply.get_by_id(sid).status == "interrupted"


def test_duplicate_request_id_reuses_session(core):
    core.on_monitor_auth("CP001")
    a = of(request(core, rid="same"), c.ChargeAuthorized)[0]
    b = of(request(core, rid="same"), c.ChargeAuthorized)[0]
    assert a.session_id == b.session_id and Supply.select().count() == 1


def test_interrupted_supply_closed_after_timeout_then_late_finish_ignored(core):
    core.on_monitor_auth("CP001")
    sid = of(request(core), c.ChargeAuthorized)[0].session_id
    run(core, c.SupplyStarted(cp_id="CP001", session_id=sid, started_at=core.clock_.t))
    core.on_telemetry(c.Telemetry(cp_id="CP001", session_id=sid, seq=1, kw=10, kwh=2.0, eur=1.0))
    eff = core.on_monitor_fault("CP001", "engine down")
    assert of(eff, c.SupplyInterrupted)[0].reason == "fault"
    core.on_telemetry(c.Telemetry(cp_id="CP001", session_id=sid, seq=2, kw=10, kwh=2.2, eur=1.1))
    core.clock_.t += 601
    core.on_monitor_heartbeat("CP001", True)
    with core.store.atomic():
        eff = core.on_tick()
    t = of(eff, c.Ticket)[0]
    assert (t.kwh, t.eur, t.outcome) == (2.2, 1.1, "fault")
    late = run(core, c.SupplyFinished(cp_id="CP001", session_id=sid, started_at=1, ended_at=2, kwh=3,
                                      eur=1.5, reason="interrupted"))
    assert late == [] and TicketRow.select().count() == 1


def test_unknown_cp_and_session_events_rejected(core):
    assert run(core, c.SupplyStarted(cp_id="NOPE", session_id="x", started_at=1)) == []
    assert run(core, c.SupplyFinished(cp_id="CP001", session_id="nope", started_at=1, ended_at=2, kwh=1,
                                      eur=1, reason="unplugged")) == []
    assert core.on_telemetry(c.Telemetry(cp_id="CP001", session_id="x", seq=1, kw=1, kwh=1, eur=1)) == []
    assert core.counters["unknown_cp"] == 1 and core.counters["unknown_session"] == 2


def test_manual_supply_only_when_available(core):
    assert run(core, c.ManualSupplyRequested(cp_id="CP001", request_id="m1")) == []  # disconnected
    core.on_monitor_auth("CP001")
    eff = run(core, c.ManualSupplyRequested(cp_id="CP001", request_id="m2"))
    assert of(eff, c.AuthorizeSupply)[0].driver_id == "manual"
    assert run(core, c.ManualSupplyRequested(cp_id="CP001", request_id="m3")) == []  # reserved now
    eff = run(core, c.EngineOnline(cp_id="CP001"))
    assert of(eff, c.AuthorizeSupply)  # resent after an Engine restart


# ------------------------------------------------------------------ operator commands
def _operator_events():
    from central_service.db import EventLog
    return [(e.kind, e.detail) for e in EventLog.select().where(EventLog.kind == "operator_unauthorized")]


def _states(core):
    return {cp_id: (cp.state, cp.stopped_by_operator) for cp_id, cp in core.cps.items()}


@pytest.mark.parametrize("case", ["unsigned", "forged", "expired", "driver_token", "other_operator"])
def test_operator_command_without_a_valid_operator_token_is_refused_and_changes_nothing(core, case):
    core.on_monitor_auth("CP001")
    clock = core.clock_
    token = {"unsigned": "", "forged": "op:operator1.9999999999.forged",
             "expired": core.signer.issue_operator("operator1").token,
             "driver_token": core.signer.issue("operator1").token,
             "other_operator": core.signer.issue_operator("operator2").token}[case]
    if case == "expired":
        clock.t += core.signer.ttl_s + 1
    before = _states(core)
    for cp_id in ("CP001", "*"):
        eff = run(core, c.OperatorCommand(action="stop", cp_id=cp_id, operator="operator1", token=token))
        assert eff == []
    assert _states(core) == before and core.cps["CP001"].state == "available"
    assert core.counters["operator_unauthorized"] == 2
    events = _operator_events()
    assert len(events) == 2 and all("operator1" in detail for _, detail in events)


def test_signed_in_operator_stops_and_resumes(core):
    core.on_monitor_auth("CP001")
    token = core.signer.issue_operator("operator1").token
    eff = run(core, c.OperatorCommand(action="stop", cp_id="CP001", operator="operator1", token=token))
    assert of(eff, c.SetAvailability)[0].available is False
    assert core.cps["CP001"].state == "out_of_order"
    eff = run(core, c.OperatorCommand(action="resume", cp_id="*", operator="operator1", token=token))
    assert core.cps["CP001"].state == "available"
    assert core.counters["operator_unauthorized"] == 0 and _operator_events() == []
