"""Central's TCP server (asyncio, any number of connections): Monitors and driver apps.

Framing from :mod:`ev_common.framing`: every frame is ACKed (or NACKed when bad) and then
answered with one frame, ``OK#...`` or ``ERR#code#text``. Messages (docs/design.md):

- Monitor: ``AUTH#cp_id#key#location#price#max_kw`` → ``OK#heartbeat_interval_s`` (throttled
  like LOGIN: ``ERR#too_many_attempts#text#seconds``);
  then on that connection ``HB#cp_id#OK|KO``, ``FAULT#cp_id#reason``, ``RECOVER#cp_id`` → ``OK``.
- Driver: ``LOGIN#driver_id#password`` → ``OK#token#expires_at#session_id#session_key#notify_kid#notify_key``
  (the last two: the driver's notification key, see ``ev_common.notify_crypto``; after repeated wrong
  passwords: ``ERR#too_many_attempts#text#seconds`` until the lockout ends, see
  :mod:`central_service.domain.login_throttle`); ``HISTORY#token`` → ``OK#<base64 JSON list>``.
- Operator: ``OPLOGIN#operator_id#password`` → ``OK#token#expires_at#session_id#session_key``
  (like LOGIN; the session key MACs every OperatorCommand); throttled by the same LoginThrottle.
- Operator workbench: ``OPQUERY#session_id#token#query#base64 JSON args`` → ``OK#<base64 JSON>``
  or ``ERR#code#text`` (served by :mod:`central_service.workbench`; peer address passed for the audit).
- Driver: ``WATCH#session_id#token`` → ``OK#ping_interval_s``, then the link is Central's to
  push on: ``NOTE#<base64 sealed envelope>`` for each of the driver's notifications as it is
  committed, ``PING`` when quiet, ``BYE#session_ended`` at the end; the app only ACKs
  (:mod:`central_service.notify_push`).
- Both: ``RENEW#session_id#token`` → ``OK#token#expires_at`` (the session and its key live on);
  ``LOGOUT#session_id#token`` → ``OK`` (the session is revoked).

A bad frame gets a NACK, a log line and a counter; nothing a peer sends can stop the server.
Transport: TLS (``tls=``) and the bounds of :mod:`central_service.connection_limits` — caps on
open links (total, per address) checked before the handshake, a handshake deadline, a deadline
for each whole frame and an idle deadline for every link, authenticated or not.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import socket
import ssl
import struct
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from central_service.connection_limits import ConnectionGate, LinkLimits
from central_service.domain.login_throttle import LoginThrottle
from central_service.notify_push import NotificationPush
from ev_common.framing import ACK, NACK, BadFrame, FramedStream, FrameError, FrameTooSlow, LinkIdle
from ev_common.tasks import cancel_and_wait

log = logging.getLogger("central.sockets")


class CentralGateway(Protocol):
    """What the socket server needs from the service (all called on the service loop)."""

    async def authenticate_cp(self, cp_id: str, key: str, ocpp: bool = False) -> tuple[str, str] | None: ...
    def monitor_event(self, kind: str, cp_id: str, arg: str = "") -> None: ...
    async def login(self, driver_id: str, password: str) -> tuple[str, int, str, str, str, str] | None: ...
    async def operator_login(self, operator_id: str, password: str) -> tuple[str, int, str, str] | None: ...
    def renew(self, session_id: str, token: str) -> tuple[str, int] | None: ...
    def logout(self, session_id: str, token: str) -> bool: ...
    def history(self, token: str) -> list[dict]: ...
    def operator_query(self, session_id: str, token: str, name: str, args: str, peer: str) -> list[str]: ...
    def operator_signed(self, operator_id: str, action: str, peer: str, outcome: str) -> None: ...
    def watch(self, session_id: str, token: str) -> tuple[str, Callable[[], bool]] | None: ...


class SocketServer:
    def __init__(self, gateway: CentralGateway, host: str, port: int, heartbeat_interval: float,
                 counters: Counter[str], idle_timeout: float = 10.0,
                 throttle: LoginThrottle | None = None, *, tls: ssl.SSLContext | None = None,
                 limits: LinkLimits | None = None, push: NotificationPush | None = None) -> None:
        """*tls*: the server context (None: plain text, only when the operator asked for it);
        *limits*: caps and deadlines of every link (:mod:`central_service.connection_limits`);
        *idle_timeout*: how long to wait for the requester's ACK of an answer."""
        self.gateway = gateway
        self.limits = limits or LinkLimits()
        self.tls = tls
        self.throttle = throttle or LoginThrottle()
        self.host, self.port = host, port
        self.heartbeat_interval = heartbeat_interval
        self.counters = counters
        self.idle_timeout = idle_timeout
        self.gate = ConnectionGate(self.limits, counters)
        self.push = push  # drivers' WATCH links (None: WATCH is refused as unknown)
        self._listener: socket.socket | None = None
        self._accepting: asyncio.Task | None = None
        self._conns: set[asyncio.Task] = set()

    async def start(self) -> int:
        """Listen and accept in a task of our own: the caps are applied to the raw TCP
        connection, *before* any TLS handshake costs Central work."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._listener = socket.create_server((self.host, self.port), family=family, backlog=512)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._accepting = asyncio.create_task(self._accept_forever(), name="central-accept")
        log.info("listening on %s:%d (monitors and drivers) %s", self.host, self.port,
                 "TLS" if self.tls else "PLAIN TEXT (--plaintext-socket)")
        return self.port

    async def stop(self) -> None:
        if self._accepting is not None:
            await cancel_and_wait([self._accepting])
        if self._listener is not None:
            self._listener.close()
        # a connection cancelled as its frame arrives would serve on (ev_common.tasks says why)
        await cancel_and_wait(list(self._conns), owner="socket server connections")

    async def _accept_forever(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._listener is not None
        while True:
            try:
                conn, addr = await loop.sock_accept(self._listener)
            except OSError as exc:  # EMFILE and the like: let descriptors free up, then go on
                self.counters["accept_errors"] += 1
                log.warning("accept failed: %s", exc)
                await asyncio.sleep(0.1)
                continue
            address = str(addr[0]) if isinstance(addr, tuple) and addr else str(addr)
            if not self.gate.admit(address):
                _abort(conn)
                continue
            task = asyncio.create_task(self._serve_socket(conn, addr, address))
            self._conns.add(task)

    async def _serve_socket(self, conn: socket.socket, peer, address: str) -> None:
        """Handshake (bounded), then serve; the link's slot in the gate is freed at the end."""
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        try:
            reader = asyncio.StreamReader(limit=2 ** 16)
            protocol = asyncio.StreamReaderProtocol(reader)
            try:
                transport, _ = await asyncio.wait_for(loop.connect_accepted_socket(
                    lambda: protocol, conn, ssl=self.tls,
                    ssl_handshake_timeout=self.limits.handshake_timeout_s if self.tls else None),
                    self.limits.handshake_timeout_s + 1.0)
            except (ssl.SSLError, OSError, asyncio.TimeoutError) as exc:
                self.counters["tls_handshake_failures"] += 1
                log.info("link from %s closed: TLS handshake failed (%s)", peer,
                         type(exc).__name__ if isinstance(exc, asyncio.TimeoutError) else exc)
                _abort(conn)
                return
            writer = asyncio.StreamWriter(transport, protocol, reader, loop)
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass
        finally:
            self.gate.release(address)
            self._conns.discard(asyncio.current_task())  # type: ignore[arg-type]
            if writer is None:
                _abort(conn)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        stream = FramedStream(reader, writer, timeout=self.idle_timeout)
        conn = _Connection(peer)
        loop = asyncio.get_running_loop()
        last_frame = loop.time()  # of the last *valid* frame: garbage keeps no link alive
        try:
            while True:
                # a Monitor heartbeats every heartbeat_interval: never cut it for keeping that pace
                idle_s = (max(self.limits.idle_s, 3 * self.heartbeat_interval) if conn.cp_id
                          else self.limits.anonymous_idle_s)
                try:
                    frame = await stream.next_request(last_frame + idle_s, self.limits.frame_deadline_s)
                except LinkIdle:
                    kind = "idle_monitor_closed" if conn.cp_id else "idle_anonymous_closed"
                    self.counters[kind] += 1
                    log.info("closing idle link from %s%s after %.0f s without a request", peer,
                             f" (cp={conn.cp_id})" if conn.cp_id else " (not authenticated)", idle_s)
                    break
                except FrameTooSlow as exc:
                    self.counters["slow_frames_closed"] += 1
                    log.warning("closing link from %s: %s (slow drip)", peer, exc)
                    break
                if isinstance(frame, BadFrame):
                    self.counters["bad_frames"] += 1
                    log.warning("bad frame from %s: %s (NACK)", peer, frame.reason)
                    await stream.send_control(NACK)
                    continue
                last_frame = loop.time()
                await stream.send_control(ACK)
                if self.push is not None and frame.fields[:1] == ["WATCH"]:
                    watcher = self._watch(conn, frame.fields)
                    await stream.answer(watcher[0])
                    if watcher[1] is None:
                        continue
                    await self.push.serve(stream, *watcher[1])  # the link is the push's now
                    break
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
        finally:
            if conn.cp_id:
                log.info("monitor link of cp=%s closed (%s)", conn.cp_id, peer)
            await stream.close()

    async def _dispatch(self, conn: "_Connection", fields: list[str]) -> list[str]:
        cmd = fields[0].upper() if fields else ""
        if cmd == "AUTH" and len(fields) >= 3:
            # field 7 (optional): "ocpp" when the link is an OCPP gateway's (docs/ocpp.md)
            return await self._auth(conn, fields[1], fields[2], ocpp=len(fields) > 6 and fields[6] == "ocpp")
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
        if cmd == "OPQUERY" and len(fields) in (4, 5):
            return self.gateway.operator_query(fields[1], fields[2], fields[3],
                                               fields[4] if len(fields) == 5 else "", conn.host)
        return self._bad(conn, fields)

    def _watch(self, conn: "_Connection",
               fields: list[str]) -> tuple[list[str], tuple[str, Callable[[], bool]] | None]:
        """``WATCH#session_id#token``: (the answer, (driver id, session check) when accepted)."""
        if len(fields) != 3:
            return self._bad(conn, fields), None
        watched = self.gateway.watch(fields[1], fields[2])
        if watched is None:
            self.counters["watch_refused"] += 1
            log.warning("WATCH of session %s refused from %s", _excerpt(fields[1]), conn.peer)
            return ["ERR", "invalid_token", "Tu sesión no es válida o ha caducado. Vuelve a iniciar sesión."], None
        assert self.push is not None
        return ["OK", f"{self.push.ping_interval_s:g}"], watched

    async def _login(self, conn: "_Connection", user_id: str, password: str, *,
                     operator: bool = False) -> list[str]:
        """LOGIN (drivers) and OPLOGIN (operators): one throttle for both, so a guesser gains
        nothing by switching; operator ids are counted apart (``op:`` key) from driver ids."""
        role = "operator" if operator else "driver"
        key = f"op:{user_id}" if operator else user_id
        locked = self._locked_out(conn, key, role, user_id, "login_throttled")
        if locked is not None:
            return locked
        check = self.gateway.operator_login if operator else self.gateway.login
        issued = await check(user_id, password)
        if issued is None:
            self.counters["login_failures"] += 1
            self.throttle.failed(key, conn.host)
            log.warning("login refused %s=%s from %s", role, _excerpt(user_id), conn.peer)
            if operator:  # the audit trail: who tried to sign in as an operator, from where
                self._audit_sign_in(user_id, conn.host, "refused")
            return ["ERR", "bad_credentials", "Usuario o contraseña incorrectos"]
        self.throttle.succeeded(key)
        if operator:
            self._audit_sign_in(user_id, conn.host, "ok")
        log.info("login %s=%s", role, user_id)
        return ["OK", issued[0], str(issued[1]), *issued[2:]]

    def _audit_sign_in(self, operator_id: str, host: str, outcome: str) -> None:
        """Operator sign-ins go to the audit trail (a gateway without one — a test stub — skips it)."""
        record = getattr(self.gateway, "operator_signed", None)
        if record is not None:
            record(operator_id[:64], "sign_in", host, outcome)

    def _bad(self, conn: "_Connection", fields: list[str]) -> list[str]:
        self.counters["bad_requests"] += 1
        log.warning("unknown or incomplete request %r from %s", _excerpts(fields[:2]), conn.peer)
        return ["ERR", "bad_request", "Petición desconocida o incompleta"]

    def _locked_out(self, conn: "_Connection", key: str, role: str, user_id: str, counter: str) -> list[str] | None:
        """The ``too_many_attempts`` answer while *key* or this address is locked out, else None.
        One throttle (and one lockout per address) for LOGIN, OPLOGIN and AUTH: a guesser gains
        nothing by switching verbs."""
        wait = self.throttle.wait_s(key, conn.host)
        if wait <= 0:
            return None
        self.counters[counter] += 1
        log.warning("%s %s=%s from %s refused: locked out for %.0f s more",
                    "AUTH" if role == "cp" else "login", role, _excerpt(user_id), conn.peer, wait)
        secs = math.ceil(wait)
        return ["ERR", "too_many_attempts",
                f"Demasiados intentos fallidos; espere {secs} s y vuelva a intentarlo", str(secs)]

    async def _auth(self, conn: "_Connection", cp_id: str, key: str, *, ocpp: bool = False) -> list[str]:
        throttle_key = f"cp:{cp_id}"
        locked = self._locked_out(conn, throttle_key, "cp", cp_id, "auth_throttled")
        if locked is not None:
            return locked
        refused = await self.gateway.authenticate_cp(cp_id, key, ocpp)
        if refused is not None:
            self.counters["auth_failures"] += 1
            self.throttle.failed(throttle_key, conn.host)
            log.warning("AUTH refused cp=%s from %s: %s", _excerpt(cp_id), conn.peer, refused[0])
            return ["ERR", refused[0], refused[1]]
        self.throttle.succeeded(throttle_key)
        conn.cp_id = cp_id
        return ["OK", f"{self.heartbeat_interval:g}"]


def _excerpt(text: str, limit: int = 80) -> str:
    """A peer-supplied field as logged: bounded, so a 64 KB field cannot flood the log."""
    return text if len(text) <= limit else f"{text[:limit]}…(+{len(text) - limit} chars)"


def _excerpts(fields: list[str]) -> list[str]:
    return [_excerpt(f) for f in fields]


def _abort(conn: socket.socket) -> None:
    """Close a raw accepted socket at once (RST rather than a polite FIN: nothing to flush)."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        conn.close()
    except OSError:
        pass


class _Connection:
    def __init__(self, peer) -> None:
        self.peer = peer
        self.host = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        self.cp_id: str | None = None
