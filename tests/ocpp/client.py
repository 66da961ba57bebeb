"""A real OCPP 1.6J charger for the tests: the ``ocpp`` library's own ChargePoint over websockets.

It runs on its own asyncio loop in a thread so the (synchronous) tests can drive it step by step
and wait on Kafka/DB conditions in between. Central-system calls (RemoteStart/Stop,
ChangeAvailability, ReserveNow, CancelReservation) are recorded and answered Accepted
(ReserveNow: ``reserve_answer``).
"""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import threading
import time

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from tests.helpers import tls_client_context


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def basic(user: str, password: str | bytes) -> str:
    """HTTP Basic; *password* bytes are sent as they are (an AuthorizationKey's raw octets)."""
    raw = password if isinstance(password, bytes) else password.encode()
    return "Basic " + base64.b64encode(user.encode() + b":" + raw).decode()


class _Charger(ChargePoint):
    def __init__(self, cp_id, connection, owner: "TestCharger") -> None:
        super().__init__(cp_id, connection, response_timeout=60)
        self.owner = owner

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag: str, connector_id: int | None = None, **_):
        self.owner.requests.append(("RemoteStartTransaction", {"id_tag": id_tag, "connector_id": connector_id}))
        return call_result.RemoteStartTransaction(status="Accepted")

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, **_):
        self.owner.requests.append(("RemoteStopTransaction", {"transaction_id": transaction_id}))
        return call_result.RemoteStopTransaction(status="Accepted")

    @on(Action.reserve_now)
    def on_reserve_now(self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int, **_):
        self.owner.requests.append(("ReserveNow", {"connector_id": connector_id, "expiry_date": expiry_date,
                                                   "id_tag": id_tag, "reservation_id": reservation_id}))
        return call_result.ReserveNow(status=self.owner.reserve_answer)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_):
        self.owner.requests.append(("CancelReservation", {"reservation_id": reservation_id}))
        return call_result.CancelReservation(status="Accepted")

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, **_):  # noqa: A002 - OCPP's name
        self.owner.requests.append(("ChangeAvailability", {"connector_id": connector_id, "type": str(type)}))
        return call_result.ChangeAvailability(status="Accepted")


class TestCharger:
    """``connect()`` / ``send(call.X(...))`` / ``drop()`` from a synchronous test."""

    __test__ = False  # not a pytest class

    def __init__(self, url: str, cp_id: str, key: str | bytes | None, *, tls: bool = True) -> None:
        self.url, self.cp_id, self.key, self.tls = url, cp_id, key, tls
        self.requests: list[tuple[str, dict]] = []
        self.reserve_answer = "Accepted"   # what ReserveNow is answered (Occupied, Faulted…)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=f"charger-{cp_id}")
        self._thread.start()
        self.cp: _Charger | None = None
        self._ws = None
        self._runner = None

    def _run(self, coro, timeout: float = 90.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def connect(self) -> "TestCharger":
        self._run(self._connect())
        return self

    async def _connect(self) -> None:
        headers = {"Authorization": basic(self.cp_id, self.key)} if self.key is not None else {}
        self._ws = await websockets.connect(f"{self.url}/{self.cp_id}", subprotocols=["ocpp1.6"],
                                            additional_headers=headers,
                                            ssl=tls_client_context() if self.tls else None, open_timeout=20)
        self.cp = _Charger(self.cp_id, self._ws, self)
        self._runner = asyncio.ensure_future(self.cp.start())

    def send(self, request, timeout: float = 90.0):
        assert self.cp is not None, "not connected"
        return self._run(self.cp.call(request), timeout)

    def boot(self) -> None:
        self.send(call.BootNotification(charge_point_model="Test", charge_point_vendor="pytest"))
        self.status("Available")

    def status(self, status: str, connector_id: int = 1, error_code: str = "NoError") -> None:
        self.send(call.StatusNotification(connector_id=connector_id, error_code=error_code, status=status,
                                          timestamp=iso(time.time())))

    def start(self, id_tag: str, meter_start: int, ts: float, connector_id: int = 1):
        return self.send(call.StartTransaction(connector_id=connector_id, id_tag=id_tag, meter_start=meter_start,
                                               timestamp=iso(ts)))

    def meter(self, tx_id: int | None, wh: float, w: float, ts: float, connector_id: int = 1) -> None:
        self.send(call.MeterValues(connector_id=connector_id, transaction_id=tx_id, meter_value=[{
            "timestamp": iso(ts), "sampledValue": [
                {"value": f"{wh:g}", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": f"{w:g}", "measurand": "Power.Active.Import", "unit": "W"}]}]))

    def stop(self, tx_id: int, meter_stop: int, ts: float, reason: str = "EVDisconnected"):
        return self.send(call.StopTransaction(transaction_id=tx_id, meter_stop=meter_stop, timestamp=iso(ts),
                                              reason=reason))

    def requested(self, action: str) -> list[dict]:
        return [fields for name, fields in list(self.requests) if name == action]

    def drop(self) -> None:
        """Vanish: close the socket without any OCPP goodbye (a charger losing its network)."""
        async def _drop() -> None:
            if self._runner is not None:
                self._runner.cancel()
            if self._ws is not None:
                self._ws.transport.abort()
        self._run(_drop())
        self.cp = None

    def close(self) -> None:
        """Close the socket and stop the charger's loop; a second call does nothing (its loop is
        stopped: a coroutine handed to it would never run, and Python warns it was never awaited)."""
        if not self._thread.is_alive():
            return

        async def _close() -> None:
            if self._runner is not None:
                self._runner.cancel()
            if self._ws is not None:
                await self._ws.close()
        try:
            self._run(_close(), 10)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


class _FleetCharger(ChargePoint):
    """A silent charger of a :class:`Fleet`: answers every call Accepted, records nothing."""

    @on(Action.reserve_now)
    def on_reserve_now(self, **_):
        return call_result.ReserveNow(status="Accepted")

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, **_):
        return call_result.CancelReservation(status="Accepted")

    @on(Action.remote_start_transaction)
    def on_remote_start(self, **_):
        return call_result.RemoteStartTransaction(status="Accepted")


class Fleet:
    """Many real OCPP clients (the ``ocpp`` library's ChargePoint) on ONE loop in a thread: a
    reconnect storm without a thread per charger."""

    __test__ = False

    def __init__(self, url: str, passwords: dict[str, str]) -> None:
        self.url, self.passwords = url, passwords
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="fleet")
        self._thread.start()
        self._links: dict[str, tuple] = {}

    def _run(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _one(self, cp_id: str) -> None:
        ws = await websockets.connect(f"{self.url}/{cp_id}", subprotocols=["ocpp1.6"],
                                      additional_headers={"Authorization": basic(cp_id, self.passwords[cp_id])},
                                      ssl=tls_client_context(), open_timeout=120, ping_interval=None)
        cp = _FleetCharger(cp_id, ws, response_timeout=120)
        runner = asyncio.ensure_future(cp.start())
        self._links[cp_id] = (ws, runner)
        await cp.call(call.BootNotification(charge_point_model="Fleet", charge_point_vendor="pytest"))
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available",
                                              timestamp=iso(time.time())))
        # like a real charger: a Heartbeat now and then, so the gateway never gives it up as
        # silent while a loaded machine takes its time (seen: 200 × --charger-timeout)
        beat = asyncio.ensure_future(self._beat(cp))
        self._links[cp_id] = (ws, runner, beat)

    @staticmethod
    async def _beat(cp: ChargePoint) -> None:
        while True:
            await asyncio.sleep(5)
            try:
                await cp.call(call.Heartbeat())
            except Exception:  # noqa: BLE001 - the link is gone: drop_all cancels us
                return

    def connect_all(self, timeout: float = 300.0) -> list[BaseException]:
        """Every charger connects and boots at once; returns the failures (empty: all in)."""
        async def _all():
            res = await asyncio.gather(*(self._one(cp_id) for cp_id in self.passwords), return_exceptions=True)
            return [r for r in res if isinstance(r, BaseException)]
        return self._run(_all(), timeout)

    def drop_all(self) -> None:
        """Every charger loses its network at once (no close handshake)."""
        async def _drop():
            for ws, *tasks in self._links.values():
                for task in tasks:
                    task.cancel()
                ws.transport.abort()
            self._links.clear()
        self._run(_drop(), 30)

    def close(self) -> None:
        try:
            self.drop_all()
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
