"""One driver (the real :class:`~ev_desktop.core.driver.DriverCore`) in its own process, taking
request → authorized samples on command — the security benchmark's probe.

Why a process of its own: a process has ONE Kafka identity (:mod:`ev_common.kafka.security`
keeps it process-wide), and the benchmark needs a secure driver (SCRAM over TLS as principal
``driver``, TLS socket) and a plain-text one (no TLS, no SASL, plain socket) side by side, so it
can alternate their samples.

``python -m benchmarks.security_driver BOOTSTRAP PREFIX CENTRAL_PORT WORK_DIR CP_ID
[--plain | --kafka-credentials FILE --ca-file FILE]``

Protocol on stdin/stdout (answers are single lines starting with ``@@ `` and holding JSON; the
log goes to stderr): ``go`` → one request for *CP_ID*, answered ``{"auth_s": s}`` once the
ticket arrived (the CP is free again), or ``{"denied": reason}``; ``quit`` → close and exit.
The first line, ``{"ready": true}``, comes after login and start.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import json
import sys
import time
from pathlib import Path

from ev_common import contract as c
from ev_common.kafka.security import load_credentials, set_process_credentials
from ev_common.tls_links import LinkTLS

ANSWER = "@@ "


def _say(obj: dict) -> None:
    sys.stdout.write(ANSWER + json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _sample(core, queue: asyncio.Queue, cp: str, timeout: float = 60.0) -> dict:
    while not queue.empty():  # leftovers of an earlier sample
        queue.get_nowait()
    t0 = time.perf_counter()
    rid = core.request_charge(cp)
    session, t_auth = None, None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            t, ev = await asyncio.wait_for(queue.get(), 1.0)
        except asyncio.TimeoutError:
            continue
        if isinstance(ev, c.ChargeDenied) and ev.request_id == rid:
            return {"denied": ev.reason}
        if isinstance(ev, c.ChargeAuthorized) and ev.request_id == rid:
            session, t_auth = ev.session_id, t - t0
        elif isinstance(ev, c.Ticket) and session is not None and ev.session_id == session:
            return {"auth_s": t_auth}
    return {"error": f"no answer to request {rid} within {timeout:.0f}s"}


async def _main(a: argparse.Namespace) -> None:
    from ev_desktop.core.driver import DriverConfig, DriverCore

    if a.plain:
        set_process_credentials(None, plaintext=True)
        tls = LinkTLS(plaintext=True)
    else:
        set_process_credentials(load_credentials(a.kafka_credentials))
        tls = LinkTLS(ca_file=a.ca_file)
    queue: asyncio.Queue = asyncio.Queue()
    core = DriverCore(DriverConfig(bootstrap_servers=a.bootstrap, central_host="127.0.0.1",
                                   central_port=a.central_port, data_dir=a.work, topic_prefix=a.prefix,
                                   central_tls=tls),
                      on_event=lambda ev: queue.put_nowait((time.perf_counter(), ev)))
    for attempt in range(120):
        try:
            # the seeded benchmark account; a password never goes on a command line
            await core.login(a.driver, os.environ.get("EV_DRIVER_PASSWORD", "pass123"))
            break
        except Exception:  # noqa: BLE001 - Central still starting
            if attempt == 119:
                raise
            await asyncio.sleep(0.5)
    core.start()
    _say({"ready": True})
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if line in ("", "quit"):
                break
            if line == "go":
                _say(await _sample(core, queue, a.cp))
    finally:
        await core.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bootstrap")
    ap.add_argument("prefix")
    ap.add_argument("central_port", type=int)
    ap.add_argument("work", type=Path)
    ap.add_argument("cp")
    ap.add_argument("--driver", default="driver1")
    ap.add_argument("--plain", action="store_true", help="plain-text Kafka and socket")
    ap.add_argument("--kafka-credentials", type=Path, help="secure: this driver's credentials file")
    ap.add_argument("--ca-file", type=Path, help="secure: the CA of Central's socket certificate")
    a = ap.parse_args()
    if not a.plain and not (a.kafka_credentials and a.ca_file):
        ap.error("give --plain, or --kafka-credentials and --ca-file")
    asyncio.run(_main(a))


if __name__ == "__main__":
    main()
