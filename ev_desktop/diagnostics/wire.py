"""Raw Kafka requests on a plain socket, for the diagnostics.

The handshake and metadata steps talk to the *bootstrap* socket directly rather than through a
client: a client would follow the broker's advertised address, which is exactly what may be
wrong. Used by ``network_steps`` and ``secure_steps``.
"""
from __future__ import annotations

import socket
import struct
from typing import Any

CLIENT_ID = "ev-diagnostics"


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionResetError("closed")
        buf += chunk
    return bytes(buf)


def recv_some(sock: socket.socket, n: int) -> bytes:
    """Up to *n* more bytes if they are already there (for the preview of a non-Kafka answer)."""
    sock.settimeout(0.2)
    try:
        return sock.recv(n)
    except OSError:
        return b""


def kafka_request(sock: socket.socket, request: Any, response_cls: Any, version: int,
                   correlation_id: int) -> Any:
    """Send one framed Kafka request on a raw socket and decode its framed response."""
    request.API_VERSION = version
    request.with_header(correlation_id=correlation_id, client_id=CLIENT_ID)
    sock.sendall(request.encode(version=version, header=True, framed=True))
    head = recv_exact(sock, 4)
    size = struct.unpack(">i", head)[0]
    if not 0 < size < 64 * 1024 * 1024:
        raise NotKafka(head + recv_some(sock, 60))
    body = recv_exact(sock, size)
    if struct.unpack(">i", body[:4])[0] != correlation_id:
        raise NotKafka(head + body[:28])
    return response_cls.decode(body, version=version, header=True)


class NotKafka(Exception):
    def __init__(self, data: bytes) -> None:
        super().__init__("unexpected bytes")
        self.data = data


def preview(data: bytes) -> str:
    text = data[:40].decode("latin-1").split("\r")[0].split("\n")[0]
    printable = "".join(c if 32 <= ord(c) < 127 else "·" for c in text)
    return printable   # the text around it (quotes included) is the catalogue's
