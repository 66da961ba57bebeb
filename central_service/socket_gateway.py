"""What Central's socket server asks of the service: monitor links, logins and sessions.

A mixin of :class:`central_service.runtime.CentralService`; :class:`SocketServer` calls these
methods on the service's asyncio loop. Password and CP-key checks (argon2) run in the default
executor so the loop keeps serving; an unknown id costs the same work and gets the same answer
as a wrong secret (no enumeration).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ev_common import contract as c
from central_service.sessions import Session, SessionBook
from central_service.tokens import verify_secret_or_dummy

if TYPE_CHECKING:
    from central_service.application import CentralCore
    from central_service.notify_keys import NotifyKeyring
    from central_service.store import Store

log = logging.getLogger("central")


class SocketGateway:
    core: CentralCore | None
    store: Store
    sessions: SessionBook | None
    notify_keys: NotifyKeyring

    _transact: Callable[[Callable[[], list[c.Payload]]], None]
    clock: Callable[[], float]

    async def authenticate_cp(self, cp_id: str, key: str, ocpp: bool = False) -> tuple[str, str] | None:
        assert self.core is not None
        # unknown CP or wrong key: the same argon2 work and the same answer (no enumeration)
        key_hash = self.store.cp_key_hash(cp_id) if self.core.known_cp(cp_id) is not None else None
        ok = await asyncio.get_running_loop().run_in_executor(None, verify_secret_or_dummy, key_hash, key)
        if not ok:
            if key_hash is None:
                log.info("AUTH for cp=%s: no such CP registered", cp_id[:80])
            return ("bad_credentials", f"Identificador o clave incorrectos para el punto de carga {cp_id}")
        self._transact(lambda: self._held(cp_id) + self.core.on_monitor_auth(cp_id, ocpp=ocpp))
        return None

    def monitor_event(self, kind: str, cp_id: str, arg: str = "") -> None:
        assert self.core is not None
        if kind == "hb":
            self._transact(lambda: self._held(cp_id) + self.core.on_monitor_heartbeat(cp_id, arg == "OK"))
        elif kind == "fault":
            self._transact(lambda: self._held(cp_id) + self.core.on_monitor_fault(cp_id, arg))
        elif kind == "recover":
            self._transact(lambda: self._held(cp_id) + self.core.on_monitor_recover(cp_id))

    def _held(self, cp_id: str) -> list[c.Payload]:
        """Scale-out, inside the decision: this instance holds *cp_id*'s Monitor socket now (its
        row says so, for the other instances' ticks). Nothing to do for a single Central."""
        core = self.core
        assert core is not None
        cp = core.cps.get(cp_id)
        if core.instance is not None and cp is not None and cp.holder != core.instance:
            cp.holder = core.instance
            if cp.monitor_connected:
                self.store.save_cp(cp)  # not connected yet: the AUTH's own state change saves it
        return []

    async def login(self, driver_id: str, password: str) -> tuple[str, int, str, str, str, str] | None:
        """(token, expires_at, session id, session key, notification key id, notification key)
        for the right password, else None. Every login of a driver gets the same notification
        key (two apps of one driver both read), created at its first login if it has none."""
        assert self.core is not None
        stored = self.store.driver_password_hash(driver_id)
        ok = await asyncio.get_running_loop().run_in_executor(None, verify_secret_or_dummy, stored, password)
        if not ok:
            return None
        opened = self._open_session("driver", driver_id)
        with self.store.atomic():
            key = self.notify_keys.for_login(driver_id)
        return (*opened, key.kid, key.text)

    async def operator_login(self, operator_id: str, password: str) -> tuple[str, int, str, str] | None:
        """An operator token (``op:…``) and session for the right password, else None."""
        assert self.core is not None
        stored = self.store.operator_password_hash(operator_id)
        ok = await asyncio.get_running_loop().run_in_executor(None, verify_secret_or_dummy, stored, password)
        if not ok:
            return None
        return self._open_session("operator", operator_id)

    def _open_session(self, role: str, subject: str) -> tuple[str, int, str, str]:
        assert self.core is not None and self.sessions is not None
        with self.store.atomic():
            s = self.sessions.open(role, subject)
        return (*self._token(role, subject, s), s.id, s.key)

    def _token(self, role: str, subject: str, s: Session) -> tuple[str, int]:
        """A token for the socket link (HISTORY, RENEW, LOGOUT) that ends with the session."""
        assert self.core is not None
        issued = (self.core.signer.issue_operator(subject) if role == "operator"
                  else self.core.signer.issue(subject))
        return issued.token, issued.expires_at

    def _token_subject(self, token: str) -> tuple[str, str] | None:
        assert self.core is not None
        from central_service.tokens import OPERATOR_PREFIX, TokenError
        try:
            if token.startswith(OPERATOR_PREFIX):
                return "operator", self.core.signer.verify_operator(token)
            return "driver", self.core.signer.verify(token)
        except TokenError:
            return None

    def renew(self, session_id: str, token: str) -> tuple[str, int] | None:
        """RENEW: a new token and expiry for a live session whose current token is valid."""
        who = self._token_subject(token)
        if who is None or self.sessions is None:
            return None
        with self.store.atomic():
            s = self.sessions.renew(session_id, *who)
        return None if s is None else self._token(who[0], who[1], s)

    def logout(self, session_id: str, token: str) -> bool:
        """LOGOUT: revoke the session (its key is refused from now on, whatever a message's time)."""
        who = self._token_subject(token)
        if who is None or self.sessions is None:
            return False
        with self.store.atomic():
            return self.sessions.revoke(session_id, *who)

    def watch(self, session_id: str, token: str) -> tuple[str, Callable[[], bool]] | None:
        """WATCH: (driver id, "is the session still valid?") for a live driver session and its
        current token, else None. The check runs at every push and ping, so a link ends as soon
        as its session is signed out or expires (renewals keep it: same session id)."""
        who = self._token_subject(token)
        sessions = self.sessions
        if who is None or who[0] != "driver" or sessions is None:
            return None
        driver_id = who[1]

        def alive() -> bool:
            s = sessions.get(session_id)
            return (s is not None and s.role == "driver" and s.subject == driver_id
                    and s.revoked_at is None and self.clock() < s.expires_at)
        return (driver_id, alive) if alive() else None

    def operator_query(self, session_id: str, token: str, name: str, args: str, peer: str) -> list[str]:
        """OPQUERY (docs/protocol.md §6): served by the workbench, which authenticates it."""
        workbench = getattr(self, "workbench", None)
        if workbench is None:
            return ["ERR", "internal", "La CENTRAL aún no está lista; inténtalo de nuevo"]
        return workbench.answer(session_id, token, name, args, peer)

    def operator_signed(self, operator_id: str, action: str, peer: str, outcome: str) -> None:
        """Audit an operator's sign-in (also a refused one: the name tried, bounded)."""
        from central_service import audit
        with self.store.atomic():
            audit.record(operator_id, action, peer=peer, outcome=outcome, now=self.clock())

    def history(self, token: str) -> list[dict]:
        assert self.core is not None
        return self.store.history(self.core.signer.verify(token))
