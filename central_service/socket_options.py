"""``ev-central`` options of the socket link (TLS certificate, link limits) and the TLS context
they produce.

Kept apart from cli.py so the list of transport knobs (and their env vars) reads in one place.
Every option has an env var ``EV_<NAME>`` and a config-file key; see docs/security.md.
"""
from __future__ import annotations

import argparse
import logging
import ssl
from pathlib import Path
from typing import Any

from central_service.connection_limits import LinkLimits
from ev_common.settings import setting
from ev_common.tls_links import default_hosts, server_ssl

log = logging.getLogger("central")

_D = LinkLimits()


def _flag(name: str) -> bool:
    return setting(name, "").strip().lower() in ("1", "true", "yes", "on")


def add_socket_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("socket link (TLS and limits)")
    g.add_argument("--tls-cert", type=Path, default=setting("tls_cert", "") or None,
                   help="PEM certificate of Central's socket (env EV_TLS_CERT; default: issued by the "
                        "local CA in the pki dir for --tls-hosts, reused while valid)")
    g.add_argument("--tls-key", type=Path, default=setting("tls_key", "") or None,
                   help="its private key, a 0600 file (env EV_TLS_KEY)")
    g.add_argument("--tls-hosts", default=setting("tls_hosts", ""),
                   help="comma-separated host names/IPs clients dial, put in the issued certificate "
                        "(env EV_TLS_HOSTS; default: --host if specific, this machine's names and "
                        "addresses, localhost, 127.0.0.1)")
    g.add_argument("--plaintext-socket", action="store_true", default=_flag("plaintext_socket"),
                   help="serve the socket WITHOUT TLS (legacy clients only; logged as a warning) "
                        "(env EV_PLAINTEXT_SOCKET=1)")
    g.add_argument("--max-connections", type=int, default=int(setting("max_connections", str(_D.max_connections))),
                   help="open socket links in total; more are closed at once (default %(default)s)")
    g.add_argument("--max-connections-per-address", type=int,
                   default=int(setting("max_connections_per_address", str(_D.max_per_address))),
                   help="open socket links from one IP address (default %(default)s)")
    g.add_argument("--tls-handshake-timeout", type=float,
                   default=float(setting("tls_handshake_timeout", str(_D.handshake_timeout_s))),
                   help="seconds a new link has to finish its TLS handshake (default %(default)s)")
    g.add_argument("--frame-deadline", type=float, default=float(setting("frame_deadline", str(_D.frame_deadline_s))),
                   help="seconds from the first to the last byte of one frame; a slower peer is cut "
                        "(default %(default)s)")
    g.add_argument("--anonymous-idle-timeout", type=float,
                   default=float(setting("anonymous_idle_timeout", str(_D.anonymous_idle_s))),
                   help="seconds a link that has not authenticated a CP may go without a valid request "
                        "(default %(default)s)")
    g.add_argument("--link-idle-timeout", type=float, default=float(setting("link_idle_timeout", str(_D.idle_s))),
                   help="seconds an authenticated Monitor's link may go without a request (heartbeat) "
                        "before Central closes it; at least 3 × --heartbeat-interval (default %(default)s)")


def socket_config(args: argparse.Namespace) -> dict[str, Any]:
    """The CentralConfig fields these options set."""
    return dict(
        plaintext_socket=bool(args.plaintext_socket), tls_cert=args.tls_cert, tls_key=args.tls_key,
        tls_hosts=tuple(h.strip() for h in args.tls_hosts.split(",") if h.strip()),
        limits=LinkLimits(max_connections=args.max_connections, max_per_address=args.max_connections_per_address,
                          handshake_timeout_s=args.tls_handshake_timeout, frame_deadline_s=args.frame_deadline,
                          anonymous_idle_s=args.anonymous_idle_timeout, idle_s=args.link_idle_timeout))


def central_ssl(cfg: Any) -> ssl.SSLContext | None:
    """The TLS context of Central's socket for a CentralConfig (None: --plaintext-socket)."""
    if cfg.plaintext_socket:
        log.warning("socket link in PLAIN TEXT (--plaintext-socket): passwords, CP keys and tokens "
                    "cross the network unencrypted")
        return None
    hosts = list(cfg.tls_hosts) or default_hosts(cfg.host)
    return server_ssl(cfg.tls_cert, cfg.tls_key, hosts, cfg.pki_dir)
