"""Alert rules and the alert book: raise, refresh, clear, acknowledge — pure, clock injected."""
from __future__ import annotations

from central_service.domain.alerts import AlertBook, AlertPolicy, AlertRules, Facts
from central_service.domain.cp import ChargePoint, Reservation, RunningSession

POLICY = AlertPolicy(disconnected_s=10, silent_supply_s=20, reservation_overdue_s=5, event_quiet_s=60,
                     lag_threshold=100, lag_samples=3)


def cp(cp_id="CP001", **kw) -> ChargePoint:
    p = ChargePoint(cp_id=cp_id, location="Alicante", price_eur_kwh=0.5, max_kw=22.0)
    p.monitor_authenticated(0.0)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def kinds(findings) -> list[str]:
    return sorted(f.kind for f in findings)


def test_faulted_cp_is_a_critical_alert_cleared_when_it_recovers():
    rules, book = AlertRules(POLICY), AlertBook(POLICY)
    faulted = cp(engine_ok=False, fault_reason="Engine KO")
    [a] = book.apply(rules.evaluate(Facts([faulted], {}), 1.0), 1.0)
    assert (a.kind, a.severity, a.cp_id, a.detail, a.active) == ("cp_faulted", "critical", "CP001", "Engine KO", True)
    faulted.engine_ok = True
    [cleared] = book.apply(rules.evaluate(Facts([faulted], {}), 2.0), 2.0)
    assert cleared.id == a.id and cleared.cleared_at == 2.0 and not book.active


def test_disconnected_cp_alerts_only_after_the_threshold():
    rules = AlertRules(POLICY)
    p = cp(monitor_connected=False, last_seen=100.0)
    assert rules.evaluate(Facts([p], {}), 105.0) == []
    assert kinds(rules.evaluate(Facts([p], {}), 110.0)) == ["cp_disconnected"]


def test_never_seen_cp_is_not_an_alert():
    p = ChargePoint(cp_id="CP009", location="", price_eur_kwh=0.3, max_kw=7.0)
    assert AlertRules(POLICY).evaluate(Facts([p], {}), 10_000.0) == []


def test_supply_without_telemetry_alerts_and_clears_when_telemetry_resumes():
    rules, book = AlertRules(POLICY), AlertBook(POLICY)
    p = cp(session=RunningSession("s1", "driver1", 0.0, seq=3))
    assert book.apply(rules.evaluate(Facts([p], {}), 0.0), 0.0) == []
    [raised] = book.apply(rules.evaluate(Facts([p], {}), 20.0), 20.0)
    assert raised.kind == "supply_silent" and raised.subject == "s1"
    p.session.seq = 4
    [cleared] = book.apply(rules.evaluate(Facts([p], {}), 21.0), 21.0)
    assert cleared.cleared_at == 21.0


def test_reservation_outliving_its_expiry_is_critical():
    p = cp(reservation=Reservation("s2", "driver2", expires_at=50.0))
    [f] = AlertRules(POLICY).evaluate(Facts([p], {}), 55.0)
    assert (f.kind, f.severity, f.subject) == ("reservation_overdue", "critical", "s2")


def test_forged_input_counts_growth_and_clears_after_quiet_period():
    rules, book = AlertRules(POLICY), AlertBook(POLICY)
    [a] = book.apply(rules.evaluate(Facts([], {"msgauth_forged": 2}), 0.0), 0.0)
    assert (a.kind, a.count) == ("forged_input", 2)
    [a2] = book.apply(rules.evaluate(Facts([], {"msgauth_forged": 2, "session_forged": 3}), 10.0), 10.0)
    assert a2.id == a.id and a2.count == 5 and a2.last_seen == 10.0
    assert book.apply(rules.evaluate(Facts([], {"msgauth_forged": 2, "session_forged": 3}), 50.0), 50.0) == []
    [cleared] = book.apply(rules.evaluate(Facts([], {"msgauth_forged": 2, "session_forged": 3}), 70.0), 70.0)
    assert cleared.cleared_at == 70.0


def test_refused_bills_and_dead_letters_are_separate_alerts():
    counters = {"implausible_energy": 1, "handler_errors": 1, "duplicates": 9}
    assert kinds(AlertRules(POLICY).evaluate(Facts([], counters), 0.0)) == ["dead_letters", "refused_bills"]


def test_consumer_lag_alerts_only_when_high_and_growing():
    rules = AlertRules(POLICY)
    assert [rules.evaluate(Facts([], {}, lag), t) for t, lag in enumerate((150, 160))] == [[], []]
    assert kinds(rules.evaluate(Facts([], {}, 170), 3.0)) == ["consumer_lag"]
    assert rules.evaluate(Facts([], {}, 165), 4.0) == []


def test_acknowledgement_records_who_and_when_and_survives_refresh():
    rules, book = AlertRules(POLICY), AlertBook(POLICY)
    p = cp(engine_ok=False, fault_reason="KO")
    [a] = book.apply(rules.evaluate(Facts([p], {}), 1.0), 1.0)
    acked = book.acknowledge(a, "operator1", 2.0)
    assert (acked.acked_by, acked.acked_at) == ("operator1", 2.0)
    assert book.acknowledge(acked, "operator2", 3.0).acked_by == "operator1"
    [refreshed] = book.apply(rules.evaluate(Facts([p], {}), 4.0), 4.0)
    assert refreshed.acked_by == "operator1" and refreshed.last_seen == 4.0


def test_alert_raised_again_after_clearing_is_a_new_unacknowledged_alert():
    rules, book = AlertRules(POLICY), AlertBook(POLICY)
    p = cp(engine_ok=False)
    [a] = book.apply(rules.evaluate(Facts([p], {}), 1.0), 1.0)
    book.acknowledge(a, "operator1", 1.5)
    p.engine_ok = True
    book.apply(rules.evaluate(Facts([p], {}), 2.0), 2.0)
    p.engine_ok = False
    [again] = book.apply(rules.evaluate(Facts([p], {}), 3.0), 3.0)
    assert again.id != a.id and again.acked_by is None and again.first_seen == 3.0
