"""The effects a :class:`~ocpp_gateway.bridge.Bridge` returns, executed in order by the runtime.

A module of their own so the pure rules (``bridge``, ``reservation``) share them without
importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ev_common import contract as c


@dataclass(frozen=True)
class Publish:
    body: c.Payload
    msg_id: str | None = None


@dataclass(frozen=True)
class Call:
    """A request to the charger: ``action`` names the OCPP call, ``fields`` its arguments."""

    action: str           # ReserveNow | CancelReservation | RemoteStart/StopTransaction | ChangeAvailability
    fields: dict
    ref: str = ""         # the idTag a ReserveNow/RemoteStart is for: its answer goes back to the bridge


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Notice:
    text: str
    level: str = "info"   # info | warn | error


@dataclass(frozen=True)
class Save:
    pass


Effect = Union[Publish, Call, Health, Notice, Save]
