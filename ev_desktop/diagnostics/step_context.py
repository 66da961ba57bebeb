"""What every diagnostics step shares: the run's context, the servers it found, early outcomes.

A step is ``step_x(ctx, facts) -> (code, params)``: it returns its OK outcome, or raises
:class:`StepError` with a warning/failure code; it fills *facts* (data only) as it goes and
leaves what later steps need (sockets, API versions, brokers, an admin client) on the context.
"""
from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ev_common.topics import Topics
from ev_desktop.diagnostics.report import StepStatus


class StepError(Exception):
    """A step's outcome decided early: carries status, code, params and facts."""

    def __init__(self, status: StepStatus, code: str, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


@dataclass
class Server:
    host: str
    port: int
    addrs: list[tuple] = field(default_factory=list)   # getaddrinfo results
    sock: socket.socket | None = None

    @property
    def target(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass
class StepContext:
    bootstrap: str
    topics: Topics
    group_ids: list[str]
    timeout_s: float
    reader_lags: Callable[[], Mapping[str, int | None]] | None = None
    servers: list[Server] = field(default_factory=list)
    kafka_server: Server | None = None
    api_versions: dict[int, int] = field(default_factory=dict)   # api_key -> max version
    brokers: list[tuple[int, str, int]] = field(default_factory=list)
    admin: Any = None
    reachable_bootstrap: list[str] = field(default_factory=list)
    credentials: Any = None   # KafkaCredentials of this app; None = plain text
