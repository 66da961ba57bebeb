"""The operator workbench's socket queries to Central (``OPQUERY``), plain Python (no Qt).

Every query carries the operator session's id and current token (renewed by the
:class:`~ev_desktop.core.session_keeper.SessionKeeper`); Central checks both, so a signed-out
session cannot read the alerts or the audit. Failures are :class:`LoginError` like the other
calls of :class:`CentralClient` (``invalid_token`` → sign in again).
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ev_desktop.core.central_client import CentralClient, LoginError


class WorkbenchClient(CentralClient):
    async def query(self, session_id: str, token: str, name: str, args: dict[str, Any] | None = None) -> dict:
        blob = base64.b64encode(json.dumps(args or {}).encode("utf-8")).decode("ascii")
        answer = await self._call(["OPQUERY", session_id, token, name, blob])
        if answer and answer[0] == "OK" and len(answer) >= 2:
            try:
                data = json.loads(base64.b64decode(answer[1], validate=True))
            except (binascii.Error, ValueError) as exc:
                raise LoginError("protocol", "La CENTRAL envió una respuesta ilegible") from exc
            if not isinstance(data, dict):
                raise LoginError("protocol", "La CENTRAL envió una respuesta ilegible")
            return data
        if answer and answer[0] == "ERR":
            raise self._error(answer)
        raise LoginError("protocol", f"Respuesta inesperada de la CENTRAL: {'#'.join(answer)[:200]}")
