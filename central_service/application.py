"""Central's application core: contract messages and monitor events → domain → DB → effects.

Knows the domain and the repository; knows nothing of Kafka, sockets or threads. Every public
``on_*`` method must be called by the one thread that owns the state, inside a DB transaction
opened by the caller (the service), and returns the effects (contract payloads) to send once
that transaction has committed. ``CpState`` snapshots of every CP whose picture changed are
appended automatically.

:class:`CentralCore` is assembled from the handler groups of :mod:`central_service.handlers`
(one job per module, all over the same state, :mod:`central_service.handlers.state`); this
module keeps the dispatch: :meth:`CentralCore.on_message` and the explicit table
:attr:`CentralCore.HANDLERS` of every Kafka message Central applies.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ev_common import contract as c
from central_service import gateway_reports
from central_service.handlers.cancels import Cancels
from central_service.handlers.cp_links import CpLinks
from central_service.handlers.operator import OperatorCommands
from central_service.handlers.requests import ChargeRequests
from central_service.handlers.supply_finish import SupplyFinish
from central_service.handlers.supply_start import SupplyStart
from central_service.handlers.telemetry import LiveValues
from central_service.handlers.timers import Timers

log = logging.getLogger("central")


class CentralCore(ChargeRequests, Cancels, SupplyStart, LiveValues, Timers, OperatorCommands, CpLinks):
    """Central's decisions: every handler group over one state (see the module docstring)."""

    # --------------------------------------------------------- Kafka messages
    def on_message(self, env: c.Envelope, principal: str | None = None) -> list[c.Payload]:
        """Apply *env*. *principal* is who the service authenticated as its sender (the driver or
        operator whose session MAC'd it, see :mod:`central_service.sessions`), None when nobody:
        requests and operator commands are obeyed only for their own principal."""
        handler = self.HANDLERS.get(env.type)
        if handler is None:
            log.info("ignoring message type=%s id=%s (not for Central)", env.type, env.id)
            return []
        self._principal = principal
        return self._finish(handler(self, env.body))

    #: The Kafka messages Central applies, by contract type. Telemetry is not here: the runtime
    #: calls :meth:`on_telemetry` itself (its effects are live values, not staged effects).
    #: An explicit table (not ``getattr(self, f"_on_{type}")``) so a reader sees every entry
    #: point at once and a message type cannot reach a private method by its name.
    HANDLERS: dict[str, Callable[["CentralCore", Any], list[c.Payload]]] = {
        c.ChargeRequested.TYPE: ChargeRequests._on_charge_requested,
        c.ChargeCancelled.TYPE: Cancels._on_charge_cancelled,
        c.SupplyStarted.TYPE: SupplyStart._on_supply_started,
        c.SupplyFinished.TYPE: SupplyFinish._on_supply_finished,
        c.ManualSupplyRequested.TYPE: ChargeRequests._on_manual_supply_requested,
        c.EngineOnline.TYPE: CpLinks._on_engine_online,
        c.OperatorCommand.TYPE: OperatorCommands._on_operator_command,
        c.GatewayReport.TYPE: gateway_reports._on_gateway_report,  # noqa: SLF001 - OCPP gateways' refused chargers
    }
