"""Who may read and write which topic: the ACL table, enforced by the broker (deny by default).

The broker runs Kafka's StandardAuthorizer with ``allow.everyone.if.no.acl.found=false``: a
principal may do only what an ACL below allows. The table is written for one topic prefix
(``ev`` by default; tests use a fresh prefix each), so :func:`grant` is run once per prefix —
by ``ev-kafka start`` for its ``--topic-prefix`` and by ``ev-kafka grant --topic-prefix P``.
docs/security.md shows the same table in words; :data:`TABLE` is the authority.

Why the operator principal may also write driver requests and read notifications: the
operator's desktop app contains the driver panel (one app, one identity). Per-driver and
per-CP authenticity inside a shared topic is not an ACL matter (it is done with message MACs).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         ResourcePattern, ResourcePatternFilter, ResourceType)

from ev_common.kafka.admin import admin_client
from ev_common.kafka.security import KafkaCredentials
from ev_common.topics import Topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rights:
    write: tuple[str, ...]   # Topics attribute names
    read: tuple[str, ...]
    groups: tuple[str, ...] = ()   # consumer group ids (after "<prefix>."), PREFIXED
    admin_topics: bool = False     # create topics and check/repair their settings


TABLE: dict[str, Rights] = {
    "central": Rights(
        write=("cp_commands", "cp_state", "driver_notifications", "central_heartbeat",
               "central_activity", "dead_letters"),
        read=("driver_requests", "cp_events", "operator_commands"),
        # central.requests: the second consumer, driver requests and operator commands only,
        # so they never wait behind the CP events' telemetry (see central_service runtime)
        groups=("central", "central.requests"), admin_topics=True),
    "cp": Rights(write=("cp_events", "dead_letters"), read=("cp_commands",)),
    "operator": Rights(write=("operator_commands", "driver_requests"),
                       read=("cp_state", "central_heartbeat", "central_activity",
                             "driver_notifications")),
    "driver": Rights(write=("driver_requests",),
                     read=("driver_notifications", "cp_state", "central_heartbeat")),
}


def acls_for(prefix: str) -> list[ACL]:
    """Every ALLOW ACL of :data:`TABLE` for topics of *prefix* (anything else is denied)."""
    topics = Topics(prefix)
    out: list[ACL] = []

    def allow(principal: str, op: ACLOperation, rtype: ResourceType, name: str,
              pattern: ACLResourcePatternType = ACLResourcePatternType.LITERAL) -> None:
        out.append(ACL(principal=f"User:{principal}", host="*", operation=op,
                       permission_type=ACLPermissionType.ALLOW,
                       resource_pattern=ResourcePattern(rtype, name, pattern)))

    for role, rights in TABLE.items():
        for attr in rights.write:
            allow(role, ACLOperation.WRITE, ResourceType.TOPIC, getattr(topics, attr))
        for attr in rights.read:
            allow(role, ACLOperation.READ, ResourceType.TOPIC, getattr(topics, attr))
        for group in rights.groups:
            allow(role, ACLOperation.READ, ResourceType.GROUP, f"{prefix}.{group}",
                  ACLResourcePatternType.PREFIXED)
        if rights.admin_topics:
            for op in (ACLOperation.CREATE, ACLOperation.DESCRIBE, ACLOperation.DESCRIBE_CONFIGS,
                       ACLOperation.ALTER_CONFIGS):
                allow(role, op, ResourceType.TOPIC, f"{prefix}.", ACLResourcePatternType.PREFIXED)
    return out


def grant(bootstrap: str, prefix: str, credentials: KafkaCredentials | None = None,
          timeout_s: float = 10.0) -> int:
    """Create the ACLs of *prefix* (idempotent) as *credentials* (a super user, e.g. admin);
    returns how many ACLs the table holds."""
    acls = acls_for(prefix)
    admin = admin_client(bootstrap, timeout_s, client_id="ev-grant", credentials=credentials)
    try:
        result = admin.create_acls(acls)
        failed = result.get("failed") if isinstance(result, dict) else None
        if failed:
            raise RuntimeError(f"Kafka refused {len(failed)} ACL(s) for prefix {prefix}: {failed[0]}")
        # the broker answers before its authorizer has them: return once they are in force
        every = ACLFilter(principal=None, host="*", operation=ACLOperation.ANY,
                          permission_type=ACLPermissionType.ANY,
                          resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                                 ACLResourcePatternType.ANY))
        deadline = time.monotonic() + timeout_s
        while not set(acls) <= set(admin.describe_acls(every)[0]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the ACLs of prefix {prefix} are not in force after {timeout_s:g}s")
            time.sleep(0.1)
    finally:
        admin.close()
    log.info("granted %d ACLs for topic prefix %s", len(acls), prefix)
    return len(acls)
