"""Cheap reachability probe of Kafka's bootstrap addresses, shared by producer and consumer.

A plain TCP connect says "is anything listening there" in ≤ 1 s without creating a
kafka-python client (whose construction blocks while no broker answers). A socket connected
to itself (a down broker on an ephemeral port, see :mod:`ev_common.netcheck`) is "refused".
"""
from __future__ import annotations

import logging

from ev_common.bootstrap import format_address, parse_bootstrap
from ev_common.netcheck import connect_tcp

log = logging.getLogger(__name__)


def split_bootstrap(bootstrap: str) -> list[tuple[str, int]]:
    """The (host, port) pairs of a bootstrap list, by the one set of rules of
    :func:`ev_common.bootstrap.parse_bootstrap` — but never raising: a client's constructor
    must not fail on a bad setting. A malformed list gives no address, so the client stays
    offline with the reason (see :func:`unreachable_reason`) and the error is logged once."""
    try:
        return parse_bootstrap(bootstrap)
    except ValueError as exc:
        log.error("Kafka bootstrap list not usable: %s", exc)
        return []


def client_bootstrap(addresses: list[tuple[str, int]]) -> list[str]:
    """The list a kafka-python client takes: ``host:port``, IPv6 addresses in brackets."""
    return [format_address(h, p) for h, p in addresses]


def unreachable_reason(addresses: list[tuple[str, int]], timeout_s: float = 1.0) -> str | None:
    """None if one address accepts a TCP connection; else a sentence naming each failure."""
    if not addresses:
        return "no valid Kafka address configured (see the bootstrap servers setting)"
    errors = []
    for host, port in addresses:
        try:
            with connect_tcp(host, port, timeout_s):  # a self-connection counts as refused
                return None
        except OSError as exc:
            errors.append(f"{format_address(host, port)} ({exc.strerror or exc})")
    return "cannot open a connection to Kafka at " + ", ".join(errors)
