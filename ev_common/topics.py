"""Topic names, derived from one configurable prefix, and what each needs at creation."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    prefix: str = "ev"

    @property
    def driver_requests(self) -> str:
        return f"{self.prefix}.driver.requests"

    @property
    def driver_notifications(self) -> str:
        return f"{self.prefix}.driver.notifications"

    @property
    def cp_events(self) -> str:
        return f"{self.prefix}.cp.events"

    @property
    def cp_commands(self) -> str:
        return f"{self.prefix}.cp.commands"

    @property
    def operator_commands(self) -> str:
        return f"{self.prefix}.operator.commands"

    @property
    def cp_state(self) -> str:
        return f"{self.prefix}.cp.state"

    @property
    def central_heartbeat(self) -> str:
        return f"{self.prefix}.central.heartbeat"

    @property
    def central_activity(self) -> str:
        """Central's account of what it did (the operators' live event log); only Central writes."""
        return f"{self.prefix}.central.activity"

    @property
    def dead_letters(self) -> str:
        return f"{self.prefix}.deadletters"

    def all(self) -> list[str]:
        return [
            self.driver_requests, self.driver_notifications, self.cp_events, self.cp_commands,
            self.operator_commands, self.cp_state, self.central_heartbeat, self.central_activity,
            self.dead_letters,
        ]

    def creation_configs(self) -> dict[str, dict[str, str]]:
        """Per-topic configs: the state topic is compacted (latest per cp_id survives);
        the heartbeat topic only needs minutes of history."""
        return {
            self.cp_state: {"cleanup.policy": "compact", "min.compaction.lag.ms": "0",
                            "segment.ms": "60000"},
            self.central_heartbeat: {"retention.ms": "600000"},
            self.central_activity: {"retention.ms": str(7 * 24 * 3600 * 1000)},
        }

    def partitions(self, topic: str) -> int:
        # one partition for the activity log: operators read it in the order Central wrote it
        return 1 if topic in (self.central_heartbeat, self.central_activity) else 6
