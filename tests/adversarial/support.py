"""Helpers of the adversarial tests: a byte-level peer for the framed servers, the servers
themselves on a private event loop with stub back-ends, and an open-file-descriptor count."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable

from ev_common.framing import ACK, NACK, BadFrame, Frame, FrameDecoder, encode_frame
from central_service.connection_limits import LinkLimits
from central_service.socket_server import SocketServer
from cp_simulator.engine_server import EngineServer
from tests.helpers import tls_connect, tls_server_context

# The flood tests open hundreds of links from 127.0.0.1 on purpose: caps high enough for them
# (the caps themselves are tested in tests/security/test_socket_limits.py).
FLOOD_TESTS = LinkLimits(max_connections=2000, max_per_address=2000)


def open_fds() -> int:
    """File descriptors open in this process (Central and the servers run in-process)."""
    return len(os.listdir("/proc/self/fd"))


class RawPeer:
    """A client that may send anything and sees every control byte and frame the server sends."""

    # Generous: a fresh-clone CI run once saw one answer take > 5 s on the loaded 2-core machine
    # (the same input passed when hypothesis re-ran it); a hang still fails, just later.
    def __init__(self, port: int, timeout: float = 20.0, tls: bool = True, source: str | None = None) -> None:
        """*tls*: Central's links are TLS (test CA); the Engine's loopback link is plain.
        *source*: connect from this local address (127.x.y.z: another "host")."""
        self.sock = tls_connect(port, timeout=timeout, tls=tls, source=source)
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait per send
        self._dec = FrameDecoder()
        self._events: list[bytes | Frame | BadFrame] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def next_event(self) -> bytes | Frame | BadFrame:
        """The next ACK/NACK byte or frame from the server; socket.timeout if none comes."""
        while not self._events:
            try:
                chunk = self.sock.recv(65536)
            except ssl.SSLError as exc:  # a TLS link cut by the server: the same as a close
                raise ConnectionError(f"closed by the server ({exc})") from exc
            if not chunk:
                raise ConnectionError("closed by the server")
            for i in range(len(chunk)):
                byte = chunk[i:i + 1]
                if not self._dec._buf and byte in (ACK, NACK):  # noqa: SLF001 - outside a frame
                    self._events.append(byte)
                else:
                    self._events.extend(self._dec.feed(byte))
        return self._events.pop(0)

    def until_answer(self, match: Callable[[list[str]], bool]) -> list[bytes | list[str]]:
        """Read (and ACK every answer frame) until an answer *match* accepts; returns everything
        seen, answers as field lists. Fails on a bad frame from the server or on a timeout."""
        seen: list[bytes | list[str]] = []
        while True:
            ev = self.next_event()
            assert not isinstance(ev, BadFrame), f"server sent a bad frame: {ev}"
            if isinstance(ev, Frame):
                self.send(ACK)
                seen.append(ev.fields)
                if match(ev.fields):
                    return seen
            else:
                seen.append(ev)

    def request(self, fields: list[str], match: Callable[[list[str]], bool] | None = None) -> list[str]:
        self.send(encode_frame(fields))
        return self.until_answer(match or (lambda f: True))[-1]  # type: ignore[return-value]

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class LoopThread:
    """An asyncio loop on a daemon thread; ``run(coro)`` from the test thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="adversarial-loop", daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class StubCentral:
    """What Central's :class:`SocketServer` needs from the service, without Kafka or a DB.

    ``HISTORY#<token>`` echoes the token (so a test recognises its own answer), ``HISTORY#big``
    answers ~40 KB, ``HISTORY#boom`` raises, any other token starting with ``bad`` is invalid."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    async def authenticate_cp(self, cp_id: str, key: str, ocpp: bool = False) -> tuple[str, str] | None:
        if cp_id != "CPX":
            return ("unknown_cp", f"El punto de carga {cp_id} no está registrado en la CENTRAL")
        return None if key == "k" else ("bad_credentials", "Clave incorrecta")

    def monitor_event(self, kind: str, cp_id: str, arg: str = "") -> None:
        self.events.append((kind, cp_id, arg))

    async def login(self, driver_id: str, password: str) -> tuple[str, int] | None:
        return ("tok", 1) if (driver_id, password) == ("d", "p") else None

    async def operator_login(self, operator_id: str, password: str) -> tuple[str, int] | None:
        return ("op:tok", 1) if (operator_id, password) == ("o", "p") else None

    def history(self, token: str) -> list[dict]:
        if token == "boom":
            raise RuntimeError("a bug in the back-end")
        if token.startswith("bad"):
            raise ValueError("invalid token")
        if token == "big":
            return [{"session_id": f"{i:032x}", "cp_id": "CP001", "status": "finished"} for i in range(400)]
        return [{"echo": token}]


def echoed(nonce: str) -> Callable[[list[str]], bool]:
    """Matches Central's answer to ``HISTORY#<nonce>`` from :class:`StubCentral`."""
    def match(fields: list[str]) -> bool:
        if fields[:1] != ["OK"] or len(fields) != 2:
            return False
        try:
            return json.loads(base64.b64decode(fields[1])) == [{"echo": nonce}]
        except ValueError:
            return False
    return match


class StubHealth:
    """The Engine's health handler: ``OK#<cp_id>`` (an echo), ``boom`` raises."""

    def on_health_check(self, verb: str, cp_id: str) -> list[str]:
        if cp_id == "boom":
            raise RuntimeError("a bug in the handler")
        return ["OK", cp_id]


class ServedStub:
    """Central's SocketServer or the Engine's EngineServer, serving stubs on a private loop."""

    def __init__(self, kind: str, limits: LinkLimits | None = None) -> None:
        self.kind = kind
        self.lt = LoopThread()
        self.counters: Counter[str] = Counter()
        self.tls = kind == "central"  # Central's socket is TLS; the Engine's (loopback) is not
        if kind == "central":
            self.server = SocketServer(StubCentral(), "127.0.0.1", 0, 1.0, self.counters, idle_timeout=2.0,
                                       tls=tls_server_context(), limits=limits or FLOOD_TESTS)
            self.port = self.lt.run(self.server.start())
        else:
            self.server = EngineServer(StubHealth(), "127.0.0.1", 0)
            self.lt.run(self.server.start())
            self.port = self.server.port

    def peer(self, timeout: float = 20.0) -> RawPeer:
        return RawPeer(self.port, timeout, tls=self.tls)

    def connect(self):
        """A bare socket to this server (TLS done for Central's), for peers that misbehave."""
        return tls_connect(self.port, tls=self.tls)

    def connections(self) -> int:
        return len(self.server._conns)  # noqa: SLF001 - the servers' live connection tasks

    def sync_request(self, nonce: str) -> tuple[list[str], Callable[[list[str]], bool]]:
        """A legitimate request of this server's protocol and how to recognise its answer."""
        if self.kind == "central":
            return ["HISTORY", nonce], echoed(nonce)
        return ["PING", nonce], lambda f: f == ["OK", nonce]

    def stop(self) -> None:
        close = self.server.stop() if self.kind == "central" else self.server.close()
        self.lt.run(close)
        self.lt.stop()
