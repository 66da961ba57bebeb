"""``ev-cp-engine --ocpp wss://gateway:9000/CP010``: the simulator as an OCPP 1.6J charger.

Instead of Kafka + a Monitor, the simulated charger talks OCPP to an ``ev-ocpp-gateway``, like a
real charging station: BootNotification, Heartbeat, StatusNotification; RemoteStartTransaction
→ (plug delay) StartTransaction → MeterValues every ``meter_interval_s`` → StopTransaction after
the demo duration/energy, on RemoteStopTransaction, or from the menu. The energy comes from the
same :class:`~cp_simulator.power.PowerModel` as the Kafka simulator's. So a demo mixes both
kinds of CP. Authentication: HTTP Basic with the CP id and its AuthorizationKey derived from its key (the ``--cp-credentials``
file), over wss verified against the deployment CA unless the URL is ws:// (plain, warned).
"""
from __future__ import annotations

import asyncio
import base64
import logging
import random
import ssl
import time
from dataclasses import dataclass

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from cp_simulator.console import Console
from cp_simulator.power import Meter, PowerModel
from ev_common.kafka.backoff import Backoff
from ocpp_gateway import authorization_key

log = logging.getLogger(__name__)


def _iso(ts: float) -> str:
    import datetime as dt  # noqa: PLC0415
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class OcppChargerConfig:
    url: str                       # ws[s]://host:port/<cp_id>
    cp_id: str
    key: str
    tls: ssl.SSLContext | None     # None for ws://
    plug_delay_s: float = 3.0
    duration_s: float = 10.0
    kwh: float | None = None
    max_kw: float = 22.0
    time_scale: float = 1.0
    meter_interval_s: float = 1.0
    retry_cap_s: float = 10.0


class _Link(ChargePoint):
    def __init__(self, owner: "OcppCharger", connection) -> None:
        super().__init__(owner.cfg.cp_id, connection, response_timeout=30)
        self.owner = owner

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag: str, connector_id: int | None = None, **_):
        return call_result.RemoteStartTransaction(status=self.owner.remote_start(id_tag))

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, **_):
        return call_result.RemoteStopTransaction(status=self.owner.remote_stop(transaction_id))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, **_):  # noqa: A002 - OCPP's name
        return call_result.ChangeAvailability(status=self.owner.change_availability(str(type)))

    @on(Action.reserve_now)
    def on_reserve_now(self, reservation_id: int, expiry_date: str, id_tag: str, **_):
        return call_result.ReserveNow(status=self.owner.reserve(reservation_id, id_tag, expiry_date))

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_):
        return call_result.CancelReservation(status=self.owner.cancel_reservation(reservation_id))


class OcppCharger:
    def __init__(self, cfg: OcppChargerConfig, console: Console | None = None) -> None:
        self.cfg = cfg
        self.console = console or Console(f"OCPP-CP {cfg.cp_id}")
        self.link: _Link | None = None
        self.available = True
        self.register_wh = 0
        self.tx_id: int | None = None
        self.reservation_id: int | None = None
        self._charging: asyncio.Task | None = None
        self._stop_reason: str | None = None
        self._tasks: set[asyncio.Task] = set()

    # ------------------------------------------------------------------ link
    async def run(self) -> None:
        backoff = Backoff(0.5, self.cfg.retry_cap_s)
        # the password is the charger's AuthorizationKey (20 octets derived from the CP key), as
        # the OCPP 1.6 Security Whitepaper sends it: raw bytes
        headers = {"Authorization": "Basic " + base64.b64encode(
            self.cfg.cp_id.encode() + b":" + authorization_key.derive(self.cfg.key)).decode()}
        while True:
            try:
                async with websockets.connect(self.cfg.url, subprotocols=["ocpp1.6"], additional_headers=headers,
                                              ssl=self.cfg.tls, open_timeout=15) as ws:
                    self.link = _Link(self, ws)
                    runner = asyncio.create_task(self.link.start())
                    try:
                        await self._session()
                        backoff.reset()
                        await runner
                    finally:
                        runner.cancel()
            except websockets.exceptions.InvalidStatus as exc:
                self.console.line(f"La pasarela OCPP rechaza el CP ({exc.response.status_code}): "
                                  "revise el id y la clave", "error")
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
                self.console.line(f"Sin conexión con la pasarela OCPP ({type(exc).__name__}: {exc}) — reintentando",
                                  "warn")
            self.link = None
            await asyncio.sleep(backoff.next())

    async def _session(self) -> None:
        link = self.link
        assert link is not None
        boot = await link.call(call.BootNotification(charge_point_model="EVCharging-sim",
                                                     charge_point_vendor="EVCharging"))
        self.console.line(f"BootNotification → {boot.status} (latido cada {boot.interval} s)")
        await self._status("Charging" if self._charging else ("Available" if self.available else "Unavailable"))
        self._spawn(self._heartbeats(max(1, int(boot.interval or 30))))

    async def _heartbeats(self, interval: int) -> None:
        while self.link is not None:
            await asyncio.sleep(interval)
            await self._send(call.Heartbeat())

    async def _send(self, request):
        link = self.link
        if link is None:
            return None
        try:
            return await link.call(request)
        except Exception as exc:  # noqa: BLE001 — link gone or timeout: reconnect loop handles it
            log.info("cp=%s %s failed: %s", self.cfg.cp_id, type(request).__name__, exc)
            return None

    async def _status(self, status: str, error_code: str = "NoError") -> None:
        await self._send(call.StatusNotification(connector_id=1, error_code=error_code, status=status,
                                                 timestamp=_iso(time.time())))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------ gateway calls
    def remote_start(self, id_tag: str) -> str:
        if self._charging is not None or not self.available:
            return "Rejected"
        self.console.line(f"RemoteStartTransaction ({id_tag}): enchufe automático en {self.cfg.plug_delay_s:g} s")
        self._stop_reason = None
        self.reservation_id = None  # the transaction consumes the reservation
        self._charging = asyncio.get_running_loop().create_task(self._charge(id_tag))
        return "Accepted"

    def reserve(self, reservation_id: int, id_tag: str, expiry: str) -> str:
        """ReserveNow as a real charger answers it: Occupied while charging, Unavailable when
        out of service, else Accepted (the reservation is consumed by the next start)."""
        if self._charging is not None:
            return "Occupied"
        if not self.available:
            return "Unavailable"
        self.reservation_id = reservation_id
        self.console.line(f"ReserveNow {reservation_id} ({id_tag}) hasta {expiry}")
        return "Accepted"

    def cancel_reservation(self, reservation_id: int) -> str:
        if self.reservation_id != reservation_id:
            return "Rejected"
        self.reservation_id = None
        self.console.line(f"CancelReservation {reservation_id}")
        return "Accepted"

    def remote_stop(self, transaction_id: int) -> str:
        if self._charging is None or transaction_id != self.tx_id:
            return "Rejected"
        self._stop_reason = "Remote"
        return "Accepted"

    def change_availability(self, kind: str) -> str:
        self.available = kind == "Operative"
        self.console.line("Operativo" if self.available else "Fuera de servicio (ChangeAvailability)")
        self._spawn(self._status("Available" if self.available else "Unavailable"))
        return "Accepted"

    def unplug(self) -> None:
        if self._charging is not None:
            self._stop_reason = "EVDisconnected"

    # ------------------------------------------------------------------ supply
    async def _charge(self, id_tag: str) -> None:
        try:
            await self._status("Preparing")
            await asyncio.sleep(self.cfg.plug_delay_s)
            start_wh = self.register_wh
            answer = await self._send(call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=start_wh,
                                                            timestamp=_iso(time.time())))
            if answer is None or answer.id_tag_info.get("status") != "Accepted":
                self.console.line("StartTransaction no aceptado: no se carga", "warn")
                await self._status("Available")
                return
            self.tx_id = answer.transaction_id
            await self._status("Charging")
            self.console.line(f"Vehículo ENCHUFADO: transacción {self.tx_id}")
            meter = Meter(PowerModel(self.cfg.max_kw, 0.0, time_scale=self.cfg.time_scale), random.Random())
            t0 = time.monotonic()
            while self._stop_reason is None:
                await asyncio.sleep(self.cfg.meter_interval_s)
                elapsed = time.monotonic() - t0
                reading = meter.read_at(elapsed)
                self.register_wh = start_wh + int(round(reading.kwh * 1000))
                await self._send(call.MeterValues(connector_id=1, transaction_id=self.tx_id, meter_value=[{
                    "timestamp": _iso(time.time()), "sampledValue": [
                        {"value": str(self.register_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": f"{reading.kw * 1000:.0f}", "measurand": "Power.Active.Import", "unit": "W"}]}]))
                done = reading.kwh >= self.cfg.kwh if self.cfg.kwh is not None else elapsed >= self.cfg.duration_s
                if done and self._stop_reason is None:
                    self._stop_reason = "EVDisconnected"
            await self._send(call.StopTransaction(transaction_id=self.tx_id, meter_stop=self.register_wh,
                                                  timestamp=_iso(time.time()), reason=self._stop_reason))
            self.console.line(f"Transacción {self.tx_id} FINALIZADA ({self._stop_reason}): "
                              f"{(self.register_wh - start_wh) / 1000:.3f} kWh")
            await self._status("Finishing")
            await self._status("Available" if self.available else "Unavailable")
        finally:
            self.tx_id = None
            self._charging = None
