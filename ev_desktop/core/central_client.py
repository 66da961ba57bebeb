"""The app's socket client to Central: LOGIN, OPLOGIN, RENEW, LOGOUT, HISTORY and WATCH (framed protocol).

LOGIN/OPLOGIN answer a token (for this socket link only) and a session id + session key: the
app MACs its Kafka messages with the key (:mod:`ev_common.msgauth`) and never puts the token in
a message. RENEW extends the session while the app is open; LOGOUT revokes it.

One short connection per call (Central may restart between calls; nothing to keep alive) —
except ``WATCH``, the link Central pushes a driver's notifications on, which
:mod:`.notify_link` keeps open and re-opens.
Several addresses (an active Central and its standbys, ``--central h1:p,h2:p``): a call tries
the one that answered last, then the others in turn, before it reports "unreachable";
``host``/``port`` name the Central in use (for messages); ``on_answer`` is told the address of
every link that connected, so the status bar can name the Central the app talks to and follow
a failover (issue 15).
Every failure becomes :class:`LoginError` with a code and a Spanish sentence that says what to
do next; the log keeps the underlying exception.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ev_common.central_addresses import Address, CentralRotation
from ev_common.framing import FrameError, FramedStream
from ev_common.notify_crypto import NotifyKey
from ev_common.tls_links import LinkTLS

log = logging.getLogger(__name__)

MSG_BAD_CREDENTIALS = "Usuario o contraseña incorrectos"
MSG_INVALID_TOKEN = "La sesión ha caducado — vuelva a iniciar sesión"


class LoginError(Exception):
    """Login/history failed. ``code``: bad_credentials, invalid_token, unreachable, tls, protocol,
    too_many_attempts (``retry_after_s`` says how long), or the code Central sent; ``message``:
    what to show the user."""

    def __init__(self, code: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class LoginResult:
    driver_id: str
    token: str
    expires_at: float
    session_id: str = ""
    session_key: str = ""
    notify_key: NotifyKey | None = field(default=None, repr=False)  # opens this driver's notifications


@dataclass(frozen=True)
class OperatorLogin:
    """An operator's sign-in: the session every OperatorCommand is MAC'd with, and when it ends."""

    operator_id: str
    token: str
    expires_at: float
    session_id: str = ""
    session_key: str = ""

    def seconds_left(self, now: float) -> float:
        return self.expires_at - now

    def needs_sign_in(self, now: float, margin_s: float) -> bool:
        """True once fewer than *margin_s* seconds are left: a command sent then could reach
        Central (maybe after waiting in the outbox) with an expired token and be refused."""
        return self.seconds_left(now) < margin_s


def unreachable_text(host: str, port: int) -> str:
    return (f"Imposible conectar con la CENTRAL ({host}:{port}) — compruebe que está en "
            "marcha y reintente")


class CentralClient:
    """``await login(id, pw)`` → :class:`LoginResult`; ``await history(token)`` → list of dicts."""

    def __init__(self, host: str, port: int, timeout: float = 5.0, tls: LinkTLS | None = None,
                 fallbacks: tuple[tuple[str, int], ...] = (),
                 on_answer: Callable[[Address], None] | None = None) -> None:
        self.centrals = CentralRotation(((host, port),) + tuple(a for a in fallbacks if a != (host, port)))
        self.timeout = timeout
        self.tls = tls if tls is not None else LinkTLS.from_env()
        self.last_tls_version: str | None = None  # of the last link that connected ("TLSv1.3")
        self.in_use: Address | None = None  # the Central whose link connected last (None: none yet)
        self.on_answer = on_answer

    @property
    def host(self) -> str:
        return self.centrals.current[0]

    @property
    def port(self) -> int:
        return self.centrals.current[1]

    async def _connect(self, context: ssl.SSLContext | None) -> FramedStream:
        """A link to the first Central that answers, starting with the one in use."""
        last: FrameError | None = None
        for _ in self.centrals.addresses:
            try:
                stream = await FramedStream.connect(self.host, self.port, self.timeout, tls=context)
            except FrameError as exc:
                log.warning("central %s:%s unreachable: %s", self.host, self.port, exc)
                if isinstance(exc.__cause__, ssl.SSLCertVerificationError):
                    raise LoginError("tls", f"La CENTRAL ({self.host}:{self.port}) no presenta un certificado de "
                                     "confianza para ese nombre; compruebe la dirección y el fichero de la CA") from exc
                last = exc
                self.centrals.failed()
                continue
            self._answered(self.centrals.current)
            return stream
        raise LoginError("unreachable", unreachable_text(self.host, self.port)) from last

    def _answered(self, address: Address) -> None:
        """Record the Central that connected and tell ``on_answer``; a listener's bug is logged,
        never turned into a failed login (the link itself worked)."""
        self.in_use = address
        if self.on_answer is None:
            return
        try:
            self.on_answer(address)
        except Exception:  # noqa: BLE001 — a display hook must not break the call
            log.exception("central %s:%s: on_answer listener failed", *address)

    @property
    def secure(self) -> bool:
        """True when links to Central are TLS with the certificate and host name verified (the
        status bar may say so); False only with an explicit --plaintext-socket."""
        return self.tls.secure

    def _context(self) -> ssl.SSLContext | None:
        try:
            return self.tls.context()
        except (OSError, ssl.SSLError) as exc:
            log.warning("CA file for central %s:%s unusable: %s", self.host, self.port, exc)
            raise LoginError("tls", "No se encuentra o no se puede leer el certificado de la CA con el que "
                             "se comprueba la CENTRAL; copie ca.pem del servidor y revise EV_CA_FILE") from exc

    async def _call(self, fields: list[str]) -> list[str]:
        stream = await self._connect(self._context())
        self.last_tls_version = stream.tls_version
        try:
            return await stream.request(fields)
        except FrameError as exc:
            log.warning("central %s:%s: %s failed: %s", self.host, self.port, fields[0], exc)
            self.centrals.failed()  # the next call starts with another instance
            raise LoginError("unreachable", unreachable_text(self.host, self.port)) from exc
        finally:
            await stream.close()

    @staticmethod
    def _error(answer: list[str]) -> LoginError:
        code = answer[1] if len(answer) > 1 and answer[1] else "protocol"
        text = answer[2] if len(answer) > 2 else ""
        if code in ("bad_credentials", "unknown_driver"):
            return LoginError(code, MSG_BAD_CREDENTIALS)
        if code == "invalid_token":
            return LoginError(code, MSG_INVALID_TOKEN)
        if code == "too_many_attempts":
            try:
                wait = float(answer[3]) if len(answer) > 3 else None
            except ValueError:
                wait = None
            return LoginError(code, text or "Demasiados intentos fallidos; espere y vuelva a intentarlo", wait)
        return LoginError(code, text or f"La CENTRAL rechazó la petición ({code})")

    async def _sign_in(self, verb: str, account: str,
                       password: str) -> tuple[tuple[str, str, float, str, str], list[str]]:
        """``LOGIN``/``OPLOGIN``: ((account, token, expires_at, session id, session key), the
        whole answer for LOGIN's extra fields); failures are :class:`LoginError`."""
        account = account.strip()
        if not account or not password:
            raise LoginError("bad_credentials", MSG_BAD_CREDENTIALS)
        try:
            answer = await self._call([verb, account, password])
        except ValueError as exc:  # '#' or a control character in the id/password
            raise LoginError("bad_credentials", MSG_BAD_CREDENTIALS) from exc
        if answer and answer[0] == "OK" and len(answer) >= 3:
            try:
                expires = float(answer[2])
            except ValueError:
                raise LoginError("protocol", "La CENTRAL envió una caducidad ilegible") from None
            log.info("%s %s: signed in (session expires %s)", verb, account, expires)
            session = (answer[3], answer[4]) if len(answer) >= 5 else ("", "")
            return (account, answer[1], expires, *session), answer
        if answer and answer[0] == "ERR":
            raise self._error(answer)
        raise LoginError("protocol", f"Respuesta inesperada de la CENTRAL: {'#'.join(answer)}")

    async def login(self, driver_id: str, password: str) -> LoginResult:
        """``LOGIN``: the session plus the driver's notification key (``#kid#key`` after the
        session key); a Central that sends none gives ``notify_key=None`` (the app then refuses
        every notification, counted: it cannot tell them from forgeries)."""
        signed, answer = await self._sign_in("LOGIN", driver_id, password)
        notify = None
        if len(answer) >= 7:
            try:
                notify = NotifyKey.from_text(answer[5], answer[6])
            except ValueError:
                raise LoginError("protocol", "La CENTRAL envió una clave de notificaciones ilegible") from None
        return LoginResult(*signed, notify_key=notify)

    async def operator_login(self, operator_id: str, password: str) -> OperatorLogin:
        """``OPLOGIN``: an operator token; failures are :class:`LoginError` like the driver's."""
        signed, _answer = await self._sign_in("OPLOGIN", operator_id, password)
        return OperatorLogin(*signed)

    async def renew(self, session_id: str, token: str) -> tuple[str, float]:
        """``RENEW``: (new token, new expiry) of a live session; :class:`LoginError`
        (``invalid_token`` when Central no longer knows it: sign in again)."""
        answer = await self._call(["RENEW", session_id, token])
        if answer and answer[0] == "OK" and len(answer) >= 3:
            try:
                return answer[1], float(answer[2])
            except ValueError:
                raise LoginError("protocol", "La CENTRAL envió una caducidad ilegible") from None
        if answer and answer[0] == "ERR":
            raise self._error(answer)
        raise LoginError("protocol", f"Respuesta inesperada de la CENTRAL: {'#'.join(answer)}")

    async def logout(self, session_id: str, token: str) -> None:
        """``LOGOUT``: Central revokes the session (its key is refused from now on)."""
        answer = await self._call(["LOGOUT", session_id, token])
        if answer and answer[0] == "ERR":
            raise self._error(answer)

    async def watch(self, session_id: str, token: str) -> tuple[FramedStream, float]:
        """``WATCH``: (the open link Central now pushes this driver's notifications on, Central's
        ping interval in seconds); the caller reads it (:mod:`.notify_link`) and closes it.
        Failures are :class:`LoginError` (``invalid_token``: the session is over)."""
        stream = await self._connect(self._context())
        try:
            answer = await stream.request(["WATCH", session_id, token])
        except FrameError as exc:
            await stream.close()
            self.centrals.failed()
            raise LoginError("unreachable", unreachable_text(self.host, self.port)) from exc
        if answer and answer[0] == "OK" and len(answer) >= 2:
            try:
                return stream, float(answer[1])
            except ValueError:
                pass
        await stream.close()
        if answer and answer[0] == "ERR":
            raise self._error(answer)
        raise LoginError("protocol", f"Respuesta inesperada de la CENTRAL: {'#'.join(answer)[:200]}")

    async def history(self, token: str) -> list[dict[str, Any]]:
        answer = await self._call(["HISTORY", token])
        if answer and answer[0] == "OK":
            if len(answer) < 2 or not answer[1]:
                return []
            try:
                data = json.loads(base64.b64decode(answer[1], validate=True))
            except (binascii.Error, ValueError) as exc:
                raise LoginError("protocol", "La CENTRAL envió un historial ilegible") from exc
            return list(data) if isinstance(data, list) else []
        if answer and answer[0] == "ERR":
            raise self._error(answer)
        raise LoginError("protocol", f"Respuesta inesperada de la CENTRAL: {'#'.join(answer)}")
