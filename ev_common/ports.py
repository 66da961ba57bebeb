"""Distinct free TCP ports for processes we are about to start.

The usual trick — bind port 0, read the port, close — is racy when many processes are started
at once: the kernel may hand the same port out again before the first child has bound it, and
every outgoing connection (each Kafka client opens several) also takes ports from the same
ephemeral range. With 50 CP Engines that happened: two Engines were given one port. So ports are
taken *below* the kernel's ephemeral range, from a random starting point (parallel runs rarely
meet), checked bindable on every address (servers here listen on 0.0.0.0), and never handed out
twice by this process. Every port handed out also has its next one free and never handed out:
a Kafka broker given port P takes P+1 for its controller unless told otherwise.
"""
from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10000


def ephemeral_low(default: int = 32768) -> int:
    """First port of the kernel's ephemeral range (Linux), else the IANA-ish default."""
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def _bindable(host: str, port: int) -> bool:
    for addr in {host, "0.0.0.0"}:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((addr, port))
            except OSError:
                return False
    return True


class PortAllocator:
    """Hands out ports in ``[low, high)`` that were bindable when asked and never twice."""

    def __init__(self, low: int = LOWEST, high: int | None = None, *, rng: random.Random | None = None) -> None:
        self.low = low
        self.high = high if high is not None else max(low + 1000, ephemeral_low())
        self._next = (rng or random.Random()).randrange(self.low, self.high - 1)
        self._given: set[int] = set()
        self._lock = threading.Lock()

    def allocate(self, host: str = "127.0.0.1") -> int:
        """A port nobody listens on now and this allocator never gave out before."""
        with self._lock:
            span = self.high - 1 - self.low   # a port and its successor must fit below high
            for _ in range(span):
                port = self._next
                self._next = self.low + (self._next + 1 - self.low) % span
                if port in self._given or port + 1 in self._given or port - 1 in self._given:
                    continue
                if _bindable(host, port) and _bindable(host, port + 1):
                    self._given.add(port)
                    return port
        raise OSError(f"no free TCP port left in {self.low}-{self.high - 1} on {host}")


_default = PortAllocator()


def free_port(host: str = "127.0.0.1") -> int:
    """A distinct free port on *host* (see the module doc for why not bind-0-and-close)."""
    return _default.allocate(host)
