"""Central closes links that never authenticate and stay silent, so idle or hostile peers
cannot pile up until Central runs out of descriptors; an authenticated Monitor gets its own,
longer idle allowance (tests/security/test_socket_limits.py: and is cut after it)."""
from __future__ import annotations

import socket
import ssl
from collections import Counter

from central_service.connection_limits import LinkLimits
from central_service.socket_server import SocketServer
from tests.adversarial.support import LoopThread, RawPeer, StubCentral
from tests.helpers import tls_server_context, wait_until


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.05)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ssl.SSLWantReadError:
        return False
    except OSError:
        return True


def test_silent_unauthenticated_link_is_closed_and_a_monitor_within_its_allowance_is_kept():
    lt = LoopThread()
    counters: Counter[str] = Counter()
    server = SocketServer(StubCentral(), "127.0.0.1", 0, 1.0, counters, idle_timeout=0.2,
                          tls=tls_server_context(), limits=LinkLimits(anonymous_idle_s=0.6, idle_s=60.0))
    port = lt.run(server.start())
    monitor, silent = RawPeer(port), RawPeer(port)
    try:
        assert monitor.request(["AUTH", "CPX", "k", "loc", "0.3", "22"])[0] == "OK"
        # both now idle: only the anonymous one is cut
        wait_until(lambda: _closed_by_server(silent.sock), 10, interval=0.1, message="silent link closed")
        assert counters["idle_anonymous_closed"] == 1
        assert monitor.request(["HB", "CPX", "OK"]) == ["OK"]    # the idle Monitor was kept
    finally:
        monitor.close()
        silent.close()
        lt.run(server.stop())
        lt.stop()
