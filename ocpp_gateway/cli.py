"""``ev-ocpp-gateway``: OCPP 1.6J central-system endpoint that makes real chargers CPs of Central."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from ev_common import cp_credentials
from ev_common.central_addresses import central_list_arg
from ev_common.gateway_reports import load_credentials
from ev_common.logsetup import setup_logging
from ev_common.settings import add_common_args, common_settings, host_port_arg, setting
from ev_common.tls_links import add_client_tls_args, default_hosts, link_tls_from_args, server_ssl
from ev_common.topics import Topics
from cp_simulator.engine_auth import DEFAULT_COMMAND_MAX_AGE_S
from ocpp_gateway.app import Gateway, GatewayConfig

log = logging.getLogger("ocpp-gateway")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' no es un número") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("debe ser mayor que 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-ocpp-gateway",
                                description="Pasarela OCPP 1.6J: cargadores reales como CPs de la CENTRAL")
    add_common_args(p)
    p.add_argument("--listen", type=host_port_arg, default=setting("ocpp_listen", "0.0.0.0:9000"),
                   metavar="HOST:PORT", help="dónde escuchan los cargadores OCPP (env EV_OCPP_LISTEN; %(default)s)")
    p.add_argument("--central", type=central_list_arg, default=setting("central", "127.0.0.1:9100"),
                   metavar="HOST:PORT[,HOST:PORT…]",
                   help="socket de la CENTRAL; varias instancias separadas por comas se prueban por turno "
                        "(env EV_CENTRAL; %(default)s)")
    p.add_argument("--cp-credentials", default=None, metavar="DIR",
                   help="directorio con <cp_id>.json de cada cargador (ev-db add-cp --credentials); "
                        "env EV_CP_CREDENTIALS. La contraseña HTTP Basic del cargador es su AuthorizationKey, derivada "
                        "de la clave del CP (python -m ocpp_gateway.authorization_key)")
    p.add_argument("--name", default=setting("ocpp_gateway_name", "gw"),
                   help="nombre de esta pasarela (varias en una máquina: uno distinto cada una) (%(default)s)")
    tls = p.add_argument_group("TLS hacia los cargadores (wss)")
    tls.add_argument("--tls-cert", type=Path, default=setting("ocpp_tls_cert", "") or None,
                     help="certificado del servidor wss (env EV_OCPP_TLS_CERT; por defecto emitido por la CA local)")
    tls.add_argument("--tls-key", type=Path, default=setting("ocpp_tls_key", "") or None,
                     help="su clave privada (env EV_OCPP_TLS_KEY)")
    tls.add_argument("--tls-hosts", default=setting("ocpp_tls_hosts", ""),
                     help="nombres/IP del certificado emitido, separados por comas (por defecto los de la máquina)")
    tls.add_argument("--plain-ws", action="store_true",
                     default=setting("ocpp_plain_ws", "").lower() in ("1", "true", "yes", "on"),
                     help="ws:// SIN cifrar (perfil de seguridad 1: la clave viaja en claro; solo en una red "
                          "de confianza) (env EV_OCPP_PLAIN_WS=1)")
    add_client_tls_args(p)
    p.add_argument("--heartbeat-interval", type=int, default=int(setting("ocpp_heartbeat_interval", "30")),
                   metavar="S", help="intervalo de Heartbeat que se pide a los cargadores (%(default)s s)")
    p.add_argument("--charger-timeout", type=_positive, default=None, metavar="S",
                   help="sin ningún mensaje durante S s el cargador se da por perdido (3 × heartbeat)")
    p.add_argument("--lost-grace", type=_positive, default=float(setting("ocpp_lost_grace", "60")), metavar="S",
                   help="tras perder un cargador, espera S s su StopTransaction antes de cerrar el suministro "
                        "con la última lectura (%(default)s)")
    p.add_argument("--call-timeout", type=_positive, default=30.0, metavar="S",
                   help="espera máxima de la respuesta del cargador a una orden (%(default)s s)")
    p.add_argument("--connector", type=int, default=1,
                   help="conector de RemoteStartTransaction si ninguno está en Preparing (%(default)s)")
    p.add_argument("--command-max-age", type=_positive, default=DEFAULT_COMMAND_MAX_AGE_S, metavar="S",
                   help="antigüedad máxima de una orden firmada de la CENTRAL (%(default)s s)")
    p.add_argument("--status-file", type=Path, default=setting("ocpp_status_file", "") or None,
                   help="fichero JSON con el estado de la pasarela (conectados, rechazados, contadores)")
    p.add_argument("--status-interval", type=_positive, default=5.0, metavar="S",
                   help="cada cuánto se escribe el estado (%(default)s s)")
    p.add_argument("--gateway-credentials", type=Path, default=setting("ocpp_gateway_credentials", "") or None,
                   metavar="FILE", help="clave propia de la pasarela (ev-db add-gateway; 0600; env "
                                        "EV_OCPP_GATEWAY_CREDENTIALS): con ella la CENTRAL muestra a los "
                                        "operadores los cargadores rechazados")
    p.add_argument("--report-interval", type=_positive, default=float(setting("ocpp_report_interval", "30")),
                   metavar="S", help="como mucho un informe de cargadores rechazados cada S s (%(default)s)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = common_settings(args, role="cp")
    setup_logging("ocpp-gateway", settings.log_level)
    logging.getLogger("ocpp").setLevel(logging.WARNING)  # it logs every frame at INFO
    creds = cp_credentials.configured(args.cp_credentials)
    if creds is None or not creds.is_dir():
        print("Faltan las credenciales de los cargadores: indique --cp-credentials DIRECTORIO (o "
              "EV_CP_CREDENTIALS) con los <cp_id>.json que genera `ev-db add-cp`"
              + (f" ({creds} no es un directorio)" if creds else ""), file=sys.stderr)
        return 2
    host, port = args.listen
    if args.plain_ws:
        server_tls = None
        log.warning("OCPP en ws:// SIN TLS (--plain-ws): las claves de los cargadores viajan en claro")
    else:
        hosts = [h.strip() for h in args.tls_hosts.split(",") if h.strip()] or default_hosts(host)
        try:
            server_tls = server_ssl(args.tls_cert, args.tls_key, hosts, name="ocpp-gateway")
        except (OSError, ValueError) as exc:
            print(f"No hay certificado TLS para la pasarela: {exc}", file=sys.stderr)
            return 2
    hb = max(1, args.heartbeat_interval)
    gw_creds = None
    if args.gateway_credentials is not None:
        try:
            gw_creds = load_credentials(args.gateway_credentials)
        except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: InsecureFileError (not 0600)
            print(f"Credenciales de la pasarela inutilizables: {exc}", file=sys.stderr)
            return 2
    cfg = GatewayConfig(
        bootstrap_servers=settings.bootstrap_servers, topics=Topics(settings.topic_prefix),
        data_dir=settings.data_dir, listen=(host, port), central=args.central[0], central_fallbacks=args.central[1:], credentials=creds,
        server_tls=server_tls, central_tls=link_tls_from_args(args, "ocpp-gateway"),
        heartbeat_interval_s=hb, charger_timeout_s=args.charger_timeout or 3.0 * hb,
        lost_grace_s=args.lost_grace, call_timeout_s=args.call_timeout,
        command_max_age_s=args.command_max_age, default_connector=args.connector,
        status_file=args.status_file, status_interval_s=args.status_interval, name=args.name,
        gateway_credentials=gw_creds, report_interval_s=args.report_interval)
    try:
        return asyncio.run(_run(cfg))
    except KeyboardInterrupt:
        return 0


async def _run(cfg: GatewayConfig) -> int:
    gw = Gateway(cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, gw.request_stop)
    try:
        await gw.run()
    except OSError as exc:
        gw.console.line(f"No se puede escuchar en {cfg.listen[0]}:{cfg.listen[1]}: {exc.strerror or exc}", "error")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
