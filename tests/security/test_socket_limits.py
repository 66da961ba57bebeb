"""Bounds of Central's socket links: connection floods (per-address and total caps) are closed at
once while a legitimate client is served, a peer dripping a frame is cut at the frame deadline,
an idle authenticated Monitor is closed (and its CP disconnected), AUTH is throttled like LOGIN,
and an oversize frame gets exactly one NACK with the link still usable."""
from __future__ import annotations

import socket
import threading
from collections import Counter

import pytest

from central_service.connection_limits import ConnectionGate, LinkLimits
from central_service.domain.login_throttle import LoginThrottle, ThrottlePolicy
from ev_common.framing import ACK, ETX, MAX_DATA, NACK, STX, encode_frame, lrc
from tests.adversarial.support import echoed
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.central.support import SyncFramed
from tests.helpers import wait_until
from tests.security.support import TlsStub, closed_by_server, peer_from, tls_from


def _history(peer, nonce: str) -> list[str]:
    return peer.request(["HISTORY", nonce], echoed(nonce))


# ------------------------------------------------------------------------------ the gate
def test_gate_admits_up_to_each_cap_and_counts_every_refusal():
    counters: Counter[str] = Counter()
    gate = ConnectionGate(LinkLimits(max_connections=3, max_per_address=2), counters)
    assert [gate.admit("a"), gate.admit("a"), gate.admit("a")] == [True, True, False]
    assert gate.admit("b") and not gate.admit("c")
    assert counters == {"connections_refused_per_address": 1, "connections_refused_total": 1}
    gate.release("a")
    assert gate.admit("c") and gate.open_links == 3


# ------------------------------------------------------------------------------- floods
def test_a_flood_from_one_address_is_capped_and_another_client_is_served():
    stub = TlsStub(LinkLimits(max_connections=50, max_per_address=5))
    flood = [tls_from("127.0.0.1", stub.port) for _ in range(5)]
    try:
        for _ in range(20):
            try:
                extra = tls_from("127.0.0.1", stub.port)
            except OSError:
                continue  # closed before the handshake could finish
            flood.append(extra)
            wait_until(lambda: closed_by_server(extra), 10, message="excess link closed")
        wait_until(lambda: stub.counters["connections_refused_per_address"] == 20, 10, message="20 refused")
        assert stub.open_links() == 5
        other = peer_from("127.0.0.2", stub.port)  # another host is served meanwhile
        assert _history(other, "served")[0] == "OK"
        other.close()
    finally:
        for s in flood:
            s.close()
        stub.stop()


def test_a_flood_from_many_addresses_stops_at_the_total_cap_and_a_connected_client_keeps_being_served():
    stub = TlsStub(LinkLimits(max_connections=12, max_per_address=3))
    legit = peer_from("127.0.0.200", stub.port)
    flood = []
    try:
        for host in range(2, 12):  # 10 addresses × 3 links = 30 tries; 11 slots left
            for _ in range(3):
                try:
                    flood.append(tls_from(f"127.0.0.{host}", stub.port))
                except OSError:
                    pass
        wait_until(lambda: stub.counters["connections_refused_total"] >= 19, 15, message="19 refused by the total cap")
        assert stub.open_links() == 12
        for i in range(3):
            assert _history(legit, f"during-flood-{i}")[0] == "OK"
    finally:
        for s in flood:
            s.close()
        legit.close()
        stub.stop()


# -------------------------------------------------------------------------- deadlines
def test_a_slow_drip_peer_is_cut_after_the_frame_deadline():
    stub = TlsStub(LinkLimits(frame_deadline_s=1.0, anonymous_idle_s=60.0))
    sock = tls_from("127.0.0.1", stub.port)
    sent = threading.Event()
    stop = threading.Event()
    drip = bytes([STX]) + b"HISTORY#" + b"x" * 1000

    def dripping() -> None:
        for byte in drip:  # one byte every 0.2 s: never idle, never a whole frame
            if stop.wait(0.2):
                return
            try:
                sock.sendall(bytes([byte]))
                sent.set()
            except OSError:
                return

    t = threading.Thread(target=dripping, daemon=True)
    t.start()
    try:
        assert sent.wait(10)
        wait_until(lambda: stub.counters["slow_frames_closed"] == 1, 20, message="slow drip cut")
        assert stub.counters["idle_anonymous_closed"] == 0  # cut by the frame deadline, not idleness
    finally:
        stop.set()
        t.join(5)
        sock.close()
        stub.stop()


@pytest.mark.kafka
def test_an_authenticated_monitor_that_stops_heartbeating_is_closed_and_its_cp_disconnected(central):
    svc = central(limits=LinkLimits(idle_s=1.5))
    mon = SyncFramed(svc.port)
    try:
        assert mon.request(["AUTH", "CP001", "demo-cp-key", "x", "0.3", "22"])[0] == "OK"
        assert mon.request(["HB", "CP001", "OK"]) == ["OK"]
        wait_until(lambda: svc.call(lambda: svc.core.cps["CP001"].monitor_connected), 10, message="CP001 up")
        # the Monitor goes silent
        wait_until(lambda: svc.counters.get("idle_monitor_closed") == 1, 15, message="idle monitor link closed")
        wait_until(lambda: closed_by_server(mon.sock), 5, message="link closed on the Monitor's side")
        wait_until(lambda: not svc.call(lambda: svc.core.cps["CP001"].monitor_connected), 15,
                   message="CP001 disconnected")
    finally:
        mon.close()


# ---------------------------------------------------------------------------- throttle
def test_auth_is_throttled_like_login_and_the_lockout_ends():
    now = [1000.0]
    throttle = LoginThrottle(ThrottlePolicy(max_failures=3, lockout_s=30.0), clock=lambda: now[0])
    stub = TlsStub(throttle=throttle)
    peer = stub.peer()
    try:
        for _ in range(3):
            assert peer.request(["AUTH", "CPX", "wrong"])[:2] == ["ERR", "bad_credentials"]
        locked = peer.request(["AUTH", "CPX", "k"])  # even the right key, during the lockout
        assert locked[:2] == ["ERR", "too_many_attempts"] and locked[3] == "30"
        assert stub.counters["auth_throttled"] == 1
        # LOGIN and AUTH share the per-address count, not the per-id one: a driver is unaffected
        assert peer.request(["LOGIN", "d", "p"])[0] == "OK"
        now[0] += 31
        assert peer.request(["AUTH", "CPX", "k"])[0] == "OK"
    finally:
        peer.close()
        stub.stop()


# ----------------------------------------------------------------------------- oversize
def test_an_oversize_frame_gets_exactly_one_nack_and_the_link_serves_the_next_frame():
    stub = TlsStub()
    peer = stub.peer()
    try:
        data = b"x" * 300_000  # once answered by 58 NACKs (one per chunk read): now one
        assert len(data) > MAX_DATA
        peer.send(bytes([STX]) + data + bytes([ETX, lrc(data)]) + encode_frame(["HISTORY", "next"]))
        seen = peer.until_answer(echoed("next"))
        assert seen[:2] == [NACK, ACK], seen[:3]
        assert seen.count(NACK) == 1 and len(seen) == 3
    finally:
        peer.close()
        stub.stop()


@pytest.mark.kafka
def test_the_real_central_bounds_a_flood_and_its_monitor_keeps_heartbeating(central):
    svc = central(limits=LinkLimits(max_connections=40, max_per_address=20, handshake_timeout_s=120))
    mon = central.monitor(svc, "CP001")
    wait_until(lambda: svc.call(lambda: svc.core.cps["CP001"].monitor_connected), 10, message="CP001 up")
    flood = []
    try:
        for host in range(1, 5):  # 4 addresses × 30 raw TCP links (no handshake: the cheapest flood)
            for _ in range(30):
                try:
                    flood.append(socket.create_connection(("127.0.0.1", svc.port), timeout=5,
                                                          source_address=(f"127.0.0.{host}", 0)))
                except OSError:
                    pass
        # 127.0.0.1: the Monitor's link + 19 admitted, 11 over its address's cap; 127.0.0.2: 20
        # admitted (40 in total), then it and the other two addresses meet the total cap: 70
        wait_until(lambda: svc.counters.get("connections_refused_per_address", 0) >= 11, 15,
                   message="per-address refusals counted")
        wait_until(lambda: svc.counters.get("connections_refused_total", 0) >= 70, 15,
                   message="total-cap refusals counted")
        beats = len(mon.answers)
        wait_until(lambda: len(mon.answers) >= beats + 3, 15, message="3 more heartbeats answered during the flood")
        assert all(a == ["OK"] for a in mon.answers[beats:])
    finally:
        for s in flood:
            s.close()
