"""TCP edge cases our clients and start-up checks must name instead of misreading.

* **Self-connection.** When nothing listens on a port inside the kernel's ephemeral range, a
  client retrying ``connect()`` to it on the same host can be given that very port as its own
  source port: TCP's simultaneous open then connects the socket *to itself*. It "accepts" and
  never answers (the diagnostics said "Kafka accepts connections but did not answer"), and it
  holds the port, so the real server then fails with "Address already in use".
  :func:`connect_tcp` / :func:`is_self_connection` detect it (local address == remote
  address), close the socket and report "refused" — which is the truth.
* **Who holds a port** (:func:`port_holder`): read ``/proc/net/tcp{,6}`` for the socket bound
  to the port and ``/proc/<pid>/fd`` for the process owning it, so "address already in use"
  can say *which* process. Linux only; None elsewhere or when it cannot be told.
* **Ports in the ephemeral range** (:func:`ephemeral_warning`): a server port there can be
  taken at any moment by an outgoing connection, ours included; say so at start-up.
"""
from __future__ import annotations

import errno
import os
import socket
import struct
from pathlib import Path

__all__ = ["connect_tcp", "check_not_self", "is_self_connection", "SelfConnection", "port_holder",
           "port_in_use_hint", "ephemeral_range", "ephemeral_warning"]

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


class SelfConnection(ConnectionRefusedError):
    """The connect ended on the client's own socket: nothing listens there (= refused)."""


def is_self_connection(sock: socket.socket) -> bool:
    """True if *sock* is connected to itself (same local and remote address and port)."""
    try:
        local, remote = sock.getsockname(), sock.getpeername()
    except OSError:
        return False
    return local[:2] == remote[:2]


def connect_tcp(host: str, port: int, timeout: float) -> socket.socket:
    """``socket.create_connection`` that never returns a self-connected socket: one is closed
    and reported as :class:`SelfConnection` (a ``ConnectionRefusedError``)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    check_not_self(sock, host, port)
    return sock


def check_not_self(sock: socket.socket, host: str, port: int) -> None:
    """Close *sock* and raise :class:`SelfConnection` if it is connected to itself."""
    if is_self_connection(sock):
        _abort(sock)
        raise SelfConnection(errno.ECONNREFUSED,
                             f"connection refused (nothing listens on {host}:{port}; the client "
                             "was connected to itself)")


def linger_zero(sock: socket.socket) -> None:
    """Make the next close send RST (SO_LINGER 0): a self-connected port is then free at once
    for the real server, instead of lingering in FIN_WAIT/TIME_WAIT and failing its bind."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


def _abort(sock: socket.socket) -> None:
    linger_zero(sock)
    sock.close()


def ephemeral_range() -> tuple[int, int] | None:
    """The kernel's ephemeral port range (Linux), or None when unknown."""
    try:
        lo, hi = _RANGE_FILE.read_text().split()[:2]
        return int(lo), int(hi)
    except (OSError, ValueError):
        return None


def ephemeral_warning(what: str, port: int) -> str | None:
    """A sentence when *port* lies in the ephemeral range (else None)."""
    rng = ephemeral_range()
    if rng is None or not rng[0] <= port <= rng[1]:
        return None
    return (f"{what} port {port} lies in this machine's ephemeral port range {rng[0]}-{rng[1]} "
            "(/proc/sys/net/ipv4/ip_local_port_range): outgoing connections may take it, and a "
            "client retrying it while it is down can connect to itself; prefer a port below "
            f"{rng[0]}")


def port_holder(port: int) -> str | None:
    """"pid 1234 (java)" of the process holding TCP *port* (listening, or connected with it as
    its local port), or a plain description when the owner cannot be found; None if free."""
    inodes: dict[int, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) < 10:
                continue
            local_port = int(cols[1].rsplit(":", 1)[1], 16)
            if local_port != port:
                continue
            state = "listening" if cols[3] == "0A" else "connected"
            inode = int(cols[9])
            if inode:
                inodes.setdefault(inode, state)
    if not inodes:
        return None
    owners = _owners(set(inodes))
    for inode, state in inodes.items():
        if inode in owners:
            pid, comm = owners[inode]
            return f"pid {pid} ({comm}, {state})"
    return f"a socket of another user or namespace ({next(iter(inodes.values()))})"


def port_in_use_hint(port: int) -> str:
    """"; port 9092 is held by pid 1234 (java, listening)" — or "" when the port is free."""
    holder = port_holder(port)
    return f"; port {port} is held by {holder}" if holder else ""


def _owners(inodes: set[int]) -> dict[int, tuple[int, str]]:
    found: dict[int, tuple[int, str]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fds = list((proc / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inode = int(target[8:-1])
                if inode in inodes and inode not in found:
                    try:
                        comm = (proc / "comm").read_text().strip()
                    except OSError:
                        comm = "?"
                    found[inode] = (int(proc.name), comm)
        if len(found) == len(inodes):
            break
    return found
