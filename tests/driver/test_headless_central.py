"""ev-driver names the Central it talks to (``--central h1:p,h2:p``, issue 15), as the desktop's
status bar does: with the first address dead, the line names the second, a real Central; after
a failover it names the new one and the one it left."""
from __future__ import annotations

import pytest

from ev_desktop.headless import CentralAnnouncer
from tests.central.conftest import central  # noqa: F401 — a real Central on the session broker
from tests.helpers import Proc, free_port, wait_until


def test_the_central_in_use_is_printed_once_and_again_after_a_failover():
    lines: list[str] = []
    announce = CentralAnnouncer(lines.append)
    announce(("10.0.0.1", 7000))
    announce(("10.0.0.1", 7000))  # every socket call that connects: no repeated line
    assert lines == ["CENTRAL en uso: 10.0.0.1:7000"]
    announce(("10.0.0.2", 7000))  # failover
    assert lines[1:] == ["CENTRAL en uso: 10.0.0.2:7000 (la anterior, 10.0.0.1:7000, dejó de responder)"]
    assert announce.in_use == ("10.0.0.2", 7000)
    announce(("::1", 7000))
    assert lines[-1].startswith("CENTRAL en uso: [::1]:7000 ")  # an IPv6 host is bracketed


@pytest.mark.kafka
def test_a_headless_driver_whose_first_central_is_dead_names_the_second(central, kafka_broker,  # noqa: F811
                                                                        topics, data_dir, tmp_path):
    svc = central()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    alive = f"127.0.0.1:{svc.port}"
    proc = Proc("ev-driver-failover", [
        "-m", "ev_desktop.headless", "--bootstrap-servers", kafka_broker, "--central", f"{dead},{alive}",
        "--topic-prefix", topics.prefix, "--data-dir", str(data_dir / "driver"),
        "--driver-id", "driver1", "--demo", "--cp", "CPNONE"], tmp_path)  # denied: the run ends at once
    try:
        wait_until(lambda: proc.popen.poll() is not None, timeout=120, message="ev-driver to exit")
        out = proc.output()
        assert proc.popen.returncode == 0, out
        assert f"CENTRAL en uso: {alive}\n" in out, out
        assert f"Sesión iniciada como driver1 (CENTRAL {alive})" in out, out
        assert f"CENTRAL en uso: {dead}" not in out and "dejó de responder" not in out, out
        assert "Traceback" not in out
    finally:
        proc.stop()
