"""The event contract: every Kafka message of the system, typed and versioned, in one package.

Each message travels as a JSON :class:`Envelope` whose ``body`` is one of the payload structs
below, chosen by ``type``. ``docs/protocol.md`` documents the same thing for non-Python
clients; change both in the same commit.

Decoding is two-staged on purpose: the envelope is validated first, then the body against
the struct registered for ``type``. Any failure — not JSON, missing field, wrong type, unknown
message type, unsupported schema version — raises :class:`ContractError` and nothing else, so
a consumer has exactly one error to route to the dead-letter topic.
"""
from __future__ import annotations

# one module per group of messages (:mod:`.driver_messages`, :mod:`.cp_messages`,
# :mod:`.central_messages`) and one for the wire (:mod:`.codec`); every name is re-exported here
# so that ``from ev_common import contract as c`` / ``c.Ticket`` / ``c.decode`` keep working
from .base import SCHEMA_VERSION, ContractError, Payload
from .central_messages import (
    ActivityKind, CentralActivity, CentralHeartbeat, DeadLetter, GatewayReport, OperatorCommand, RefusedCharger,
)
from .codec import (
    DEAD_LETTER_VALUE_MAX, PAYLOAD_TYPES, Auth, Envelope, decode, describe_bytes, encode, envelope, new_id,
)
from .cp_messages import (
    AuthorizeSupply, CancelAuthorization, CpState, CpStateName, EngineOnline, FinishReason, ManualSupplyRequested,
    SetAvailability, StopSupply, SupplyFinished, SupplyStarted, Telemetry,
)
from .driver_messages import (
    ChargeAuthorized, ChargeCancelled, ChargeDenied, ChargeRequested, DenyReason, InterruptReason,
    ReservationExpired, SealedNotification, SupplyInterrupted, SupplyOutcome, SupplyProgress, SupplyStartedNotice,
    Ticket,
)

__all__ = [
    "ActivityKind", "Auth", "AuthorizeSupply", "CancelAuthorization", "CentralActivity", "CentralHeartbeat",
    "ChargeAuthorized", "ChargeCancelled", "ChargeDenied", "ChargeRequested", "ContractError", "CpState",
    "CpStateName", "DEAD_LETTER_VALUE_MAX", "DeadLetter", "DenyReason", "EngineOnline", "Envelope", "FinishReason",
    "GatewayReport", "InterruptReason", "ManualSupplyRequested", "OperatorCommand", "PAYLOAD_TYPES", "Payload",
    "RefusedCharger", "ReservationExpired", "SCHEMA_VERSION", "SealedNotification", "SetAvailability", "StopSupply",
    "SupplyFinished", "SupplyInterrupted", "SupplyOutcome", "SupplyProgress", "SupplyStarted", "SupplyStartedNotice",
    "Telemetry", "Ticket", "decode", "describe_bytes", "encode", "envelope", "new_id",
]
