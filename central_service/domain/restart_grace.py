"""Central's restart grace: CPs whose Monitor was connected before a restart are not "gone".

After a restart Central knows every CP as disconnected until its Monitor re-authenticates
(facts about live links are not trusted from the DB). Monitors reconnect within a few seconds,
but a driver request queued in Kafka while Central was down is read at once — and used to be
denied ``cp_disconnected`` 0.6 s before the Monitor came back, after the driver app had said
"no need to repeat it". So for a grace period (default: the monitor timeout, the time Central
would anyway wait before declaring a silent Monitor lost) a request that would be denied only
because such a CP is not back yet is *held*: applied again later, not denied. Once the Monitor
re-authenticates or the grace ends the request is decided normally.

Pure: the core asks :meth:`RestartGrace.holds`; the service turns a hold into a retry of the
message (its offset is not committed, so a hold survives even another crash).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from central_service.domain.cp import ChargePoint


class RequestOnHold(Exception):
    """The message cannot be decided yet; apply it again later (nothing was changed)."""


@dataclass(frozen=True)
class RestartGrace:
    cp_ids: frozenset[str]   # CPs whose Monitor was connected when Central last stopped
    until: float             # clock time the grace ends

    @classmethod
    def after_restart(cls, previously_connected: Iterable[str], now: float, grace_s: float) -> "RestartGrace":
        return cls(frozenset(previously_connected), now + max(0.0, grace_s))

    def waiting(self, cps: Mapping[str, ChargePoint], now: float) -> frozenset[str]:
        """CPs still in grace: connected before the restart, Monitor not back yet, time left."""
        if now >= self.until:
            return frozenset()
        return frozenset(i for i in self.cp_ids if i in cps and not cps[i].monitor_connected)

    def holds(self, requested: str | None, cps: Mapping[str, ChargePoint], now: float) -> bool:
        """True when a request for *requested* (None: any free CP) must wait instead of being
        denied: the CP asked for is in grace, or nothing is free while some CP is in grace."""
        waiting = self.waiting(cps, now)
        if not waiting:
            return False
        if requested is not None:
            return requested in waiting
        return not any(cp.state == "available" for cp in cps.values())
