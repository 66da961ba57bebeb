"""``ev-central``: the control center. Runs until Ctrl+C / SIGTERM.

Every option also has an environment variable (``EV_<NAME>``) and a config-file key.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import socket
import ssl
import sys
from pathlib import Path

from ev_common.heap import settle_heap
from ev_common.logsetup import setup_logging
from ev_common.pki import InsecureFileError, read_secret
from ev_common.settings import add_common_args, common_settings, setting
from central_service.instance_guard import LockLost, SecondInstanceRefused
from central_service.runtime import FAULT_KILL_BEFORE_RELAY, CentralConfig, CentralService
from central_service.socket_options import add_socket_args, socket_config

log = logging.getLogger("central")


def default_instance_id() -> str:
    """``<host>-<pid>``: unique among the instances running now, which is all the name is for."""
    return f"{socket.gethostname()}-{os.getpid()}"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-central", description="EVCharging CENTRAL: authorizes supplies, "
                                "keeps CP state, issues tickets; the only owner of the database.")
    p.add_argument("--port", type=int, default=int(setting("central_port", "7000")),
                   help="TCP port for monitors and drivers (env EV_CENTRAL_PORT; default %(default)s)")
    p.add_argument("--host", default=setting("central_listen_host", "0.0.0.0"),
                   help="address to listen on (env EV_CENTRAL_LISTEN_HOST; default %(default)s)")
    p.add_argument("--db", default=setting("db", "") or None,
                   help="database URL: sqlite:///path or postgresql://user:pw@host/db "
                        "(env EV_DB; default a SQLite file in the data dir)")
    p.add_argument("--reservation-timeout", type=float, default=float(setting("reservation_timeout", "30")),
                   help="seconds a reservation waits for the supply to start (default %(default)s)")
    p.add_argument("--monitor-timeout", type=float, default=float(setting("monitor_timeout", "5")),
                   help="seconds without a monitor heartbeat before a CP is disconnected (default %(default)s)")
    p.add_argument("--restart-grace", type=float,
                   default=float(setting("restart_grace", "-1")),
                   help="seconds after a restart during which a request for a CP whose monitor was "
                        "connected before is held (not denied) until that monitor is back "
                        "(env EV_RESTART_GRACE; default: twice the monitor timeout)")
    for flag, key, default, text in (
            ("--alert-disconnected", "alert_disconnected", "30", "seconds a CP's monitor may be silent before an operator alert"),
            ("--alert-silent-supply", "alert_silent_supply", "30", "seconds a supply may go without telemetry before an operator alert"),
            ("--alert-open-max", "alert_open_max", "14400", "seconds after which an open supply is listed as suspect"),
            ("--supply-sample-interval", "supply_sample_interval", "10", "seconds between telemetry points kept for a supply's timeline (0: none)")):
        p.add_argument(flag, type=float, default=float(setting(key, default)),
                       help=f"{text} (env EV_{key.upper()}; default %(default)s)")
    p.add_argument("--instance-id", default=setting("instance_id", "") or default_instance_id(),
                   help="this Central's name: its heartbeat's key and its messages' source, shown on the "
                        "operator dashboard (env EV_INSTANCE_ID; default <host>-<pid>, here %(default)s)")
    p.add_argument("--standby", action="store_true", default=setting("standby", "") in ("1", "true", "yes"),
                   help="if another Central already serves the database, wait as its standby and take over "
                        "when it stops or dies, instead of refusing to start (env EV_STANDBY=1)")
    p.add_argument("--lock-check-interval", type=float, default=float(setting("lock_check_interval", "1")),
                   help="seconds between the active instance's checks that it still holds the database "
                        "lock; on loss it stops serving at once (see --on-lock-loss) (env EV_LOCK_CHECK_INTERVAL; "
                        "default %(default)s)")
    p.add_argument("--on-lock-loss", choices=("standby", "exit"), default=setting("on_lock_loss", "standby"),
                   help="what an active instance does once it has stopped serving because its database "
                        "lock was lost: start again as a standby in the same process (the default: it "
                        "serves again once the lock is free) or exit with code 4 for a supervisor "
                        "(env EV_ON_LOCK_LOSS; default %(default)s)")
    p.add_argument("--scale-out", action="store_true", default=setting("central_scale_out", "") in ("1", "true", "yes"),
                   help="several Central instances serve at once over one PostgreSQL database (decisions "
                        "serialised by a database lock, Monitors' liveness in the database); PostgreSQL "
                        "only (env EV_CENTRAL_SCALE_OUT=1)")
    p.add_argument("--lease-interval", type=float, default=float(setting("lease_interval", "2")),
                   help="scale-out: seconds between renewals of this instance's lease (env EV_LEASE_INTERVAL; "
                        "default %(default)s)")
    p.add_argument("--lease-length", type=float, default=float(setting("lease_length", "10")),
                   help="scale-out: seconds an instance's lease lasts; past it the others take it as dead "
                        "(its Monitors lost, its pending effects relayed by them) (env EV_LEASE_LENGTH; "
                        "default %(default)s)")
    p.add_argument("--lock-check-timeout", type=float, default=float(setting("lock_check_timeout", "5")),
                   help="seconds a lock check may go unanswered before the lock counts as lost "
                        "(env EV_LOCK_CHECK_TIMEOUT; default %(default)s)")
    p.add_argument("--group-session-timeout", type=float, default=float(setting("group_session_timeout", "10")),
                   help="seconds Kafka waits for a silent Central before giving its partitions to another "
                        "instance: most of a standby's take-over pause; the broker accepts 6 or more "
                        "(env EV_GROUP_SESSION_TIMEOUT; default %(default)s)")
    p.add_argument("--heartbeat-interval", type=float, default=float(setting("heartbeat_interval", "1")),
                   help="Central heartbeat and expected monitor heartbeat interval, s (default %(default)s)")
    p.add_argument("--token-secret-file", type=Path, default=setting("token_secret_file", "") or None,
                   help="file (mode 0600) holding the HMAC secret for tokens (env EV_TOKEN_SECRET_FILE, or "
                        "the secret itself in env EV_TOKEN_SECRET; default generated once into "
                        "<data dir>/token-secret). Never a command-line value: `ps` would show it")
    p.add_argument("--token-ttl", type=float, default=float(setting("token_ttl", "600")),
                   help="lifetime of a driver/operator session (its token and message key), s; apps "
                        "renew it over the socket while open (env EV_TOKEN_TTL; default %(default)s)")
    p.add_argument("--session-grace", type=float, default=float(setting("session_grace", "3600")),
                   help="how long after a session expired a message signed while it was valid (e.g. "
                        "queued during a Kafka outage) is still accepted, s; never for a signed-out "
                        "session (env EV_SESSION_GRACE; default %(default)s)")
    p.add_argument("--interrupted-timeout", type=float, default=float(setting("interrupted_timeout", "600")),
                   help="seconds an interrupted supply waits for the Engine's final report before it is "
                        "closed with the last telemetry (default %(default)s)")
    p.add_argument("--login-max-failures", type=int, default=int(setting("login_max_failures", "5")),
                   help="wrong passwords for one driver within a minute before its logins are refused "
                        "for --login-lockout seconds (four times as many from one address) (default %(default)s)")
    p.add_argument("--login-lockout", type=float, default=float(setting("login_lockout", "30")),
                   help="seconds logins stay refused after too many wrong passwords (default %(default)s)")
    p.add_argument("--replication-factor", type=int, default=None,
                   help="copies of each topic Central creates (env EV_KAFKA_REPLICATION_FACTOR; "
                        "default min(3, brokers))")
    p.add_argument("--min-insync-replicas", type=int, default=None,
                   help="copies that must have a record before it counts as written (env "
                        "EV_KAFKA_MIN_INSYNC_REPLICAS; default replication factor - 1, at least 1)")
    add_socket_args(p)
    p.add_argument("--cp-event-max-age", type=float,
                   default=float(setting("cp_event_max_age", str(7 * 24 * 3600))),
                   help="oldest signing time accepted on a CP event, in seconds: must cover the longest "
                        "Kafka outage an Engine journals through (env EV_CP_EVENT_MAX_AGE; default %(default)s)")
    p.add_argument("--billing-time-scale", type=float, default=float(setting("billing_time_scale", "1")),
                   help="the CPs' --time-scale (demo only): energy billed may be at most max kW x elapsed "
                        "time x this (env EV_BILLING_TIME_SCALE; default %(default)s)")
    p.add_argument("--db-sync", choices=("NORMAL", "FULL"), type=str.upper,
                   default=setting("db_sync", "FULL"),
                   help="SQLite durability of Central's database: FULL (default) fsyncs every commit, so "
                        "a power cut never loses a committed state change whose effects (authorizations, "
                        "commands) may already be out; NORMAL survives a crash of Central but may lose the "
                        "last transactions to a power cut (env EV_DB_SYNC; see docs/design.md)")
    p.add_argument("--outbox-sync", choices=("NORMAL", "FULL"), type=str.upper,
                   default=setting("outbox_sync", "") or None,
                   help="fsync policy of the Kafka outbox (env EV_OUTBOX_SYNC; default: the same as "
                        "--db-sync — effects leave the database only once the outbox holds them as "
                        "durably)")
    p.add_argument("--processed-ids-days", type=float, default=float(setting("processed_ids_days", "30")),
                   help="keep processed message ids this many days — longer than the topics' retention "
                        "(Kafka's default: 7), or a late redelivery would apply twice "
                        "(env EV_PROCESSED_IDS_DAYS; default %(default)s)")
    p.add_argument("--event-log-days", type=float, default=float(setting("event_log_days", "180")),
                   help="keep event-log lines this many days (env EV_EVENT_LOG_DAYS; default %(default)s)")
    p.add_argument("--prune-interval", type=float, default=float(setting("prune_interval", "3600")),
                   help="seconds between automatic prunings (env EV_PRUNE_INTERVAL; default %(default)s)")
    p.add_argument("--live-admit-rows", type=int, default=int(setting("live_admit_rows", "50")),
                   help="live values (progress, telemetry states) enter the Kafka outbox only while it "
                        "holds fewer rows than this: the most an answer or command waits behind "
                        "(env EV_LIVE_ADMIT_ROWS; default %(default)s)")
    p.add_argument("--requests-poll-ms", type=int, default=int(setting("requests_poll_ms", "25")),
                   help="the requests consumer polls at least this often (ms): bounds how long a "
                        "request already fetched can wait to be handed over "
                        "(env EV_REQUESTS_POLL_MS; default %(default)s)")
    p.add_argument("--push-ping-interval", type=float, default=float(setting("push_ping_interval", "5")),
                   help="seconds between pings on a quiet driver WATCH link, the link that brings a "
                        "driver Central's answers without waiting for Kafka "
                        "(env EV_PUSH_PING_INTERVAL; default %(default)s)")
    add_common_args(p)
    return p


def _token_secret(args: argparse.Namespace) -> str | None:
    if args.token_secret_file:
        return read_secret(Path(args.token_secret_file).expanduser())
    return setting("token_secret", "") or None  # env EV_TOKEN_SECRET (or the config file)


def _warn_ephemeral_ports(port: int, bootstrap: str) -> None:
    """A port in the ephemeral range can be taken by any outgoing connection (see
    ev_common.netcheck): say so once at start-up."""
    from ev_common.kafka.probe import split_bootstrap
    from ev_common.netcheck import ephemeral_warning

    for what, p in [("Central", port)] + [("Kafka", kp) for _, kp in split_bootstrap(bootstrap)]:
        warning = ephemeral_warning(what, p)
        if warning:
            logging.getLogger("central").warning("%s", warning)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    common = common_settings(args, role="central")
    setup_logging("central", common.log_level)
    try:
        token_secret = _token_secret(args)
    except InsecureFileError as exc:
        log.error("%s", exc)
        return 2
    _warn_ephemeral_ports(args.port, common.bootstrap_servers)
    if args.scale_out:
        from central_service.scale_out import ScaleOutRefused, check_database
        try:
            check_database(args.db or "sqlite:///")
            if args.standby:
                raise ScaleOutRefused("--scale-out y --standby no se combinan: con --scale-out todas las "
                                      "instancias sirven a la vez")
            if not 0 < args.lease_interval < args.lease_length:
                raise ScaleOutRefused("--lease-interval debe ser positivo y menor que --lease-length")
        except ScaleOutRefused as exc:
            log.error("No se puede arrancar la CENTRAL: %s", exc)
            return 2
    config = CentralConfig(
        port=args.port, host=args.host, bootstrap_servers=common.bootstrap_servers,
        topic_prefix=common.topic_prefix, data_dir=common.data_dir, db_url=args.db,
        reservation_timeout=args.reservation_timeout, monitor_timeout=args.monitor_timeout,
        heartbeat_interval=args.heartbeat_interval, token_secret=token_secret,
        token_ttl=args.token_ttl, session_grace=args.session_grace, interrupted_timeout=args.interrupted_timeout,
        login_max_failures=args.login_max_failures, login_lockout=args.login_lockout,
        db_sync=args.db_sync, outbox_sync=args.outbox_sync or args.db_sync,
        cp_event_max_age=args.cp_event_max_age, billing_time_scale=args.billing_time_scale,
        replication_factor=args.replication_factor, min_insync_replicas=args.min_insync_replicas,
        restart_grace=None if args.restart_grace < 0 else args.restart_grace,
        alert_disconnected=args.alert_disconnected, alert_silent_supply=args.alert_silent_supply,
        alert_open_max=args.alert_open_max, supply_sample_interval=args.supply_sample_interval,
        fault_kill_before_relay=os.environ.get(FAULT_KILL_BEFORE_RELAY) or None,
        processed_ids_retention=args.processed_ids_days * 86400.0,
        event_log_retention=args.event_log_days * 86400.0, prune_interval=args.prune_interval,
        live_admit_rows=args.live_admit_rows, requests_poll_ms=args.requests_poll_ms,
        push_ping_interval=args.push_ping_interval, instance=args.instance_id, standby=args.standby,
        scale_out=args.scale_out, lease_interval=args.lease_interval, lease_length=args.lease_length,
        group_session_timeout=args.group_session_timeout,
        lock_check_interval=args.lock_check_interval, lock_check_timeout=args.lock_check_timeout,
        **socket_config(args))
    services = [CentralService(config)]
    stop_requested = False

    def _stop() -> None:
        nonlocal stop_requested
        stop_requested = True
        services[-1].request_stop()

    async def _settle_when_serving(service: CentralService) -> None:
        """Once it serves, its start-up heap leaves the collector's full passes (ev_common/heap.py)."""
        await asyncio.to_thread(service.ready.wait)
        if service.failed is None and service.port is not None:
            settle_heap("Central")

    async def _main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stop)
        while True:
            settling = asyncio.create_task(_settle_when_serving(services[-1]))  # noqa: F841 - held while it runs
            await services[-1].run()
            if stop_requested or args.on_lock_loss != "standby" or not isinstance(services[-1].failed, LockLost):
                return
            # fenced (central_service.fencing): start afresh, as a restart does, but as a standby
            log.warning("la CENTRAL %s vuelve a arrancar como reserva (--standby): servirá de nuevo "
                        "cuando el bloqueo de la base de datos esté libre", config.instance)
            services.append(CentralService(dataclasses.replace(config, standby=True)))

    try:
        asyncio.run(_main())
    except SecondInstanceRefused as exc:
        log.error("No se puede arrancar la CENTRAL: %s", exc)
        return 3
    except (FileNotFoundError, InsecureFileError, ssl.SSLError) as exc:  # TLS certificate/key/CA
        log.error("No se puede arrancar la CENTRAL: %s", exc)
        return 2
    except OSError as exc:
        log.error("No se puede arrancar la CENTRAL: %s (¿puerto %d ocupado?)", exc, args.port)
        return 2
    except Exception as exc:  # noqa: BLE001 - a sentence for the console, the traceback in the log
        log.exception("La CENTRAL se ha detenido por un error: %s", exc)
        return 1
    failed = services[-1].failed
    if isinstance(failed, LockLost):  # fenced with --on-lock-loss exit: a supervisor may start it again
        return 4
    if failed is not None:  # e.g. a topic that cannot be repaired safely (logged)
        print(f"La CENTRAL no puede funcionar: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
