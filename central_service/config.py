"""Central's options (one frozen dataclass), apart from the runtime that uses them.

The CLI (:mod:`central_service.cli`) fills it from flags and environment variables; tests and
benchmarks build one directly. Every address, port, timeout and path of Central is here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from central_service.authenticity import DEFAULT_CP_EVENT_MAX_AGE_S
from central_service.connection_limits import LinkLimits


@dataclass(frozen=True)
class CentralConfig:
    port: int
    bootstrap_servers: str
    data_dir: Path
    topic_prefix: str = "ev"
    host: str = "0.0.0.0"
    db_url: str | None = None
    reservation_timeout: float = 30.0
    monitor_timeout: float = 5.0
    heartbeat_interval: float = 1.0
    token_secret: str | None = None
    token_ttl: float = 600.0  # session lifetime: short, renewed over the socket while the app is open
    session_grace: float = 3600.0  # how late a message signed while its session was valid may arrive
    interrupted_timeout: float = 600.0
    instance: str = "central"  # --instance-id: envelope source, heartbeat key, DB lock holder
    group_session_timeout: float = 10.0  # s; Kafka's broker accepts 6..1800 by default
    standby: bool = False  # --standby: wait for the active instance's database lock instead of refusing
    # fencing (central_service.fencing): how often the active instance checks it still holds the
    # database lock, and how long a check may go unanswered before the lock counts as lost
    lock_check_interval: float = 1.0
    lock_check_timeout: float = 5.0
    # --scale-out (central_service/scale_out.py, PostgreSQL only): several instances serve at
    # once; each renews its lease every lease_interval s, and one silent for lease_length s is
    # taken as dead (its Monitors lost, its pending effects relayed by another instance)
    scale_out: bool = False
    lease_interval: float = 2.0
    lease_length: float = 10.0
    tick_interval: float = 0.2
    live_flush_interval: float = 1.0
    # SQLite ``synchronous`` of the database (see db.connect and docs/design.md, "Power cut"):
    # FULL fsyncs every commit, so a state change whose effects may already be out (an
    # authorization, a command) is never lost to a power cut.
    db_sync: str = "FULL"
    # ... and of the producer outbox's appends: at least as durable as the database, because a
    # relayed effect is deleted from the database once the outbox holds it.
    outbox_sync: str = "FULL"
    # Tests only (env EV_FAULT_KILL_BEFORE_RELAY=<message type>): Central kills itself
    # (SIGKILL) after committing a transaction whose effects include that type, before relaying
    # them — the transactional outbox's crash window, see tests/e2e/test_power_cut.py.
    fault_kill_before_relay: str | None = None
    # Size cap of Central's Kafka outbox (rows). Beyond it live values are dropped (superseded)
    # and committed effects wait in the database (pending_effects) until Kafka drains it.
    outbox_max_rows: int = 1_000_000
    # The live lane (central_service.effects, "Two lanes"): live values (SupplyProgress, CpState
    # from telemetry) wait in memory, latest per key, and enter the producer's outbox only while
    # it holds fewer than live_admit_rows rows — the most an answer or command can wait behind;
    # checked after each batch and every live_pump_interval seconds.
    live_admit_rows: int = 50  # 250 -> 50 after load_latency: answer p50 144 -> 54 ms (README, issue 14)
    live_pump_interval: float = 0.02
    # The requests consumer's poll returns at least this often (ms) even with nothing to read.
    # kafka-python 3.0.12 can miss a fetch response that lands while its poll is between
    # draining and sending the next fetch: it then waits for that next fetch (fetch_max_wait
    # 100 ms) before handing over what it already holds. A new poll drains it, so this bounds
    # that stall (load_latency: the ~116 ms maxima of 100 samples). Costs ~40 idle polls/s.
    requests_poll_ms: int = 25
    # Driver apps' WATCH links (central_service.notify_push): Central pings a quiet link this
    # often, so both sides notice a dead peer and a signed-out session's link ends.
    push_ping_interval: float = 5.0
    # How often the rows of effects already handed to the producer are deleted (all at once,
    # off the answer's path: central_service.effects.EffectRelay.forget_relayed).
    forget_interval: float = 0.25
    # Retention (central_service.retention): processed ids longer than Kafka's retention.
    processed_ids_retention: float = 30 * 86400.0
    event_log_retention: float = 180 * 86400.0
    prune_interval: float = 3600.0
    login_max_failures: int = 5
    login_lockout: float = 30.0
    #: copies of each topic / acks=all quorum; None = EV_KAFKA_* env, else fitted to the cluster
    replication_factor: int | None = None
    min_insync_replicas: int | None = None
    # socket links (central_service.connection_limits, ev_common.tls_links): TLS unless
    # plaintext_socket; the certificate given, or issued from the CA in pki_dir for tls_hosts
    # (empty: this machine's names + localhost/127.0.0.1)
    limits: LinkLimits = LinkLimits()
    plaintext_socket: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_hosts: tuple[str, ...] = ()
    pki_dir: Path | None = None
    # message authenticity and billing (docs/security.md, "Message authenticity, billing and tokens")
    cp_event_max_age: float = DEFAULT_CP_EVENT_MAX_AGE_S
    billing_time_scale: float = 1.0  # the CPs' --time-scale (demo): metered seconds per real second
    # seconds after a restart during which a request for a CP whose Monitor was connected before
    # is held instead of denied "disconnected" (None: see restart_grace_s); domain.restart_grace
    restart_grace: float | None = None
    # operator workbench (central_service.workbench, domain.alerts): how often alerts are
    # evaluated, their thresholds, when an open supply is suspect, telemetry sampling for timelines
    alert_interval: float = 1.0
    alert_disconnected: float = 30.0
    alert_silent_supply: float = 30.0
    alert_open_max: float = 4 * 3600.0
    supply_sample_interval: float = 10.0

    @property
    def restart_grace_s(self) -> float:
        """Default: twice the monitor timeout — one timeout is how long a silent Monitor is
        tolerated in normal running; after a restart it also needs one reconnect backoff
        (the Monitor's is capped at 5 s by default, the default monitor timeout)."""
        return 2 * self.monitor_timeout if self.restart_grace is None else self.restart_grace
