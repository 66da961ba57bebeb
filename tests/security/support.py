"""Helpers of the socket security tests: Central's real SocketServer (stub back-end, TLS with the
session CA) on a private loop, with the limits and throttle each test chooses."""
from __future__ import annotations

import socket
import ssl
from collections import Counter

from central_service.connection_limits import LinkLimits
from central_service.domain.login_throttle import LoginThrottle
from central_service.socket_server import SocketServer
from tests.adversarial.support import LoopThread, RawPeer, StubCentral
from tests.helpers import tls_connect, tls_server_context


class TlsStub:
    """Central's socket server over TLS, serving :class:`StubCentral` on its own loop."""

    def __init__(self, limits: LinkLimits | None = None, throttle: LoginThrottle | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.lt = LoopThread()
        self.counters: Counter[str] = Counter()
        self.server = SocketServer(StubCentral(), "127.0.0.1", 0, 1.0, self.counters, idle_timeout=5.0,
                                   throttle=throttle, tls=tls or tls_server_context(), limits=limits)
        self.port = self.lt.run(self.server.start())

    def peer(self, timeout: float = 20.0) -> RawPeer:
        return RawPeer(self.port, timeout)

    def open_links(self) -> int:
        return self.lt.run(_value(lambda: self.server.gate.open_links))

    def stop(self) -> None:
        self.lt.run(self.server.stop())
        self.lt.stop()


async def _value(fn):
    return fn()


def tls_from(source_ip: str, port: int, timeout: float = 10.0) -> ssl.SSLSocket:
    """A TLS link to 127.0.0.1:*port* from *source_ip* (any 127.x.y.z works on Linux): lets
    one test play many hosts."""
    return tls_connect(port, timeout=timeout, source=source_ip)


def peer_from(source_ip: str, port: int, timeout: float = 20.0) -> RawPeer:
    return RawPeer(port, timeout, source=source_ip)


def closed_by_server(sock: socket.socket, wait: float = 0.05) -> bool:
    """True once the server has closed (or reset) this link."""
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except (TimeoutError, ssl.SSLWantReadError):
        return False
    except OSError:
        return True
