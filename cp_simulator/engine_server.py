"""The Engine's TCP server for its Monitor's health checks (framed, concurrent).

Requests: ``HELLO#cp_id`` and ``PING#cp_id``, both answered ``ACK`` then ``OK#OK|KO`` (or
``ERR#code#text`` when the CP id is not this Engine's). Anything else — garbage, a bad LRC,
an unknown verb, wrong field count — gets a ``NACK`` and a log line; the connection stays
open and the server keeps serving every other connection. A request the handler fails on is
answered ``ERR#internal#text``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from ev_common.framing import ACK, NACK, BadFrame, FrameError, FramedStream
from ev_common.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class HealthHandler(Protocol):
    def on_health_check(self, verb: str, cp_id: str) -> list[str]:
        """Answer fields for a HELLO/PING from the Monitor of *cp_id* (runs on the loop)."""


class EngineServer:
    def __init__(self, handler: HealthHandler, host: str, port: int, answer_timeout: float = 2.0) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.answer_timeout = answer_timeout
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        sock = self._server.sockets[0].getsockname()
        self.port = sock[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        # a connection cancelled as its frame arrives would serve on (ev_common.tasks says why)
        await cancel_and_wait(list(self._conns), owner="engine server connections")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        peer = writer.get_extra_info("peername")
        stream = FramedStream(reader, writer, timeout=self.answer_timeout)
        try:
            while True:
                try:
                    item = await stream.read_frame()
                except asyncio.TimeoutError:
                    continue  # idle connection: keep waiting
                if isinstance(item, BadFrame):
                    log.warning("bad frame from %s: %s → NACK", peer, item.reason)
                    await stream.send_control(NACK)
                    continue
                fields = item.fields
                verb = fields[0] if fields else ""
                if verb not in ("HELLO", "PING") or len(fields) != 2 or not fields[1]:
                    log.warning("unexpected request from %s: %r → NACK", peer, "#".join(fields)[:80])
                    await stream.send_control(NACK)
                    continue
                await stream.send_control(ACK)
                try:
                    answer = self.handler.on_health_check(verb, fields[1])
                except Exception:  # noqa: BLE001 - one request's bug must not drop the Monitor's link
                    log.exception("error answering %s from %s", verb, peer)
                    answer = ["ERR", "internal", "error interno del Engine"]
                await stream.answer(answer)
        except (FrameError, ConnectionError, OSError) as exc:
            log.debug("connection %s closed: %s", peer, exc)
        except asyncio.CancelledError:
            pass
        finally:
            self._conns.discard(task)
            writer.close()
