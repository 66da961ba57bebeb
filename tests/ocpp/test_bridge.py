"""The pure OCPP ↔ contract mapping (fast; the same cases run end to end in test_gateway_*)."""
from __future__ import annotations

from ev_common import contract as c
from ocpp_gateway import basic_auth, meter
from ocpp_gateway.bridge import Bridge, Call, Health, Publish, id_tag_for

NOW = 1_700_000_000.0
SID = "0123456789abcdef0123456789abcdef"


def _authorized(bridge: Bridge | None = None) -> Bridge:
    b = bridge or Bridge("CP9")
    b.on_authorize(c.AuthorizeSupply("CP9", SID, "driver1", 0.5, 22.0, NOW + 60), NOW)
    return b


def _published(fx) -> list[c.Payload]:
    return [f.body for f in fx if isinstance(f, Publish)]


def test_authorization_becomes_reserve_now_then_remote_start_with_a_20_char_id_tag_on_the_preparing_connector():
    b = Bridge("CP9")
    b.status(2, "Preparing")
    fx = b.on_authorize(c.AuthorizeSupply("CP9", SID, "driver1", 0.5, 22.0, NOW + 60), NOW)
    calls = [f for f in fx if isinstance(f, Call)]
    assert calls == [Call("ReserveNow", {"connector_id": 2, "expiry_date": meter.iso(NOW + 60), "id_tag": SID[:20],
                                         "reservation_id": 1}, ref=SID[:20])]
    then = [f for f in b.on_call_result(calls[0], "Accepted") if isinstance(f, Call)]
    assert then == [Call("RemoteStartTransaction", {"connector_id": 2, "id_tag": SID[:20]}, ref=SID[:20])]


def test_authorization_resent_by_central_asks_the_charger_again_until_the_transaction_starts():
    b = _authorized()
    again = b.on_authorize(c.AuthorizeSupply("CP9", SID, "driver1", 0.5, 22.0, NOW + 60), NOW)
    assert [(f.action, f.fields["reservation_id"]) for f in again if isinstance(f, Call)] == [("ReserveNow", 1)]
    b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    assert b.on_authorize(c.AuthorizeSupply("CP9", SID, "driver1", 0.5, 22.0, NOW + 60), NOW) == []


def test_expired_authorization_sends_nothing_to_the_charger():
    b = Bridge("CP9")
    fx = b.on_authorize(c.AuthorizeSupply("CP9", SID, "driver1", 0.5, 22.0, NOW - 1), NOW)
    assert not [f for f in fx if isinstance(f, Call)]


def test_start_meter_stop_publish_started_telemetry_and_finished_with_energy_from_the_register():
    b = _authorized()
    tx, status, fx = b.start_transaction(1, id_tag_for(SID), 1000, "2023-11-14T22:13:20Z", NOW, NOW)
    assert status == "Accepted" and _published(fx) == [c.SupplyStarted("CP9", SID, NOW)]
    fx = b.meter_values(1, tx, meter.samples([{"timestamp": "2023-11-14T22:13:30Z", "sampledValue": [
        {"value": "1.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"}]}]))
    assert _published(fx) == [c.Telemetry("CP9", SID, 1, 7.2, 0.5, 0.25)]
    fx = b.stop_transaction(tx, 2000, NOW + 20, "EVDisconnected", NOW + 30)
    assert _published(fx) == [c.SupplyFinished("CP9", SID, NOW, NOW + 20, 1.0, 0.5, "unplugged")]


def test_repeated_start_gets_the_same_transaction_and_publishes_nothing():
    b = _authorized()
    tx, _, _ = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    tx2, status, fx = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    assert (tx2, status, _published(fx)) == (tx, "Accepted", [])
    tx3, _, fx = b.start_transaction(1, id_tag_for(SID), 0, "t-later", NOW + 5, NOW)  # same session, new ts
    assert tx3 == tx and _published(fx) == []
    assert b.counters["duplicate_start"] == 2


def test_repeated_stop_publishes_one_final_report():
    b = _authorized()
    tx, _, _ = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    first = _published(b.stop_transaction(tx, 100, NOW + 1, None, NOW))
    second = _published(b.stop_transaction(tx, 100, NOW + 1, None, NOW))
    assert len(first) == 1 and second == [] and b.counters["duplicate_stop"] == 1


def test_stop_of_an_unknown_transaction_is_counted_and_publishes_nothing():
    b = Bridge("CP9")
    assert _published(b.stop_transaction(42, 100, NOW, None, NOW)) == []
    assert b.counters["stop_unknown_tx"] == 1


def test_transaction_id_minus_one_means_the_open_transaction():
    b = _authorized()
    b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    assert _published(b.meter_values(1, None, [meter.Sample(NOW + 1, 40.0, 2.0)]))[0].kwh == 0.04
    finished = _published(b.stop_transaction(-1, 50, NOW + 2, None, NOW))
    assert finished[0].session_id == SID and finished[0].kwh == 0.05


def test_start_with_an_id_tag_central_never_gave_is_invalid_and_bills_nothing():
    b = Bridge("CP9")
    tx, status, fx = b.start_transaction(1, "RFID123", 0, "t", NOW, NOW)
    assert status == "Invalid" and _published(fx) == []
    assert _published(b.stop_transaction(tx, 500, NOW + 9, None, NOW)) == []
    assert b.authorize("RFID123", NOW) == "Invalid"


def test_lost_charger_closes_the_supply_at_the_last_meter_value_with_its_timestamp():
    b = _authorized()
    tx, _, _ = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    b.meter_values(1, tx, [meter.Sample(NOW + 7, 30.0, None)])
    final = _published(b.charger_lost())[0]
    assert (final.kwh, final.ended_at, final.reason) == (0.03, NOW + 7, "monitor_lost")
    assert _published(b.stop_transaction(tx, 90, NOW + 20, None, NOW)) == []


def test_state_survives_a_gateway_restart():
    b = _authorized()
    tx, _, _ = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    again = Bridge("CP9", b.to_dict())
    assert again.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)[0] == tx
    assert again.next_tx_id == b.next_tx_id


def test_faulted_status_is_ko_and_available_again_is_ok():
    b = Bridge("CP9")
    assert b.status(0, "Faulted", "GroundFailure") == [Health(False, "OCPP Faulted conector 0: GroundFailure")]
    assert b.status(0, "Faulted", "GroundFailure") == []
    assert b.status(0, "Available") == [Health(True)]


def test_parar_stops_the_open_transaction_then_makes_the_charger_inoperative():
    b = _authorized()
    tx, _, _ = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    calls = [f for f in b.on_availability(c.SetAvailability("CP9", False)) if isinstance(f, Call)]
    assert calls == [Call("RemoteStopTransaction", {"transaction_id": tx}),
                     Call("ChangeAvailability", {"connector_id": 0, "type": "Inoperative"})]
    assert b.on_stop(c.StopSupply("CP9", SID, "operator_stop")) == []  # already asked once
    assert _published(b.stop_transaction(tx, 10, NOW + 1, "Remote", NOW))[0].reason == "operator_stop"


def test_meter_values_in_wh_with_phases_and_odd_input_never_raise():
    got = meter.samples([{"timestamp": "nonsense", "sampledValue": [
        {"value": "10", "measurand": "Energy.Active.Import.Register", "phase": "L1"},
        {"value": "abc"}, {"value": "12.5"}, "junk"]}, 7, None])
    assert got == [meter.Sample(None, 12.5, None)]
    assert meter.samples("not a list") == []


def test_basic_auth_needs_the_path_id_as_user_and_the_authorization_key(tmp_path):
    from ev_common import cp_credentials
    from ocpp_gateway.authorization_key import hex_key
    cp_credentials.write(tmp_path / "CP9.json", cp_credentials.CpCredentials("CP9", "k" * 43))
    from tests.ocpp.client import basic
    good = hex_key("k" * 43)
    assert basic_auth.check(tmp_path, "/CP9", basic("CP9", good)) == ("CP9", "")
    assert basic_auth.check(tmp_path, "/ocpp/CP9", basic("CP9", good)) == ("CP9", "")
    assert basic_auth.check(tmp_path, "/CP9", basic("CP9", "wrong"))[1] == "bad_key"
    assert basic_auth.check(tmp_path, "/CP9", basic("CP8", good))[1] == "wrong_user"
    assert basic_auth.check(tmp_path, "/CP8", basic("CP8", "x"))[1] == "unknown_cp"
    assert basic_auth.check(tmp_path, "/CP9", None)[1] == "no_credentials"
    assert basic_auth.check(tmp_path, "/CP9", "Basic !!!")[1] == "no_credentials"
    assert basic_auth.check(tmp_path, "/..", basic("..", "x"))[1] == "bad_path"


def test_meter_values_are_saved_every_few_readings_and_a_restart_never_reuses_a_seq():
    from ocpp_gateway.bridge import SAVE_EVERY, Save
    b = _authorized()
    tx, _, _ = b.start_transaction(1, id_tag_for(SID), 0, "t", NOW, NOW)
    saved_state, saves, last_seq = b.to_dict(), 0, 0
    for i in range(1, 2 * SAVE_EVERY + 4):
        fx = b.meter_values(1, tx, [meter.Sample(NOW + i, float(i), 1.0)])
        last_seq = _published(fx)[0].seq
        if any(isinstance(f, Save) for f in fx):
            saves, saved_state = saves + 1, b.to_dict()
    assert saves == 2
    restarted = Bridge("CP9", saved_state)  # crashed after the last readings, before their save
    after = _published(restarted.meter_values(1, tx, [meter.Sample(NOW + 99, 99.0, 1.0)]))[0]
    assert after.seq > last_seq
