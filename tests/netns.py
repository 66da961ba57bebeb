"""Three "hosts" on one machine with Linux network namespaces (root only).

Reproduces the real deployment: PC1 (drivers), PC2 (Central + Kafka), PC3 (CPs), each with its
own address on a private bridge, so traffic really crosses a (virtual) network and a host's link
can be cut and restored mid-supply. Used by tests/e2e/test_three_hosts.py.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field

SUBNET = "10.77.{n}.0/24"


def netns_unavailable_reason() -> str | None:
    """None if we can create namespaces here; else the reason (for an explicit skip)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root; this run is not)"
    if shutil.which("ip") is None:
        return "iproute2 ('ip') is not installed"
    name = f"evprobe{uuid.uuid4().hex[:6]}"
    probe = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"'ip netns add' is not permitted here: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ip", *args]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


@dataclass
class Host:
    name: str
    ns: str
    addr: str
    veth_root: str

    def prefix(self) -> list[str]:
        """Prefix a command with this to run it "on" this host."""
        return ["ip", "netns", "exec", self.ns]


@dataclass
class Network:
    """A bridge with N hosts; ``cut(host)``/``restore(host)`` take its cable out and back in."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:5])
    hosts: dict[str, Host] = field(default_factory=dict)
    subnet_n: int = 77

    @property
    def bridge(self) -> str:
        return f"evbr{self.tag}"

    def up(self, names: list[str]) -> "Network":
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("link", "set", self.bridge, "up")
        for i, name in enumerate(names, start=1):
            ns = f"ev{name}{self.tag}"
            veth_root, veth_ns = f"v{self.tag}{i}r", f"v{self.tag}{i}n"
            addr = f"10.{self.subnet_n}.0.{i}"
            _ip("netns", "add", ns)
            _ip("link", "add", veth_root, "type", "veth", "peer", "name", veth_ns)
            _ip("link", "set", veth_ns, "netns", ns)
            _ip("link", "set", veth_root, "master", self.bridge)
            _ip("link", "set", veth_root, "up")
            _ip("addr", "add", f"{addr}/24", "dev", veth_ns, ns=ns)
            _ip("link", "set", veth_ns, "up", ns=ns)
            _ip("link", "set", "lo", "up", ns=ns)
            self.hosts[name] = Host(name, ns, addr, veth_root)
        return self

    def cut(self, name: str) -> None:
        _ip("link", "set", self.hosts[name].veth_root, "down")

    def restore(self, name: str) -> None:
        _ip("link", "set", self.hosts[name].veth_root, "up")

    def down(self) -> None:
        for host in self.hosts.values():
            subprocess.run(["ip", "netns", "pids", host.ns], capture_output=True)
            pids = subprocess.run(["ip", "netns", "pids", host.ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                subprocess.run(["kill", "-9", pid], capture_output=True)
            subprocess.run(["ip", "link", "del", host.veth_root], capture_output=True)
            subprocess.run(["ip", "netns", "del", host.ns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        self.hosts.clear()
