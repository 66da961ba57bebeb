"""One connected charger: the ``ocpp`` library's ChargePoint (central-system side) + its Bridge.

OCPP handlers translate the charger's messages into :class:`~ocpp_gateway.bridge.Bridge` calls
and execute the effects it returns. Calls to the charger run as tasks: the ``ocpp`` library
handles one incoming message at a time, so awaiting a call's answer inside a handler would
deadlock the link.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from ocpp.exceptions import OCPPError
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus

from ocpp_gateway import meter
from ocpp_gateway.bridge import Bridge, Call, Effect, Health, Notice, Publish, Save

if TYPE_CHECKING:
    from ocpp_gateway.app import CpSlot

log = logging.getLogger(__name__)


class GatewayChargePoint(ChargePoint):
    """One charge box's WebSocket. ``slots``: its CPs by connector (one CP per connector,
    :mod:`ocpp_gateway.connectors`); ``slots[1]`` is the box's own id and also serves every
    connector without a CP of its own."""

    def __init__(self, slots: "dict[int, CpSlot]", connection, *, heartbeat_interval_s: int,
                 call_timeout_s: float) -> None:
        super().__init__(slots[1].cp_id, connection, response_timeout=call_timeout_s)
        self.slots = slots
        self.slot = slots[1]
        self.heartbeat_interval_s = heartbeat_interval_s
        self.last_seen = time.monotonic()
        self._tasks: set[asyncio.Task] = set()

    @property
    def bridge(self) -> Bridge:
        return self.slot.bridge

    def slot_for(self, connector_id: int | None) -> "CpSlot":
        return self.slots.get(connector_id or 1, self.slot)

    def _slot_of_tx(self, tx_id: int | None) -> "CpSlot":
        """The CP holding transaction *tx_id*; for -1/missing, one with an open transaction."""
        for slot in self.slots.values():
            if tx_id not in (None, -1) and tx_id in slot.bridge.txs:
                return slot
        if tx_id in (None, -1):
            for slot in self.slots.values():
                if slot.bridge.open_tx() is not None:
                    return slot
        return self.slot

    async def route_message(self, raw_msg):
        self.last_seen = time.monotonic()  # any message proves the charger is alive
        return await super().route_message(raw_msg)

    # ----------------------------------------------------------------- charger → us
    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor: str, charge_point_model: str, **_):
        log.info("cp=%s BootNotification vendor=%s model=%s", self.id, charge_point_vendor[:40],
                 charge_point_model[:40])
        for slot in self.slots.values():
            self.apply(slot.bridge.boot(), slot)
        await self.slot.gateway.durable()
        return call_result.BootNotification(current_time=meter.iso(time.time()),
                                            interval=self.heartbeat_interval_s,
                                            status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_):
        return call_result.Heartbeat(current_time=meter.iso(time.time()))

    @on(Action.status_notification)
    async def on_status(self, connector_id: int, error_code: str, status: str, info: str | None = None, **_):
        log.info("cp=%s StatusNotification connector=%s %s %s", self.id, connector_id, status, error_code)
        targets = list(self.slots.values()) if connector_id == 0 else [self.slot_for(connector_id)]
        for slot in targets:  # connector 0 is the whole box: every CP of it
            self.apply(slot.bridge.status(connector_id, str(status), str(error_code), (info or "")[:50]), slot)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **_):
        now = time.time()
        ok = any(slot.bridge.authorize(id_tag, now) == "Accepted" for slot in self.slots.values())
        return call_result.Authorize(id_tag_info={"status": "Accepted" if ok else "Invalid"})

    @on(Action.start_transaction)
    async def on_start(self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_):
        slot = self.slot_for(connector_id)
        tx_id, status, fx = slot.bridge.start_transaction(connector_id, id_tag, meter_start, timestamp,
                                                         meter.parse_ts(timestamp), time.time())
        self.apply(fx, slot)
        await self.slot.gateway.durable()
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info={"status": status})

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list, transaction_id: int | None = None, **_):
        slot = self._slot_of_tx(transaction_id) if transaction_id not in (None, -1) else self.slot_for(connector_id)
        self.apply(slot.bridge.meter_values(connector_id, transaction_id, meter.samples(meter_value)), slot)
        await self.slot.gateway.durable()
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop(self, meter_stop: int, timestamp: str, transaction_id: int | None = None,
                      reason: str | None = None, **_):
        slot = self._slot_of_tx(transaction_id)
        self.apply(slot.bridge.stop_transaction(transaction_id, meter_stop, meter.parse_ts(timestamp),
                                                str(reason) if reason else None, time.time()), slot)
        await self.slot.gateway.durable()
        return call_result.StopTransaction(id_tag_info={"status": "Accepted"})

    # --------------------------------------------------------------------- effects
    def apply(self, effects: list[Effect], slot: "CpSlot | None" = None) -> None:
        """Execute *effects* of *slot*'s bridge (default: the box's own CP)."""
        slot = slot or self.slot
        for fx in effects:
            if isinstance(fx, Save):
                slot.save()
            elif isinstance(fx, Publish):
                slot.publish(fx.body, fx.msg_id)
            elif isinstance(fx, Call):
                task = asyncio.get_running_loop().create_task(self._call(fx, slot))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif isinstance(fx, Health):
                slot.set_health(fx.ok, fx.reason)
            elif isinstance(fx, Notice):
                slot.notice(fx.text, fx.level)

    async def _call(self, fx: Call, slot: "CpSlot") -> None:
        """Send *fx*; its answer (status, ``error:<code>`` for a CallError, ``timeout``) goes
        back to *slot*'s bridge, which may follow up (ReserveNow → RemoteStart, or a refusal)."""
        request = getattr(call, fx.action)(**fx.fields)
        try:
            answer = await self.call(request, suppress=False)
            outcome = str(getattr(answer, "status", "?"))
        except OCPPError as exc:
            outcome = f"error:{exc.code}"
        except asyncio.TimeoutError:
            outcome = "timeout"
        except Exception as exc:  # noqa: BLE001 — closed link, bad answer: log, go on
            outcome = f"failed:{type(exc).__name__}"
        if outcome.startswith(("error:", "timeout", "failed:")):
            log.warning("cp=%s %s failed: %s", slot.cp_id, fx.action, outcome)
        level = "info" if outcome == "Accepted" else "warn"
        slot.notice(f"{fx.action} → {outcome}", level)
        if fx.ref:
            self.apply(slot.bridge.on_call_result(fx, outcome), slot)

    def cancel_calls(self) -> None:
        for task in list(self._tasks):
            task.cancel()
