"""The one parser of Kafka bootstrap lists (``"h1:9092,[::1]:9093,h2"``), used everywhere.

Clients, the reachability probe, the diagnostics and the CLIs all read the same option; two
parsers drifted apart (one read ``::1`` as host ``:`` port 1). Rules, as Kafka's own clients:

* entries are separated by commas; blanks around them are ignored, empty entries skipped;
* ``host:port`` — a host name or IPv4 address and a port;
* ``[v6]:port`` or ``[v6]`` — an IPv6 address in brackets, with or without a port;
* a bare IPv6 address (two or more colons, no brackets) is a host without a port: ``::1`` and
  ``fe80::1`` are addresses, never "host ``fe80:``, port 1";
* a missing port is :data:`DEFAULT_PORT`; a port must be 1–65535; a host must not be empty.

Malformed input raises :class:`ValueError` naming the entry, so a typo in a setting is a clear
error at start, not an endless "Kafka unreachable".
"""
from __future__ import annotations

import ipaddress

DEFAULT_PORT = 9092

__all__ = ["DEFAULT_PORT", "format_address", "parse_bootstrap"]


def _entry(item: str, default_port: int) -> tuple[str, int]:
    if item.startswith("["):
        host, closed, rest = item[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"bad Kafka address {item!r}: expected [IPv6]:port")
        port_s = rest[1:]
        if rest and not port_s:
            raise ValueError(f"bad Kafka address {item!r}: empty port")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"bad Kafka address {item!r}: {host!r} is not an IPv6 address") from None
    elif item.count(":") > 1:  # a bare IPv6 address: no port can be told apart from it
        host, port_s = item, ""
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"bad Kafka address {item!r}: write IPv6 addresses as [address]:port") from None
    else:
        host, sep, port_s = item.partition(":")
        if sep and not port_s:
            raise ValueError(f"bad Kafka address {item!r}: empty port")
    if not host or any(ch.isspace() for ch in host):
        raise ValueError(f"bad Kafka address {item!r}: no host")
    if not port_s:
        return host, default_port
    if not port_s.isascii() or not port_s.isdigit():
        raise ValueError(f"bad Kafka address {item!r}: port {port_s!r} is not a number")
    port = int(port_s)
    if not 0 < port < 65536:
        raise ValueError(f"bad Kafka address {item!r}: port {port} is out of range")
    return host, port


def parse_bootstrap(value: str, default_port: int = DEFAULT_PORT) -> list[tuple[str, int]]:
    """``"h1:9092,[::1]:9093,h2"`` → ``[("h1", 9092), ("::1", 9093), ("h2", 9092)]``.

    ValueError for a malformed entry or a list without any address."""
    result = [_entry(item.strip(), default_port) for item in value.split(",") if item.strip()]
    if not result:
        raise ValueError(f"no Kafka address in {value!r}")
    return result


def format_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets (what Kafka clients expect)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
