"""Central's TCP server (asyncio, any number of connections): Monitors and driver apps.

Framing from :mod:`ev_common.framing`: every frame is ACKed (or NACKed when bad) and then
answered with one frame, ``OK#...`` or ``ERR#code#text``. Messages (docs/design.md):

- Monitor: ``AUTH#cp_id#key#location#price#max_kw`` → ``OK#heartbeat_interval_s``;
  then on that connection ``HB#cp_id#OK|KO``, ``FAULT#cp_id#reason``, ``RECOVER#cp_id`` → ``OK``.
- Driver: ``LOGIN#driver_id#password`` → ``OK#token#expires_at#session_id#session_key`` (after repeated wrong
  passwords: ``ERR#too_many_attempts#text#seconds`` until the lockout ends, see
  :mod:`central_service.domain.login_throttle`); ``HISTORY#token`` → ``OK#<base64 JSON list>``.
- Operator: ``OPLOGIN#operator_id#password`` → ``OK#token#expires_at#session_id#session_key``
  (like LOGIN; the session key MACs every OperatorCommand); throttled by the same LoginThrottle.
- Both: ``RENEW#session_id#token`` → ``OK#token#expires_at`` (the session and its key live on);
  ``LOGOUT#session_id#token`` → ``OK`` (the session is revoked).

A bad frame gets a NACK, a log line and a counter; nothing a peer sends can stop the server.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
from collections import Counter
from typing import Protocol

from central_service.domain.login_throttle import LoginThrottle
from ev_common.framing import ACK, NACK, BadFrame, FramedStream, FrameError

log = logging.getLogger("central.sockets")


class CentralGateway(Protocol):
    """What the socket server needs from the service (all called on the service loop)."""

    async def authenticate_cp(self, cp_id: str, key: str) -> tuple[str, str] | None: ...
    def monitor_event(self, kind: str, cp_id: str, arg: str = "") -> None: ...
    async def login(self, driver_id: str, password: str) -> tuple[str, int, str, str] | None: ...
    async def operator_login(self, operator_id: str, password: str) -> tuple[str, int, str, str] | None: ...
    def renew(self, session_id: str, token: str) -> tuple[str, int] | None: ...
    def logout(self, session_id: str, token: str) -> bool: ...
    def history(self, token: str) -> list[dict]: ...


class SocketServer:
    def __init__(self, gateway: CentralGateway, host: str, port: int, heartbeat_interval: float,
                 counters: Counter[str], idle_timeout: float = 10.0,
                 throttle: LoginThrottle | None = None, anonymous_idle_timeout: float = 30.0) -> None:
        """*anonymous_idle_timeout*: a link that has not authenticated a CP and has sent nothing for
        this long is closed — drivers ask and leave, Monitors AUTH at once, so only idle or
        hostile peers are cut, before they can pile up and exhaust Central's descriptors."""
        self.gateway = gateway
        self.anonymous_idle_timeout = anonymous_idle_timeout
        self.throttle = throttle or LoginThrottle()
        self.host, self.port = host, port
        self.heartbeat_interval = heartbeat_interval
        self.counters = counters
        self.idle_timeout = idle_timeout
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.Task] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("listening on %s:%d (monitors and drivers)", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._conns):
            task.cancel()
        if self._conns:
            await asyncio.gather(*self._conns, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._conns.add(task)
        peer = writer.get_extra_info("peername")
        stream = FramedStream(reader, writer, timeout=self.idle_timeout)
        conn = _Connection(peer)
        loop = asyncio.get_running_loop()
        last_frame = loop.time()
        try:
            while True:
                try:
                    frame = await stream.read_frame()
                except asyncio.TimeoutError:
                    # a Monitor may be idle (its timeout is judged by heartbeats); an anonymous
                    # link may not stay idle for ever
                    if conn.cp_id is None and loop.time() - last_frame >= self.anonymous_idle_timeout:
                        self.counters["idle_anonymous_closed"] += 1
                        log.info("closing idle unauthenticated link from %s", peer)
                        break
                    continue
                last_frame = loop.time()
                if isinstance(frame, BadFrame):
                    self.counters["bad_frames"] += 1
                    log.warning("bad frame from %s: %s (NACK)", peer, frame.reason)
                    await stream.send_control(NACK)
                    continue
                await stream.send_control(ACK)
                try:
                    answer = await self._dispatch(conn, frame.fields)
                except Exception:  # noqa: BLE001 - one request's bug must not kill the server
                    log.exception("error handling %s from %s", _excerpts(frame.fields[:1]), peer)
                    answer = ["ERR", "internal", "Error interno de la CENTRAL; inténtalo de nuevo"]
                try:
                    await stream.answer(answer)
                except ValueError as exc:  # unframeable answer (too large): still answer the peer
                    log.warning("answer to %s from %s not sendable (%s)", _excerpts(frame.fields[:1]), peer, exc)
                    await stream.answer(["ERR", "internal", "Respuesta no enviable; revisa la petición"])
        except (FrameError, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            if conn.cp_id:
                log.info("monitor link of cp=%s closed (%s)", conn.cp_id, peer)
            self._conns.discard(task)  # type: ignore[arg-type]
            await stream.close()

    async def _dispatch(self, conn: "_Connection", fields: list[str]) -> list[str]:
        cmd = fields[0].upper() if fields else ""
        if cmd == "AUTH" and len(fields) >= 3:
            return await self._auth(conn, fields[1], fields[2])
        if cmd in ("HB", "FAULT", "RECOVER") and len(fields) >= 2:
            cp_id = fields[1]
            if conn.cp_id != cp_id:
                self.counters["unauthenticated"] += 1
                log.warning("%s for cp=%s from %s without AUTH on this link: refused", cmd, _excerpt(cp_id),
                            conn.peer)
                return ["ERR", "not_authenticated", "Autentica el punto de carga primero (AUTH)"]
            if cmd == "HB":
                status = fields[2].upper() if len(fields) > 2 else "OK"
                if status not in ("OK", "KO"):
                    return self._bad(conn, fields)
                self.gateway.monitor_event("hb", cp_id, status)
            elif cmd == "FAULT":
                self.gateway.monitor_event("fault", cp_id, "#".join(fields[2:]) or "avería")
            else:
                self.gateway.monitor_event("recover", cp_id)
            return ["OK"]
        if cmd == "LOGIN" and len(fields) >= 3:
            return await self._login(conn, fields[1], fields[2])
        if cmd == "OPLOGIN" and len(fields) >= 3:
            return await self._login(conn, fields[1], fields[2], operator=True)
        if cmd == "RENEW" and len(fields) >= 3:
            renewed = self.gateway.renew(fields[1], fields[2])
            if renewed is None:
                self.counters["renew_refused"] += 1
                log.warning("RENEW of session %s refused from %s", _excerpt(fields[1]), conn.peer)
                return ["ERR", "invalid_token", "Tu sesión no es válida o ha caducado. Vuelve a iniciar sesión."]
            return ["OK", renewed[0], str(renewed[1])]
        if cmd == "LOGOUT" and len(fields) >= 3:
            if not self.gateway.logout(fields[1], fields[2]):
                self.counters["logout_refused"] += 1
                return ["ERR", "invalid_token", "Sesión desconocida"]
            log.info("session %s signed out", _excerpt(fields[1]))
            return ["OK"]
        if cmd == "HISTORY" and len(fields) >= 2:
            try:
                rows = self.gateway.history(fields[1])
            except ValueError as exc:
                self.counters["invalid_token"] += 1
                log.warning("history refused from %s: %s", conn.peer, exc)
                return ["ERR", "invalid_token", "Tu sesión no es válida o ha caducado. Vuelve a iniciar sesión."]
            blob = base64.b64encode(json.dumps(rows).encode("utf-8")).decode("ascii")
            return ["OK", blob]
        return self._bad(conn, fields)

    async def _login(self, conn: "_Connection", user_id: str, password: str, *,
                     operator: bool = False) -> list[str]:
        """LOGIN (drivers) and OPLOGIN (operators): one throttle for both, so a guesser gains
        nothing by switching; operator ids are counted apart (``op:`` key) from driver ids."""
        role = "operator" if operator else "driver"
        key = f"op:{user_id}" if operator else user_id
        wait = self.throttle.wait_s(key, conn.host)
        if wait > 0:
            self.counters["login_throttled"] += 1
            log.warning("login of %s=%s from %s refused: locked out for %.0f s more", role, _excerpt(user_id),
                        conn.peer, wait)
            secs = math.ceil(wait)
            return ["ERR", "too_many_attempts",
                    f"Demasiados intentos fallidos; espere {secs} s y vuelva a intentarlo", str(secs)]
        check = self.gateway.operator_login if operator else self.gateway.login
        issued = await check(user_id, password)
        if issued is None:
            self.counters["login_failures"] += 1
            self.throttle.failed(key, conn.host)
            log.warning("login refused %s=%s from %s", role, _excerpt(user_id), conn.peer)
            return ["ERR", "bad_credentials", "Usuario o contraseña incorrectos"]
        self.throttle.succeeded(key)
        log.info("login %s=%s", role, user_id)
        return ["OK", issued[0], str(issued[1]), *issued[2:]]

    def _bad(self, conn: "_Connection", fields: list[str]) -> list[str]:
        self.counters["bad_requests"] += 1
        log.warning("unknown or incomplete request %r from %s", _excerpts(fields[:2]), conn.peer)
        return ["ERR", "bad_request", "Petición desconocida o incompleta"]

    async def _auth(self, conn: "_Connection", cp_id: str, key: str) -> list[str]:
        refused = await self.gateway.authenticate_cp(cp_id, key)
        if refused is not None:
            self.counters["auth_failures"] += 1
            log.warning("AUTH refused cp=%s from %s: %s", _excerpt(cp_id), conn.peer, refused[0])
            return ["ERR", refused[0], refused[1]]
        conn.cp_id = cp_id
        return ["OK", f"{self.heartbeat_interval:g}"]


def _excerpt(text: str, limit: int = 80) -> str:
    """A peer-supplied field as logged: bounded, so a 64 KB field cannot flood the log."""
    return text if len(text) <= limit else f"{text[:limit]}…(+{len(text) - limit} chars)"


def _excerpts(fields: list[str]) -> list[str]:
    return [_excerpt(f) for f in fields]


class _Connection:
    def __init__(self, peer) -> None:
        self.peer = peer
        self.host = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        self.cp_id: str | None = None
