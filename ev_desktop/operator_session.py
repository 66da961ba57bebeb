"""QtOperatorSession: the operator's sign-in seen from Qt — who is signed in, with which token.

Central obeys an OperatorCommand only when it carries a valid operator token (``OPLOGIN``), so
the dashboard is usable only while this session holds one. A token about to expire is dropped
*before* a command could be sent with it (``signedOut("expired")``): the user is asked to sign
in again instead of clicking buttons whose commands Central would silently refuse.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ev_desktop.core.central_client import CentralClient, LoginError, OperatorLogin
from ev_desktop.settings_store import AppSettings

log = logging.getLogger(__name__)

# A command waits in the outbox while Kafka is down; this much validity must be left when it is
# queued, so that a short outage does not turn it into one Central refuses.
EXPIRY_MARGIN_S = 120.0


class QtOperatorSession(QObject):
    signedIn = Signal(str)              # operator id
    signInFailed = Signal(str, str)     # LoginError code, Spanish default message
    signedOut = Signal(str)             # reason: "logout", "expired" or "settings"

    def __init__(self, settings: AppSettings, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.time, margin_s: float = EXPIRY_MARGIN_S) -> None:
        super().__init__(parent)
        self.settings = settings
        self.clock = clock
        self.margin_s = margin_s
        self.login: OperatorLogin | None = None
        self.last_retry_after_s: float | None = None
        self._tasks: set[asyncio.Task] = set()
        self._expiry_timer = QTimer(self)
        self._expiry_timer.setInterval(5000)
        self._expiry_timer.timeout.connect(self.check_expiry)

    @property
    def operator_id(self) -> str | None:
        return self.login.operator_id if self.login else None

    # ------------------------------------------------------------------ intents
    def sign_in(self, operator_id: str, password: str) -> asyncio.Task:
        task = asyncio.ensure_future(self._sign_in(operator_id, password))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _sign_in(self, operator_id: str, password: str) -> None:
        host, port = self.settings.central_host_port
        try:
            login = await CentralClient(host, port).operator_login(operator_id, password)
        except LoginError as exc:
            log.info("operator sign-in %s failed: %s", operator_id, exc.code)
            self.last_retry_after_s = exc.retry_after_s
            self.signInFailed.emit(exc.code, exc.message)
            return
        except Exception as exc:  # anything else is still a message, not a traceback
            log.exception("operator sign-in %s failed", operator_id)
            self.signInFailed.emit("error", f"No se pudo iniciar sesión: {exc}")
            return
        self.accept(login)

    def accept(self, login: OperatorLogin) -> None:
        """Start using *login* (also how tests and screenshots sign in without a Central)."""
        self.login = login
        self.last_retry_after_s = None
        self._expiry_timer.start()
        log.info("operator %s signed in", login.operator_id)
        self.signedIn.emit(login.operator_id)
        self.check_expiry()

    def sign_out(self, reason: str = "logout") -> None:
        if self.login is None:
            return
        log.info("operator %s signed out (%s)", self.login.operator_id, reason)
        self.login = None
        self._expiry_timer.stop()
        self.signedOut.emit(reason)

    # ------------------------------------------------------------------ queries
    def check_expiry(self) -> bool:
        """True while signed in with enough validity left; otherwise signs out ("expired")."""
        if self.login is None:
            return False
        if self.login.needs_sign_in(self.clock(), self.margin_s):
            self.sign_out("expired")
            return False
        return True

    def credentials(self) -> tuple[str, str] | None:
        """(operator id, token) for a command now, or None (then the user is asked to sign in)."""
        if not self.check_expiry():
            return None
        assert self.login is not None
        return self.login.operator_id, self.login.token

    def close(self) -> None:
        self._expiry_timer.stop()
        for task in list(self._tasks):
            task.cancel()

    def tasks(self) -> list[Any]:
        return list(self._tasks)
