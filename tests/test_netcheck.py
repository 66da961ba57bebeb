"""Self-connections are "refused", a taken port names its holder, ephemeral ports are warned
about — with real sockets and (ev-kafka start) a real broker process."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ev_common.kafka.probe import unreachable_reason
from ev_common.netcheck import (SelfConnection, check_not_self, ephemeral_range, ephemeral_warning,
                                is_self_connection, port_holder)
from tests.helpers import REPO, free_port


def _self_connected_socket() -> tuple[socket.socket, int]:
    """What the kernel can do to a client retrying a down port in the ephemeral range: the
    socket's source port is the destination port and TCP's simultaneous open connects it to
    itself. Staged deterministically by binding that source port first."""
    port = free_port()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    sock.connect(("127.0.0.1", port))
    return sock, port


def test_a_self_connection_is_detected_and_reported_as_refused() -> None:
    sock, port = _self_connected_socket()
    assert is_self_connection(sock)
    with pytest.raises(ConnectionRefusedError) as err:
        check_not_self(sock, "127.0.0.1", port)
    assert isinstance(err.value, SelfConnection) and "connected to itself" in str(err.value)
    assert sock.fileno() == -1  # closed: the port is free again for the real server
    # a server (SO_REUSEADDR, as Kafka's and asyncio's are) can take the port now; while the
    # self-connection was open it could not
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind(("127.0.0.1", port))
    probe.listen()
    probe.close()


def test_a_normal_connection_is_not_a_self_connection() -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
        assert not is_self_connection(c)
    assert unreachable_reason([("127.0.0.1", port)]) is None
    srv.close()
    assert "127.0.0.1:%d" % port in (unreachable_reason([("127.0.0.1", port)]) or "")


def test_port_holder_names_the_listening_process() -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    try:
        holder = port_holder(port)
        assert holder is not None and f"pid {os.getpid()} " in holder and "listening" in holder
    finally:
        srv.close()
    assert port_holder(port) is None


def test_ephemeral_ports_are_warned_about() -> None:
    rng = ephemeral_range()
    assert rng is not None, "Linux exposes /proc/sys/net/ipv4/ip_local_port_range"
    inside = ephemeral_warning("Kafka", rng[0] + 10)
    assert inside and "ephemeral port range" in inside and str(rng[0]) in inside
    assert ephemeral_warning("Kafka", rng[0] - 10) is None


def test_ev_kafka_start_names_the_process_holding_its_port(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import socket,sys,time\n"
                               "s=socket.create_server(('127.0.0.1', int(sys.argv[1])))\n"
                               "print('ready', flush=True); time.sleep(300)", str(port := free_port())],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        out = subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", "start", "--port",
                              str(port), "--controller-port", str(free_port()), "--data-dir",
                              str(tmp_path / "k"), "--timeout", "90", "--topic-prefix", ""],
                             cwd=REPO, capture_output=True, text=True, timeout=150)
        assert out.returncode == 1, out.stdout + out.stderr
        assert f"port {port} is held by pid {holder.pid} (python" in out.stderr, out.stderr
    finally:
        holder.kill()
        holder.wait(5)


def test_ev_kafka_status_takes_port_like_start(kafka_broker: str) -> None:
    port = int(kafka_broker.rsplit(":", 1)[1])
    up = subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", "status", "--port", str(port)],
                        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert up.returncode == 0 and f"127.0.0.1:{port}" in up.stdout, up
    down = subprocess.run([sys.executable, "-m", "ev_common.kafka.broker_cli", "status", "--port",
                           str(free_port())], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "No Kafka answers" in down.stdout, down
