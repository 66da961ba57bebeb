"""Cheap reachability probe of Kafka's bootstrap addresses, shared by producer and consumer.

A plain TCP connect says "is anything listening there" in ≤ 1 s without creating a
kafka-python client (whose construction blocks while no broker answers). A socket connected
to itself (a down broker on an ephemeral port, see :mod:`ev_common.netcheck`) is "refused".
"""
from __future__ import annotations

from ev_common.netcheck import connect_tcp


def split_bootstrap(bootstrap: str) -> list[tuple[str, int]]:
    """``"h1:9092,[::1]:9093,h2"`` → [(host, port)] (port 9092 when omitted)."""
    out = []
    for item in bootstrap.split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("[") and "]" in item:  # [ipv6]:port
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else "9092"
        else:
            host, sep, port = item.rpartition(":")
            if not sep:
                host, port = item, "9092"
        out.append((host, int(port)))
    return out


def unreachable_reason(addresses: list[tuple[str, int]], timeout_s: float = 1.0) -> str | None:
    """None if one address accepts a TCP connection; else a sentence naming each failure."""
    errors = []
    for host, port in addresses:
        try:
            with connect_tcp(host, port, timeout_s):  # a self-connection counts as refused
                return None
        except OSError as exc:
            errors.append(f"{host}:{port} ({exc.strerror or exc})")
    return "cannot open a connection to Kafka at " + ", ".join(errors)
