"""``ev-stack up --ocpp-cps N``: a gateway plus N simulated OCPP chargers beside the Kafka fleet.

Kept here (not in ev_common/stack.py) so the stack only names the option and calls this. The
chargers are the CPs numbered after the fleet's (``CP<cps+1>``…), seeded like the others, with
their demo credentials files; they reach the gateway over wss (the machine's CA).
"""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)


def start_ocpp(stack, args: argparse.Namespace, common: list[str], central: str, creds: Path,
               wait_port: Callable, db: str) -> None:
    """Start the stack's gateway and its OCPP chargers; *db* is the stack's Central database
    (SQLite or the stack's PostgreSQL), where the gateway's key is registered."""
    port = args.ocpp_port
    # the gateway's own key, so the operators' workbench shows chargers it refuses
    gw_creds = args.stack_dir / "ocpp-gateway-key.json"
    added = subprocess.run([sys.executable, "-m", "central_service.db_cli", "--db", db, "add-gateway", "stack",
                            "--credentials", str(gw_creds)], capture_output=True, text=True)
    report = ["--gateway-credentials", str(gw_creds)] if added.returncode == 0 else []
    if not report:
        log.warning("ev-db add-gateway failed (%s): refused chargers stay in the gateway's log", added.stderr.strip())
    gw = stack.spawn("ocpp-gateway", "ocpp_gateway.cli",
                     [*common, "--listen", f"127.0.0.1:{port}", "--central", central,
                      "--cp-credentials", str(creds), "--data-dir", str(args.stack_dir / "ocpp"),
                      "--tls-hosts", "127.0.0.1,localhost", *report], role="cp")
    wait_port("127.0.0.1", port, 60, gw)
    for i in range(args.cps + 1, args.cps + args.ocpp_cps + 1):
        cp = f"CP{i:03d}"
        stack.spawn(f"ocpp-{cp}", "cp_simulator.engine_cli",
                    ["--ocpp", f"wss://127.0.0.1:{port}/{cp}", "--cp-credentials", str(creds),
                     "--auto", "--auto-duration", str(args.auto_duration), "--time-scale", str(args.time_scale)])
