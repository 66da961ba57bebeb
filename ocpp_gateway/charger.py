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
    def __init__(self, slot: "CpSlot", connection, *, heartbeat_interval_s: int, call_timeout_s: float) -> None:
        super().__init__(slot.cp_id, connection, response_timeout=call_timeout_s)
        self.slot = slot
        self.heartbeat_interval_s = heartbeat_interval_s
        self.last_seen = time.monotonic()
        self._tasks: set[asyncio.Task] = set()

    @property
    def bridge(self) -> Bridge:
        return self.slot.bridge

    async def route_message(self, raw_msg):
        self.last_seen = time.monotonic()  # any message proves the charger is alive
        return await super().route_message(raw_msg)

    # ----------------------------------------------------------------- charger → us
    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor: str, charge_point_model: str, **_):
        log.info("cp=%s BootNotification vendor=%s model=%s", self.id, charge_point_vendor[:40],
                 charge_point_model[:40])
        self.apply(self.bridge.boot())
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
        self.apply(self.bridge.status(connector_id, str(status), str(error_code), (info or "")[:50]))
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **_):
        return call_result.Authorize(id_tag_info={"status": self.bridge.authorize(id_tag, time.time())})

    @on(Action.start_transaction)
    async def on_start(self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_):
        tx_id, status, fx = self.bridge.start_transaction(connector_id, id_tag, meter_start, timestamp,
                                                         meter.parse_ts(timestamp), time.time())
        self.apply(fx)
        await self.slot.gateway.durable()
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info={"status": status})

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list, transaction_id: int | None = None, **_):
        self.apply(self.bridge.meter_values(connector_id, transaction_id, meter.samples(meter_value)))
        await self.slot.gateway.durable()
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop(self, meter_stop: int, timestamp: str, transaction_id: int | None = None,
                      reason: str | None = None, **_):
        self.apply(self.bridge.stop_transaction(transaction_id, meter_stop, meter.parse_ts(timestamp),
                                                str(reason) if reason else None, time.time()))
        await self.slot.gateway.durable()
        return call_result.StopTransaction(id_tag_info={"status": "Accepted"})

    # --------------------------------------------------------------------- effects
    def apply(self, effects: list[Effect]) -> None:
        for fx in effects:
            if isinstance(fx, Save):
                self.slot.save()
            elif isinstance(fx, Publish):
                self.slot.publish(fx.body, fx.msg_id)
            elif isinstance(fx, Call):
                task = asyncio.get_running_loop().create_task(self._call(fx))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif isinstance(fx, Health):
                self.slot.set_health(fx.ok, fx.reason)
            elif isinstance(fx, Notice):
                self.slot.notice(fx.text, fx.level)

    async def _call(self, fx: Call) -> None:
        """Send *fx*; its answer (status, ``error:<code>`` for a CallError, ``timeout``) goes
        back to the bridge, which may follow up (ReserveNow → RemoteStart, or a refusal)."""
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
            log.warning("cp=%s %s failed: %s", self.id, fx.action, outcome)
        level = "info" if outcome == "Accepted" else "warn"
        self.slot.notice(f"{fx.action} → {outcome}", level)
        if fx.ref:
            self.apply(self.bridge.on_call_result(fx, outcome))

    def cancel_calls(self) -> None:
        for task in list(self._tasks):
            task.cancel()
