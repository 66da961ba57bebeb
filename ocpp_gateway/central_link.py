"""The gateway's link to Central for one charger: the simulator's Monitor, minus the Engine.

Towards Central a connected charger is an ordinary CP: ``AUTH`` with its key over TLS, then
``HB#cp#OK|KO`` and ``FAULT``/``RECOVER``. The only difference from :class:`Monitor` is where
health comes from: the charger's StatusNotification (Faulted = KO) instead of pinging an Engine.
The link runs while the charger's WebSocket is up; when it goes, the heartbeats stop and
Central shows the CP disconnected after its monitor timeout, as for a silent Monitor.
"""
from __future__ import annotations

import asyncio

from cp_simulator.monitor import Monitor


class ChargerMonitor(Monitor):
    async def _engine_loop(self) -> None:
        if self.engine_ok is None:
            self._set_health(True)
        await asyncio.Event().wait()  # health changes arrive through set_health()

    def set_health(self, ok: bool, reason: str = "") -> None:
        self._set_health(ok, reason)
