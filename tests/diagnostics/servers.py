"""Fake endpoints for the diagnostics tests: ports where something listens that is not Kafka."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tcp_server(reply: bytes | None, close_after_reply: bool = True) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts and then sends *reply* (None: says nothing).

    Yields its port. Connections are kept open until the server stops, so a silent server
    really is silent (the client must time out, not see a close).
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            conns.append(conn)
            if reply is not None:
                try:
                    conn.recv(4096)   # wait for the client's request, then answer garbage
                    conn.sendall(reply)
                    if close_after_reply:
                        conn.close()
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in conns:
            conn.close()


@contextmanager
def tls_server(cert, key) -> Iterator[int]:
    """A TLS server on 127.0.0.1 presenting *cert*/*key* (PEM files); it completes handshakes
    and then says nothing. For the certificate checks of the diagnostics' TLS step."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def handshake(conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            conns.append(ctx.wrap_socket(conn, server_side=True))
        except (OSError, ssl.SSLError):
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=handshake, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in conns:
            conn.close()
