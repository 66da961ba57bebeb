"""``ev-cp-engine --ocpp URL``: option checks and start-up of :mod:`cp_simulator.ocpp_charger`."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from urllib.parse import unquote, urlsplit

from ev_common import cp_credentials, pki
from ev_common.cp_credentials import CredentialsError
from ev_common.logsetup import setup_logging
from cp_simulator.ocpp_charger import OcppCharger, OcppChargerConfig

log = logging.getLogger("cp-engine")


def run_ocpp_charger(args: argparse.Namespace) -> int:
    setup_logging("cp-engine-ocpp", args.log_level)
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    url = urlsplit(args.ocpp)
    cp_id = args.cp_id or unquote(url.path.rstrip("/").rsplit("/", 1)[-1])
    if url.scheme not in ("ws", "wss") or not cp_id:
        print("--ocpp necesita una URL ws[s]://HOST:PORT/<id del CP>", file=sys.stderr)
        return 2
    path = cp_credentials.configured(args.cp_credentials)
    if path is None:
        print("Faltan las credenciales del CP: --cp-credentials (su clave es la contraseña HTTP Basic)",
              file=sys.stderr)
        return 2
    try:
        key = cp_credentials.load(path, cp_id).key
        tls = pki.client_context(args.ca_file or pki.ca_file()) if url.scheme == "wss" else None
    except (CredentialsError, OSError) as exc:
        print(f"CP {cp_id}: {exc}", file=sys.stderr)
        return 2
    if tls is None:
        log.warning("OCPP en ws:// SIN TLS: la clave del CP viaja en claro")
    cfg = OcppChargerConfig(url=args.ocpp, cp_id=cp_id, key=key, tls=tls, plug_delay_s=args.auto_plug_delay,
                            duration_s=args.auto_duration, kwh=args.auto_kwh, max_kw=args.max_kw,
                            time_scale=args.time_scale, meter_interval_s=args.meter_interval)
    try:
        return asyncio.run(_run(cfg))
    except KeyboardInterrupt:
        return 0


async def _run(cfg: OcppChargerConfig) -> int:
    charger = OcppCharger(cfg)
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, main.cancel)
    charger.console.line(f"Cargador OCPP simulado {cfg.cp_id} → {cfg.url}")
    try:
        await charger.run()
    except asyncio.CancelledError:
        charger.console.line("Cargador OCPP simulado detenido")
    return 0
