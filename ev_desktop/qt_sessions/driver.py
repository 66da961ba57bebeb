"""QtDriverSession: the :class:`DriverCore` seen from Qt — signals out, intents in.

The core runs on the asyncio loop, which under qasync *is* the Qt thread, so its events can
be re-emitted as signals directly. Coroutines (login, history, services) are started as tasks
and report back by signal; failures become plain messages, never tracebacks.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ev_common.central_addresses import text as central_text
from ev_desktop.core.central_client import LoginError
from ev_desktop.core.driver import DriverConfig, DriverCore
from ev_desktop.core.events import LinkChanged, RequestNotSaved
from ev_desktop.core.services import ServicesRunner
from ev_desktop.settings_store import AppSettings

log = logging.getLogger(__name__)


class QtDriverSession(QObject):
    loggedIn = Signal(str)                 # driver id
    loginFailed = Signal(str, str)         # code, Spanish default message
    driverEvent = Signal(object)           # DriverEvent, after core.tracker applied it
    linkChanged = Signal(object)           # ProducerStatus of the driver's producer
    historyLoaded = Signal(list)
    historyFailed = Signal(str, str)
    servicesProgress = Signal(object)      # ServicesProgress
    servicesFinished = Signal(list)        # list[ServiceOutcome]
    loggedOut = Signal()
    centralAnswered = Signal(str)          # "host:port" of the Central that answered a socket call

    def __init__(self, settings: AppSettings, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.data_dir = Path(data_dir)
        self.last_retry_after_s: float | None = None  # Central's lockout after repeated wrong passwords
        self.core: DriverCore | None = None
        self.runner: ServicesRunner | None = None
        self._tasks: set[asyncio.Task] = set()

    # ------------------------------------------------------------------ helpers
    def _spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _config(self) -> DriverConfig:
        host, port = self.settings.central_host_port
        return DriverConfig(bootstrap_servers=self.settings.bootstrap_servers, central_host=host,
                            central_port=port, data_dir=self.data_dir,
                            topic_prefix=self.settings.topic_prefix,
                            central_fallbacks=self.settings.central_fallbacks)

    @property
    def logged_in(self) -> bool:
        return self.core is not None and self.core.started

    @property
    def tracker(self):
        return self.core.tracker if self.core else None

    # ------------------------------------------------------------------ intents
    def login(self, driver_id: str, password: str) -> asyncio.Task:
        return self._spawn(self._login(driver_id, password))

    async def _login(self, driver_id: str, password: str) -> None:
        if self.core is not None and self.core.started:
            await self.logout()
        try:
            core = DriverCore(self._config(), on_event=self._on_core_event,
                              loop=asyncio.get_running_loop(),
                              on_central_answer=lambda a: self.centralAnswered.emit(central_text(a)))
            await core.login(driver_id, password)
            core.start()
        except LoginError as exc:
            log.info("login driver=%s failed: %s", driver_id, exc.code)
            self.last_retry_after_s = exc.retry_after_s  # read by the view for the wait text
            self.loginFailed.emit(exc.code, exc.message)
            return
        except Exception as exc:  # anything else is still a message, not a traceback
            log.exception("login driver=%s failed", driver_id)
            self.loginFailed.emit("error", f"No se pudo iniciar sesión: {exc}")
            return
        self.core = core
        self.loggedIn.emit(core.driver_id or driver_id)
        status = core.link_status()
        if status is not None:
            self.linkChanged.emit(status)
        # a supply still open from before (app restarted mid-supply): show it before anything else
        await core.resume_open_supply()

    def request_charge(self, cp_id: str | None) -> str | None:
        if self.core is None or not self.core.started:
            return None
        return self.core.request_charge(cp_id)

    def cancel(self) -> str | None:
        """Undo what applies now (queued request, reservation, running supply); returns what.
        Raises :class:`RequestNotSaved` when the cancel could not be stored (disk full)."""
        if self.core is None or not self.core.started:
            return None
        return self.core.cancel_current()

    def load_history(self) -> asyncio.Task | None:
        if self.core is None:
            return None
        return self._spawn(self._history())

    async def _history(self) -> None:
        assert self.core is not None
        try:
            rows = await self.core.history()
        except LoginError as exc:
            self.historyFailed.emit(exc.code, exc.message)
            return
        except Exception as exc:
            log.exception("history failed")
            self.historyFailed.emit("error", str(exc))
            return
        self.historyLoaded.emit(rows)

    def run_services(self, cp_ids: list[str], pause_s: float = 4.0) -> asyncio.Task | None:
        if self.core is None or self.runner is not None:
            return None
        self.runner = ServicesRunner(self.core, cp_ids, pause_s=pause_s, progress=self.servicesProgress.emit)
        return self._spawn(self._run_services(self.runner))

    async def _run_services(self, runner: ServicesRunner) -> None:
        try:
            outcomes = await runner.run()
        except Exception:
            log.exception("services run failed")
            outcomes = list(runner.outcomes)
        finally:
            self.runner = None
        self.servicesFinished.emit(outcomes)

    def stop_services(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    async def logout(self) -> None:
        """"Cerrar sesión": Central revokes the session (LOGOUT), the core stops."""
        self.stop_services()
        core, self.core = self.core, None
        if core is not None:
            await core.logout()
        self.loggedOut.emit()

    async def close(self) -> None:
        self.stop_services()
        core, self.core = self.core, None
        if core is not None:
            await core.close()

    # ------------------------------------------------------------------ core → Qt
    def _on_core_event(self, event: Any) -> None:
        if isinstance(event, LinkChanged):
            self.linkChanged.emit(event.status)
        self.driverEvent.emit(event)
