"""QtOperatorSession: the operator's sign-in seen from Qt — who is signed in, with which session.

Central obeys an OperatorCommand only when it is MAC'd with the key of a live session of that
operator (``OPLOGIN``), so the dashboard is usable only while this session holds one. The
session is renewed over the socket while the app is open (:class:`SessionKeeper`); one about to
expire anyway (Central unreachable for minutes) or refused by Central is dropped *before* a
command could be sent with it (``signedOut("expired")``): the user is asked to sign in again
instead of clicking buttons whose commands Central would silently refuse. "Cerrar sesión"
sends LOGOUT, so Central refuses the session's key from then on.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ev_common.central_addresses import text as central_text
from ev_desktop.core.central_client import CentralClient, LoginError, OperatorLogin
from ev_desktop.core.session_keeper import SessionKeeper
from ev_desktop.settings_store import AppSettings

log = logging.getLogger(__name__)

# A command waits in the outbox while Kafka is down; this much validity must be left when it is
# queued, so that a short outage does not turn it into one Central refuses.
EXPIRY_MARGIN_S = 120.0


class QtOperatorSession(QObject):
    signedIn = Signal(str)              # operator id
    signInFailed = Signal(str, str)     # LoginError code, Spanish default message
    signedOut = Signal(str)             # reason: "logout", "expired" or "settings"
    centralAnswered = Signal(str)       # "host:port" of the Central that answered a socket call

    def __init__(self, settings: AppSettings, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.time, margin_s: float = EXPIRY_MARGIN_S) -> None:
        super().__init__(parent)
        self.settings = settings
        self.clock = clock
        self.margin_s = margin_s
        self.login: OperatorLogin | None = None
        self.keeper: SessionKeeper | None = None
        self._renewal: asyncio.Task | None = None
        self.last_retry_after_s: float | None = None
        self._tasks: set[asyncio.Task] = set()
        self._expiry_timer = QTimer(self)
        self._expiry_timer.setInterval(5000)
        self._expiry_timer.timeout.connect(self.check_expiry)

    @property
    def operator_id(self) -> str | None:
        return self.login.operator_id if self.login else None

    def _client(self, host: str, port: int) -> CentralClient:
        """A socket client over the configured Centrals that reports the one that answers."""
        return CentralClient(host, port, fallbacks=self.settings.central_fallbacks,
                             on_answer=lambda a: self.centralAnswered.emit(central_text(a)))

    # ------------------------------------------------------------------ intents
    def sign_in(self, operator_id: str, password: str) -> asyncio.Task:
        task = asyncio.ensure_future(self._sign_in(operator_id, password))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _sign_in(self, operator_id: str, password: str) -> None:
        host, port = self.settings.central_host_port
        try:
            login = await self._client(host, port).operator_login(operator_id, password)
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
        host, port = self.settings.central_host_port
        self.keeper = SessionKeeper(self._client(host, port), login.session_id, login.session_key, login.token,
                                    login.expires_at, clock=self.clock,
                                    on_lost=lambda why: self.sign_out("expired"))
        if self.keeper.usable:
            try:
                self._renewal = asyncio.ensure_future(self.keeper.run())
            except RuntimeError:  # no event loop (a test without qasync): renewal by check_expiry only
                self._renewal = None
        self._expiry_timer.start()
        log.info("operator %s signed in", login.operator_id)
        self.signedIn.emit(login.operator_id)
        self.check_expiry()

    def sign_out(self, reason: str = "logout") -> None:
        if self.login is None:
            return
        log.info("operator %s signed out (%s)", self.login.operator_id, reason)
        self.login = None
        keeper, self.keeper = self.keeper, None
        if self._renewal is not None:
            self._renewal.cancel()
            self._renewal = None
        if keeper is not None and reason in ("logout", "settings") and keeper.usable:
            try:  # Central revokes the session: its key is refused from now on
                task = asyncio.ensure_future(keeper.logout())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            except RuntimeError:
                log.warning("no event loop: session of %s not revoked on Central (it expires)", keeper.session_id[:8])
        self._expiry_timer.stop()
        self.signedOut.emit(reason)

    # ------------------------------------------------------------------ queries
    def check_expiry(self) -> bool:
        """True while signed in with enough validity left; otherwise signs out ("expired")."""
        if self.login is None:
            return False
        expires_at = self.keeper.expires_at if self.keeper is not None and self.keeper.usable \
            else self.login.expires_at  # renewed
        if expires_at - self.clock() < self.margin_s:
            self.sign_out("expired")
            return False
        return True

    def credentials(self) -> tuple[str, str, SessionKeeper | None] | None:
        """(operator id, token for the message, session) for a command now, or None (then the
        user is asked to sign in). With a session, the message carries its MAC and no token."""
        if not self.check_expiry():
            return None
        assert self.login is not None
        if self.keeper is not None and self.keeper.usable:
            return self.login.operator_id, "", self.keeper
        return self.login.operator_id, self.login.token, None

    def close(self) -> None:
        self._expiry_timer.stop()
        if self._renewal is not None:
            self._renewal.cancel()
        for task in list(self._tasks):
            task.cancel()

    def tasks(self) -> list[Any]:
        return list(self._tasks)
