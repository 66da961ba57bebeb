"""Port allocation for processes started in bulk (fleet, harness): distinct and bindable."""
from __future__ import annotations

import random
import socket

from ev_common.ports import PortAllocator, ephemeral_low


def test_ports_are_distinct_even_before_anyone_binds_them():
    alloc = PortAllocator(rng=random.Random(1))
    ports = [alloc.allocate() for _ in range(300)]
    assert len(set(ports)) == 300


def test_ports_stay_below_the_ephemeral_range_used_by_outgoing_connections():
    alloc = PortAllocator()
    assert all(10000 <= alloc.allocate() < ephemeral_low() for _ in range(50))


def test_no_two_ports_are_neighbours_so_a_broker_can_take_port_plus_one():
    alloc = PortAllocator(rng=random.Random(3))
    ports = sorted(alloc.allocate() for _ in range(200))
    assert all(b - a >= 2 for a, b in zip(ports, ports[1:]))


def test_a_port_someone_listens_on_is_skipped():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        alloc = PortAllocator(low=port, high=port + 3)
        assert alloc.allocate() == port + 1   # whichever of the two it tries first
        try:
            alloc.allocate()
        except OSError:
            pass
        else:
            raise AssertionError("the port in use was handed out")


def test_exhausted_range_says_so():
    # a one-port range (a port and its successor) that is free now: a fixed one may be taken by
    # another test's broker or CP, which the allocator hands out from the same span
    free = PortAllocator().allocate()
    alloc = PortAllocator(low=free, high=free + 2)
    assert alloc.allocate() == free
    try:
        alloc.allocate()
    except OSError as exc:
        assert "no free TCP port" in str(exc)
    else:
        raise AssertionError("a second port was handed out from a one-port range")
