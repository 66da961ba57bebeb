"""``ev-cp-engine``: the charging point's Engine (simulated charger)."""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from pathlib import Path

from ev_common.logsetup import setup_logging
from ev_common.settings import add_common_args, common_settings, host_port_arg
from ev_common.topics import Topics
from cp_simulator.engine import AutoConfig
from cp_simulator.engine_app import EngineApp, EngineConfig
from cp_simulator.engine_auth import DEFAULT_COMMAND_MAX_AGE_S
from ev_common import cp_credentials

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-cp-engine", description="Engine de un punto de recarga (simulado)")
    add_common_args(p)
    p.add_argument("--listen", type=host_port_arg, default=None, metavar="HOST:PORT",
                   help="dónde escucha los chequeos de salud de su Monitor (obligatorio salvo con --ocpp)")
    p.add_argument("--ocpp", default=None, metavar="URL",
                   help="simular un cargador OCPP 1.6J conectado a ev-ocpp-gateway en URL "
                        "(wss://HOST:PORT/<id del CP>; ws:// solo sin cifrar): sin Kafka ni Monitor, "
                        "siempre en modo demo (--auto-*); ver docs/ocpp.md")
    p.add_argument("--max-kw", type=_positive, default=22.0, metavar="K",
                   help="con --ocpp: potencia máxima del cargador simulado (%(default)s kW)")
    p.add_argument("--meter-interval", type=_positive, default=1.0, metavar="S",
                   help="con --ocpp: segundos entre MeterValues (%(default)s)")
    p.add_argument("--ca-file", type=Path, default=None,
                   help="con --ocpp wss: CA que firma el certificado de la pasarela (env EV_CA_FILE)")
    p.add_argument("--cp-id", default=None,
                   help="id del CP (opcional: si no, se aprende del HELLO del Monitor)")
    p.add_argument("--auto", action="store_true",
                   help="modo demo: enchufa y desenchufa solo tras cada autorización")
    p.add_argument("--auto-plug-delay", type=float, default=3.0, metavar="S",
                   help="segundos entre la autorización y el enchufe automático (%(default)s)")
    p.add_argument("--auto-duration", type=float, default=10.0, metavar="S",
                   help="duración del suministro automático en segundos (%(default)s)")
    p.add_argument("--auto-kwh", type=float, default=None, metavar="X",
                   help="en modo demo, desenchufa al llegar a X kWh (en vez de --auto-duration)")
    p.add_argument("--monitor-timeout", type=float, default=3.0, metavar="S",
                   help="segundos sin PING tras los que el Monitor se da por perdido (%(default)s)")
    p.add_argument("--time-scale", type=_positive, default=1.0, metavar="K",
                   help="cada segundo real de suministro mide K segundos de carga (demo: 60 da tickets "
                        "realistas en segundos) (%(default)s)")
    p.add_argument("--cp-credentials", default=None, metavar="RUTA",
                   help="fichero de credenciales del CP (ev-db add-cp) o directorio con <cp_id>.json; "
                        "env EV_CP_CREDENTIALS. Sin él el Engine no firma eventos ni acepta órdenes")
    p.add_argument("--command-max-age", type=_positive, default=DEFAULT_COMMAND_MAX_AGE_S, metavar="S",
                   help="antigüedad máxima de una orden firmada de la CENTRAL (%(default)s s); las "
                        "repeticiones se rechazan siempre")
    p.add_argument("--no-menu", action="store_true", help="no leer órdenes de la entrada estándar")
    return p


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' no es un número") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("debe ser mayor que 0")
    return value


def _loopback(host: str) -> bool:
    """The Monitor↔Engine link is plain TCP by design (same CP box, no secret on it)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.ocpp:
        from cp_simulator.ocpp_charger_cli import run_ocpp_charger  # noqa: PLC0415
        return run_ocpp_charger(args)
    if args.listen is None:
        parser.error("falta --listen HOST:PORT (o --ocpp URL)")
    settings = common_settings(args, role="cp")
    setup_logging("cp-engine", settings.log_level)
    host, port = args.listen
    creds = cp_credentials.configured(args.cp_credentials)
    if creds is None or not creds.exists():
        print("Faltan las credenciales del CP: indique --cp-credentials FICHERO (o EV_CP_CREDENTIALS) "
              "con el fichero que genera `ev-db add-cp`" + (f" ({creds} no existe)" if creds else ""),
              file=sys.stderr)
        return 2
    if not _loopback(host):
        logging.getLogger("cp-engine").warning(
            "el enlace Monitor↔Engine no va cifrado: escuchando en %s, no solo en esta máquina; "
            "si el Monitor está en la misma caja use --listen 127.0.0.1:%d", host, port)
    auto = (AutoConfig(args.auto_plug_delay, args.auto_duration, args.auto_kwh) if args.auto else None)
    cfg = EngineConfig(bootstrap_servers=settings.bootstrap_servers, topics=Topics(settings.topic_prefix),
                       data_dir=settings.data_dir, host=host, port=port,
                       monitor_timeout_s=args.monitor_timeout, auto=auto, menu=not args.no_menu,
                       cp_id=args.cp_id, time_scale=args.time_scale,
                       credentials=creds, command_max_age_s=args.command_max_age)
    try:
        return asyncio.run(_run(cfg))
    except KeyboardInterrupt:  # Ctrl+C before the loop installed its handler
        return 0


async def _run(cfg: EngineConfig) -> int:
    app = EngineApp(cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, app.request_stop)
    try:
        await app.run()
    except OSError as exc:
        app.console.line(f"No se puede escuchar en {cfg.host}:{cfg.port}: {exc.strerror or exc}. "
                         "Elija otro puerto con --listen", "error")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
