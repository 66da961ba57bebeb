"""Central's core under random sequences of forged and legitimate events (hypothesis, real
SQLite, injected clock, no Kafka): tokens of another driver, sessions of another CP or of
nobody, unknown CPs, negative / NaN / infinite amounts, 64-bit-overflowing telemetry sequence
numbers, mixed with real requests, starts, finishes, monitor events, operator commands and
timer ticks.

Invariants after every step, as the service would run it (one DB transaction per message,
live values flushed like the 1 s timer does): nothing raises; every effect survives the wire
(encode → decode gives it back: no NaN/inf turned into ``null``); a ticket is only for a
session that was authorized to that driver at that CP, at most once, never negative; a forged
token never authorizes anything; a driver never holds two sessions."""
from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ev_common import contract as c
from central_service import db
from central_service.application import CentralCore
from central_service.db import TicketRow
from central_service.store import Store
from central_service.tokens import TokenSigner
from tests.central.support import principal_from_token

DRIVERS = ["driver1", "driver2", "ghost"]
CPS = ["CP001", "CP002"]


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


_cp = st.sampled_from([*CPS, "CP404", "own", "own", "own"])  # "own": the session's real CP
_session = st.sampled_from([-1, 0, 0, 1, 2])  # an authorized session (index modulo their number); -1: made up
_valid = st.floats(0, 50)
_amount = st.one_of(_valid, _valid, _valid, st.sampled_from([-1.0, -0.01, math.nan, math.inf, -math.inf, 1e300]))
_seq = st.one_of(st.integers(0, 40), st.sampled_from([-1, 2**63 - 1, 2**63, 2**64, 10**30]))
_driver = st.sampled_from(["driver1", "driver2", "driver1", "driver2", "ghost"])
_token_of = st.sampled_from(["self", "self", "self", "other", "forged"])  # whose token is sent
_request = st.tuples(st.just("request"), _driver, _token_of, st.sampled_from([*CPS, *CPS, "CP404", None]),
                     st.sampled_from(["r1", "r2", "r3"]))
_started = st.tuples(st.just("started"), _cp, _session)
_telemetry = st.tuples(st.just("telemetry"), _cp, _session, _seq, _amount)
_finished = st.tuples(st.just("finished"), _cp, _session, _amount, _amount)
_advance = st.tuples(st.just("advance"), st.sampled_from(DRIVERS[:2]))  # the next legitimate step of that driver's supply
_ops = st.one_of(  # repeated branches weigh more: enough legitimate steps for whole supplies
    _advance, _advance, _advance, _advance, _advance, _request, _started, _telemetry, _finished,
    st.tuples(st.just("cancel"), _driver, _token_of, _session),
    st.tuples(st.just("operator"), st.sampled_from(["stop", "resume"]), st.sampled_from([*CPS, "CP404", "*"]),
              st.sampled_from(["signed_in", "signed_in", "none", "driver", "forged"])),
    st.tuples(st.just("monitor"), st.sampled_from(["auth", "hb_ok", "hb_ko", "fault", "recover"]),
              st.sampled_from(CPS)),
    st.tuples(st.just("tick"), st.sampled_from([0.5, 0.5, 3.0, 31.0, 601.0])),
)


def test_random_forged_event_sequences_never_bill_wrongly_or_break_the_core(tmp_path):
    db.connect(f"sqlite:///{tmp_path / 'central.db'}")
    store = Store()
    with store.atomic():
        for d in DRIVERS[:2]:
            store.add_driver(d, "pass123")
        store.add_cp("CP001", "Alicante", 0.5, 22, "k")
        store.add_cp("CP002", "Elche", 0.4, 50, "k")
    try:
        _fuzz(store)
    finally:
        db.close()


def _fuzz(store: Store) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=st.lists(_ops, min_size=10, max_size=40))
    def run(ops) -> None:
        with db.database.atomic() as outer:  # every example starts from the seeded database
            try:
                _play(store, ops)
            finally:
                outer.rollback()

    run()


def _play(store: Store, ops: list[tuple]) -> None:
    clock = Clock()
    core = CentralCore(store, TokenSigner(b"secret", clock=clock), reservation_timeout=30, monitor_timeout=60,
                       interrupted_timeout=600, clock=clock)
    core.load()
    with store.atomic():
        for cp in CPS:  # both monitors connected at the start (the fuzz may still lose them)
            core.on_monitor_auth(cp)
    sessions: list[tuple[str, str, str]] = []  # (session id, driver, cp) as authorized
    ticketed: set[str] = set()

    def token(of: str, driver: str) -> str:
        if of == "forged":
            return f"{driver}.9999999999.forged"
        owner = driver if of == "self" else ("driver2" if driver == "driver1" else "driver1")
        return core.signer.issue(owner).token

    def ref(i: int) -> tuple[str, str, str]:
        if i < 0 or not sessions:
            return ("never-authorized", "nobody", "CP001")
        return sessions[-1 - i % len(sessions)]  # 0: the latest

    def cp_of(choice: str, session: tuple[str, str, str]) -> str:
        return session[2] if choice == "own" else choice

    def message(body: c.Payload) -> list[c.Payload]:
        with store.atomic():
            return core.on_message(c.envelope(body, "fuzz"), principal_from_token(core, body))

    for op in ops:
        if op[0] == "advance":
            op = _next_step(core, op[1], sessions, clock)
        kind = op[0]
        if kind == "request":
            _, driver, token_of, cp, rid = op
            effects = message(c.ChargeRequested(driver_id=driver, token=token(token_of, driver), request_id=rid,
                                                cp_id=cp))
            for a in (e for e in effects if isinstance(e, c.ChargeAuthorized)):
                assert token_of == "self" and driver != "ghost", f"forged request authorized: {op}"
                if a.session_id not in (s[0] for s in sessions):
                    sessions.append((a.session_id, a.driver_id, a.cp_id))
        elif kind == "cancel":
            _, driver, token_of, i = op
            effects = message(c.ChargeCancelled(driver_id=driver, token=token(token_of, driver),
                                                session_id=ref(i)[0]))
            if effects:
                assert token_of == "self" and ref(i)[1] == driver, f"cancelled someone else's session: {op}"
        elif kind == "started":
            s = ref(op[2])
            effects = message(c.SupplyStarted(cp_id=cp_of(op[1], s), session_id=s[0], started_at=clock.t))
        elif kind == "telemetry":
            _, cp, i, seq, amount = op
            s = ref(i)
            effects = core.on_telemetry(c.Telemetry(cp_id=cp_of(cp, s), session_id=s[0], seq=seq, kw=amount,
                                                    kwh=amount, eur=amount))  # outside a transaction, as the service
        elif kind == "finished":
            _, cp, i, kwh, eur = op
            s = ref(i)
            effects = message(c.SupplyFinished(cp_id=cp_of(cp, s), session_id=s[0], started_at=clock.t - 60,
                                               ended_at=clock.t, kwh=kwh, eur=eur, reason="unplugged"))
        elif kind == "operator":
            before = {cp_id: cp.snapshot() for cp_id, cp in core.cps.items()}
            op_token = {"signed_in": core.signer.issue_operator("operator1").token, "none": "",
                        "driver": core.signer.issue("operator1").token,
                        "forged": "op:operator1.9999999999.forged"}[op[3]]
            effects = message(c.OperatorCommand(action=op[1], cp_id=op[2], operator="operator1", token=op_token))
            if op[3] != "signed_in":
                assert effects == [] and {i: cp.snapshot() for i, cp in core.cps.items()} == before, \
                    f"unauthorized operator command obeyed: {op}"
        elif kind == "monitor":
            _, event, cp = op
            with store.atomic():
                if event == "auth":
                    effects = core.on_monitor_auth(cp)
                elif event in ("hb_ok", "hb_ko"):
                    effects = core.on_monitor_heartbeat(cp, event == "hb_ok")
                elif event == "fault":
                    effects = core.on_monitor_fault(cp, "fuzz")
                else:
                    effects = core.on_monitor_recover(cp)
        else:
            clock.t += op[1]
            with store.atomic():
                effects = core.on_tick()
        store.save_live_values(core.dirty_live_values())  # the service's once-a-second flush

        for e in effects:  # every effect survives the wire unchanged
            env = c.envelope(e, "central")
            assert c.decode(c.encode(env)) == env, f"{e} does not survive encoding (after {op})"
        for t in (e for e in effects if isinstance(e, c.Ticket)):
            assert (t.session_id, t.driver_id, t.cp_id) in sessions, f"ticket for a forged session: {t}"
            assert t.session_id not in ticketed, f"billed twice: {t}"
            assert math.isfinite(t.kwh) and math.isfinite(t.eur) and t.kwh >= 0 and t.eur >= 0, t
            ticketed.add(t.session_id)
        holders = [h.driver_id for cp in core.cps.values() for h in (cp.reservation, cp.session) if h is not None]
        assert len(holders) == len(set(holders)), f"a driver holds two sessions: {holders}"
    assert TicketRow.select().count() == len(ticketed)


def _next_step(core: CentralCore, driver: str, sessions: list[tuple[str, str, str]], clock: Clock) -> tuple:
    """What the driver app / the Engine would send next for *driver*'s supply."""
    for cp in core.cps.values():
        if cp.reservation is not None and cp.reservation.driver_id == driver:
            i = [s[0] for s in reversed(sessions)].index(cp.reservation.session_id)
            return ("started", "own", i)
        if cp.session is not None and cp.session.driver_id == driver:
            i = [s[0] for s in reversed(sessions)].index(cp.session.session_id)
            if cp.session.seq < 1:
                return ("telemetry", "own", i, cp.session.seq + 1, 1.5 * (cp.session.seq + 1))
            return ("finished", "own", i, 6.0, 3.0)
    return ("request", driver, "self", None, f"r{clock.t}")
