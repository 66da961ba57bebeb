"""A real packet drop for the "firewall" diagnosis, without iptables/nft.

This machine has neither iptables nor nft, and ``tc`` actions are not built into its kernel, so
a DROP rule is impossible. What works (as root): a private network namespace whose loopback is
up and which routes TEST-NET-2 (198.51.100.0/24) *to lo*. A SYN sent there loops back, is not
addressed to a local IP, and — forwarding being off — is silently discarded by the kernel: the
client sees exactly what a firewall DROP produces, a connect timeout. The same namespace has no
other route, so 203.0.113.0/24 (TEST-NET-3) gives a genuine ENETUNREACH.

Only one *thread* of the test process enters the namespace (``setns`` is per-thread for network
namespaces), so nothing else in the test session — nor the machine — is affected. The namespace
is deleted afterwards.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
DROP_NET = "198.51.100.0/24"
DROPPED_ADDR = "198.51.100.7"
UNROUTED_ADDR = "203.0.113.9"


class NetnsUnavailable(RuntimeError):
    pass


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)
    if proc.returncode != 0:
        raise NetnsUnavailable(f"ip {' '.join(args)}: {proc.stderr.strip()}")


@contextmanager
def blackhole_namespace() -> Iterator[Callable[[Callable[[], T]], T]]:
    """Yield ``run_inside(fn)``: calls *fn* in a thread living in the dropping namespace."""
    if os.geteuid() != 0:
        raise NetnsUnavailable("needs root (network namespaces)")
    if shutil.which("ip") is None:
        raise NetnsUnavailable("the 'ip' tool (iproute2) is not installed")
    name = f"evdiag{uuid.uuid4().hex[:8]}"
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "route", "add", DROP_NET, "dev", "lo")
        libc = ctypes.CDLL(None, use_errno=True)

        def run_inside(fn: Callable[[], T]) -> T:
            box: dict[str, object] = {}

            def target() -> None:
                fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
                try:
                    if libc.setns(fd, CLONE_NEWNET) != 0:
                        box["error"] = NetnsUnavailable(f"setns: {os.strerror(ctypes.get_errno())}")
                        return
                finally:
                    os.close(fd)
                try:
                    box["value"] = fn()
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                    box["error"] = exc

            thread = threading.Thread(target=target, name=f"netns-{name}")
            thread.start()
            thread.join(120)
            if "error" in box:
                raise box["error"]  # type: ignore[misc]
            return box["value"]  # type: ignore[return-value]

        yield run_inside
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
