"""``ev-stack up --ocpp-cps N``: a gateway plus N simulated OCPP chargers beside the Kafka fleet.

Kept here (not in ev_common/stack.py) so the stack only names the option and calls this. The
chargers are the CPs numbered after the fleet's (``CP<cps+1>``…), seeded like the others, with
their demo credentials files; they reach the gateway over wss (the machine's CA).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable


def start_ocpp(stack, args: argparse.Namespace, common: list[str], central: str, creds: Path,
               wait_port: Callable) -> None:
    port = args.ocpp_port
    gw = stack.spawn("ocpp-gateway", "ocpp_gateway.cli",
                     [*common, "--listen", f"127.0.0.1:{port}", "--central", central,
                      "--cp-credentials", str(creds), "--data-dir", str(args.stack_dir / "ocpp"),
                      "--tls-hosts", "127.0.0.1,localhost"], role="cp")
    wait_port("127.0.0.1", port, 60, gw)
    for i in range(args.cps + 1, args.cps + args.ocpp_cps + 1):
        cp = f"CP{i:03d}"
        stack.spawn(f"ocpp-{cp}", "cp_simulator.engine_cli",
                    ["--ocpp", f"wss://127.0.0.1:{port}/{cp}", "--cp-credentials", str(creds),
                     "--auto", "--auto-duration", str(args.auto_duration), "--time-scale", str(args.time_scale)])
