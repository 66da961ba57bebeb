"""The three-machine deployment on one machine, with Linux network namespaces (tests/netns.py).

PC1 runs a headless driver, PC2 runs Kafka (listening on and advertising PC2's address) and
Central, PC3 runs the CP Engine+Monitor pairs; every process is started with
``ip netns exec <host>`` so its traffic really crosses the (virtual) network. PC3's cable is
pulled mid-supply and put back; finally a broker that advertises an address PC1 cannot reach
is diagnosed from PC1 with the desktop app's diagnostics engine.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from ev_common import contract as c
from ev_common.kafka.broker import BrokerConfig, LocalBroker, free_port
from ev_common.topics import Topics
from tests.e2e.harness import System
from tests.helpers import REPO, seed_secure_dir, wait_until
from tests.netns import Network, netns_unavailable_reason

pytestmark = [pytest.mark.timeout(600)]

_REASON = netns_unavailable_reason()
if _REASON:
    pytestmark.append(pytest.mark.skip(reason=f"three hosts need network namespaces: {_REASON}"))


def _run_in(host, code: str, timeout: float = 200.0) -> subprocess.CompletedProcess:
    return subprocess.run([*host.prefix(), sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def _start_broker_on(host, cfg: BrokerConfig, prefix: str) -> str:
    """``ev-kafka start`` *inside* the host's namespace, exactly as docs/deploy.md tells PC2's
    admin (the JVM stays in that namespace after the command returns); creates the topics."""
    seed_secure_dir(Path(cfg.data_dir))  # the session's CA and passwords: e2e clients use them
    cmd = [*host.prefix(), sys.executable, "-m", "ev_common.kafka.broker_cli", "start",
           "--data-dir", str(cfg.data_dir), "--port", str(cfg.port),
           "--controller-port", str(cfg.controller_port), "--listen-host", cfg.listen_host,
           "--advertised-host", cfg.advertised_host or cfg.listen_host, "--heap-mb", str(cfg.heap_mb),
           "--topic-prefix", prefix, "--timeout", "150",
           *(a for h in cfg.cert_hosts for a in ("--cert-host", h))]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, f"ev-kafka start on {host.name} failed:\n{out.stdout}{out.stderr}"
    return cfg.bootstrap


@pytest.fixture
def net(request):
    n = random.randint(100, 199)
    network = Network(subnet_n=n)
    request.addfinalizer(network.down)   # always: kills every process in the namespaces too
    network.up(["pc1", "pc2", "pc3"])
    # the test process (root namespace) joins the bridge to watch topics like an operator would
    subprocess.run(["ip", "addr", "add", f"10.{n}.0.254/24", "dev", network.bridge], check=True)
    return network


def test_three_hosts_flow_link_cut_and_misadvertised_broker(net: Network, tmp_path: Path, request):
    pc1, pc2, pc3 = net.hosts["pc1"], net.hosts["pc2"], net.hosts["pc3"]
    brokers: list[LocalBroker] = []

    def stop_brokers() -> None:
        for b in brokers:
            b.stop(hard=True, timeout=15)
    request.addfinalizer(stop_brokers)

    # PC2: Kafka listening on and advertising PC2's address
    cfg = BrokerConfig(data_dir=tmp_path / "kafka-pc2", port=free_port(), controller_port=free_port(),
                       listen_host=pc2.addr, advertised_host=pc2.addr, heap_mb=512)
    brokers.append(LocalBroker(cfg))
    prefix = f"e2e{random.getrandbits(32):08x}"
    bootstrap = _start_broker_on(pc2, cfg, prefix)
    assert bootstrap == f"{pc2.addr}:{cfg.port}"

    s = System(tmp_path, topics=Topics(prefix), bootstrap=bootstrap,
               central_host=pc2.addr, engine_host=pc3.addr,
               prefix_for={"central": pc2.prefix(), "cp": pc3.prefix(), "driver": pc1.prefix()})
    request.addfinalizer(s.close)
    s.auto_duration = 30.0
    s.seed(cps=2, drivers=2)
    s.start_central()                      # on PC2
    w = s.watch()                          # from the bridge, like an operator's machine
    for cp in ("CP001", "CP002"):
        s.start_cp(cp)                     # on PC3
        w.wait_state(cp, "available", 120)

    # the full flow across the hosts: a driver on PC1 charges at a CP on PC3
    d1 = s.start_driver("driver1", "--cp", "CP001")
    sid = s.wait_supplying("CP001", min_seq=2, timeout=120)["session_id"]
    w.wait_state("CP001", "charging", 60)

    # pull PC3's cable mid-supply: Central (PC2) shows the CP disconnected
    net.cut("pc3")
    try:
        w.wait_state("CP001", "disconnected", 60)
        w.wait_state("CP002", "disconnected", 60)
        assert d1.alive() and s.central.alive()
    finally:
        net.restore("pc3")
    # after the restore the supply is billed once with what the Engine measured
    [r1] = s.wait_results(d1, 1, 180)
    assert r1.session == sid, r1
    led = s.wait_ledger_settled({sid}, 120)
    assert not led.mismatches(), led.mismatches()
    assert led.engine_kwh[sid] > 0
    w.wait_state("CP001", "available", 120)
    w.wait_state("CP002", "available", 120)
    # a second full supply after the restore
    d2 = s.start_driver("driver2", "--cp", "CP002")
    [r2] = s.wait_results(d2, 1, 180)
    assert r2.outcome == "completed", r2
    led = s.wait_ledger_settled({sid, r2.session}, 120)
    assert not led.mismatches(), led.mismatches()
    assert not s.tracebacks(), s.tracebacks()

    # a broker on PC2 that advertises an address only PC2 has (its loopback): PC1 reaches the
    # bootstrap address but not the advertised one — the diagnostics must name exactly that
    bad = BrokerConfig(data_dir=tmp_path / "kafka-misadvertised", port=free_port(),
                       controller_port=free_port(), listen_host="0.0.0.0",
                       advertised_host="127.0.0.1", heap_mb=384,
                       cert_hosts=(pc2.addr,))   # TLS is fine: only the advertised address is wrong
    brokers.append(LocalBroker(bad))
    _start_broker_on(pc2, bad, prefix)
    probe = ("import json\nfrom ev_common.topics import Topics\n"
             "from ev_desktop.diagnostics.runner import run_diagnostics\n"
             "r = run_diagnostics({addr!r}, Topics({prefix!r}), timeout_s=3.0)\n"
             "print(json.dumps({{'code': r.diagnosis.code, 'step': r.diagnosis.step_id, "
             "'text': r.diagnosis.text, 'steps': {{x.id: x.status.value for x in r.steps}}}}))\n")
    good = json.loads(_run_in(pc1, probe.format(addr=bootstrap, prefix=s.topics.prefix)).stdout.splitlines()[-1])
    assert good["code"] == "ok", good            # the real deployment checks out from PC1
    res = _run_in(pc1, probe.format(addr=f"{pc2.addr}:{bad.port}", prefix=s.topics.prefix))
    diag = json.loads(res.stdout.splitlines()[-1])
    assert diag["code"] == "advertised.unreachable", diag
    assert diag["step"] == "advertised"
    assert diag["steps"]["tcp"] == "ok" and diag["steps"]["metadata"] == "ok", diag
    assert f"127.0.0.1:{bad.port}" in diag["text"], diag["text"]
    assert not w.notifications(c.ChargeDenied)
