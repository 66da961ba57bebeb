"""The gateway's link to Central for one charger: the simulator's Monitor, minus the Engine.

Towards Central a connected charger is an ordinary CP: ``AUTH`` with its key over TLS, then
``HB#cp#OK|KO`` and ``FAULT``/``RECOVER``. The only difference from :class:`Monitor` is where
health comes from: the charger's StatusNotification (Faulted = KO) instead of pinging an Engine.
The link runs while the charger's WebSocket is up; when it goes, the heartbeats stop and
Central shows the CP disconnected after its monitor timeout, as for a silent Monitor.
"""
from __future__ import annotations

import asyncio
import ssl

from cp_simulator.monitor import Monitor, MonitorConfig


class ChargerMonitor(Monitor):
    def __init__(self, cfg: MonitorConfig, console=None, shared_tls: ssl.SSLContext | None = None) -> None:
        super().__init__(cfg, console)
        # one client context for every charger's link (a context per link, with the CA loaded,
        # was a large share of the gateway's memory per charger)
        self._shared_tls = shared_tls

    def _central_context(self) -> ssl.SSLContext | None:
        if self._shared_tls is not None and not self.cfg.central_tls.plaintext:
            return self._shared_tls
        return super()._central_context()

    async def _engine_loop(self) -> None:
        if self.engine_ok is None:
            self._set_health(True)
        await asyncio.Event().wait()  # health changes arrive through set_health()

    def set_health(self, ok: bool, reason: str = "") -> None:
        self._set_health(ok, reason)
