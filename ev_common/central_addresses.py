"""A list of Central addresses (``--central host1:port,host2:port``) and the one in use.

Why: Central may run as an active instance plus standbys on other machines (docs/design.md,
"Several Centrals"); a socket client (CP Monitor, driver and operator apps) must reach
whichever one serves now. It tries the address that worked last, and moves to the next on a
connection failure — never on a refusal by a Central that answered (bad key, throttling):
another instance would answer the same."""
from __future__ import annotations

import argparse

from ev_common.settings import parse_host_port

Address = tuple[str, int]


def parse_central_list(value: str) -> tuple[Address, ...]:
    """``"h1:7000,h2:7000"`` → ((h1, 7000), (h2, 7000)); ValueError with a clear text."""
    items = [part for part in (p.strip() for p in value.split(",")) if part]
    if not items:
        raise ValueError("falta la dirección de la CENTRAL (HOST:PUERTO[,HOST:PUERTO…])")
    found: list[Address] = []
    for item in items:
        address = parse_host_port(item)
        if address not in found:
            found.append(address)
    return tuple(found)


def central_list_arg(value: str) -> tuple[Address, ...]:
    try:
        return parse_central_list(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def text(address: Address) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class CentralRotation:
    """The address to try now; :meth:`failed` moves on to the next (round robin)."""

    def __init__(self, addresses: tuple[Address, ...]) -> None:
        if not addresses:
            raise ValueError("at least one Central address")
        self.addresses = addresses
        self._i = 0

    @property
    def current(self) -> Address:
        return self.addresses[self._i]

    def failed(self) -> Address:
        """The current address did not answer: the next one (the same when there is one)."""
        self._i = (self._i + 1) % len(self.addresses)
        return self.current

    @property
    def wrapped(self) -> bool:
        """True when back at the first address (a whole round failed: time to back off)."""
        return self._i == 0
