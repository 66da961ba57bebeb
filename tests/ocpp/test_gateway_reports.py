"""Chargers a gateway refuses reach the operators: the gateway's signed, aggregated report, Central's
checks and the ``unknown_charger`` alert (units, then the real broker, Central and gateway)."""
from __future__ import annotations

import time

import pytest
from websockets.exceptions import InvalidStatus

from central_service.domain.alerts import AlertBook, AlertRules, Facts
from ev_common import contract as c
from ev_common import gateway_reports as gr
from ev_common.gateway_reports import GatewayCredentials
from ev_common.ports import free_port
from tests.central.support import Kafka
from tests.helpers import wait_until
from tests.ocpp.conftest import OcppSystem, start_gateway
from ocpp_gateway.refusals import RefusalReporter

NOW = 1_700_000_000.0
CREDS = GatewayCredentials("gw-test", "k" * 43)


def test_a_scanner_costs_one_report_per_interval_with_the_top_entries_and_the_rest_counted():
    r = RefusalReporter(CREDS)
    for i in range(5000):
        r.note(f"SCAN{i}", "10.0.0.9", "unknown_cp")
    for _ in range(7):
        r.note("CP010", "10.0.0.5", "bad_key")
    report = r.report(NOW)
    assert report is not None and gr.verify(report, CREDS.key)
    assert len(report.refused) == gr.MAX_ENTRIES
    assert report.refused[0] == c.RefusedCharger("CP010", "10.0.0.5", "bad_key", 7)
    assert sum(e.count for e in report.refused) + report.others == 5007
    assert r.report(NOW + 30) is None                      # nothing new: nothing sent
    r.note("X", "h", "bad_key")
    assert r.report(NOW + 60).seq > report.seq             # seq grows


def test_a_report_changed_or_signed_with_another_key_does_not_verify():
    body = RefusalReporter(CREDS)
    body.note("CP1", "h", "bad_key")
    signed = body.report(NOW)
    assert gr.verify(signed, CREDS.key)
    assert not gr.verify(signed, "other-key")
    forged = c.GatewayReport(signed.gateway, signed.seq, signed.sent_at,
                             [c.RefusedCharger("CP1", "h", "bad_key", 999)], 0, signed.mac)
    assert not gr.verify(forged, CREDS.key)


def test_refusals_raise_one_unknown_charger_alert_per_gateway_and_id_counting_every_refusal():
    rules, book = AlertRules(), AlertBook()
    facts = {"gw/CPX": (3, "gw", "CPX", "10.0.0.9", "unknown_cp")}
    [a] = book.apply(rules.evaluate(Facts([], {}, refused_chargers=facts), NOW), NOW)
    assert (a.kind, a.count, a.sticky) == ("unknown_charger", 3, True)
    assert "cargador desconocido CPX rechazado en la pasarela gw (3 veces" in a.detail
    facts = {"gw/CPX": (5, "gw", "CPX", "10.0.0.9", "unknown_cp")}
    [a2] = book.apply(rules.evaluate(Facts([], {}, refused_chargers=facts), NOW + 1), NOW + 1)
    assert a2.id == a.id and a2.count == 5
    assert book.apply(rules.evaluate(Facts([], {}, refused_chargers=facts), NOW + 2), NOW + 2) == []


@pytest.mark.kafka
@pytest.mark.timeout(300)
def test_unknown_charger_refused_by_a_gateway_is_shown_to_operators_and_a_forged_report_is_not(
        ocpp_system: OcppSystem, tmp_path):
    system = ocpp_system.system
    creds_file = tmp_path / "gw-reports.json"
    system.ev_db("add-gateway", "gw-reports", "--credentials", str(creds_file))
    port = free_port()
    start_gateway(system, port, tmp_path / "gw2-status.json", "--name", "gw-reports",
                  "--gateway-credentials", str(creds_file), "--report-interval", "1")
    for _ in range(3):
        ch = ocpp_system.charger("INTRUSO9", key="0" * 40)
        ch.url = f"wss://127.0.0.1:{port}"
        with pytest.raises(InvalidStatus):
            ch.connect()

    def alert():
        rows = [r for r in system.db_rows("alerts") if r["kind"] == "unknown_charger"]
        return rows if rows and rows[-1]["count"] >= 3 else None
    [row] = wait_until(alert, 120, message="unknown_charger alert in Central's DB")
    assert "INTRUSO9" in row["detail"] and "gw-reports" in row["detail"] and "unknown_cp" in row["detail"]
    assert row["count"] == 3
    # a report signed with another key: refused and counted, nothing shown
    forged = gr.sign(c.GatewayReport("gw-reports", 2 ** 50, time.time(), [c.RefusedCharger("FALSO1", "h", "x", 9)]),
                     "not-the-gateway-key")
    kafka = Kafka(system.bootstrap, system.topics)
    try:
        kafka.send(system.topics.cp_events, forged, cp_key=None)
        wait_until(lambda: "msgauth_gateway_forged" in system.central.output(), 120,
                   message="forged report refused by Central")
    finally:
        kafka.close()
    assert not [r for r in system.db_rows("alerts") if "FALSO1" in (r["detail"] or "")]
