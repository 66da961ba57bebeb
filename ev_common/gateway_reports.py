"""Authenticity of an OCPP gateway's report (pure): HMAC with the gateway's own key.

Why a gateway needs its own key: towards Central a gateway speaks as each of its chargers (their
CP keys), but a charger it *refused* has no key Central trusts — the report about it is the
gateway's word. ``ev-db add-gateway NAME`` gives every gateway a random key (in Central's DB
and in a 0600 file for the gateway); the report carries ``mac`` = base64url(HMAC-SHA256(
purpose key, canonical body without ``mac``)), the purpose key derived as for CP messages
(:func:`ev_common.msgauth.purpose_key`, purpose ``gateway-report``), so a CP's event key can
never sign a report nor the other way round. Freshness: ``sent_at`` within
:data:`MAX_SKEW_S` of Central's clock and ``seq`` growing per gateway.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ev_common import contract as c
from ev_common import msgauth

PURPOSE = "gateway-report"
MAX_ENTRIES = 20          # per report; the rest is only counted (``others``)
MAX_SKEW_S = 600.0
_canon = msgspec.json.Encoder(order="sorted")


def canonical(body: c.GatewayReport) -> bytes:
    return _canon.encode([msgauth.VERSION, PURPOSE, msgspec.structs.replace(body, mac="")])


def sign(body: c.GatewayReport, key: str) -> c.GatewayReport:
    raw = hmac.new(msgauth.purpose_key(key, PURPOSE), canonical(body), hashlib.sha256).digest()
    return msgspec.structs.replace(body, mac=base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"))


def verify(body: c.GatewayReport, key: str) -> bool:
    return hmac.compare_digest(sign(body, key).mac.encode(), body.mac.encode())


@dataclass(frozen=True)
class GatewayCredentials:
    gateway: str
    key: str


def write_credentials(path: Path, creds: GatewayCredentials) -> Path:
    from ev_common.pki import write_secret  # noqa: PLC0415
    return write_secret(path, json.dumps({"gateway": creds.gateway, "key": creds.key,
                                          "issued_at": time.time()}))


def load_credentials(path: Path) -> GatewayCredentials:
    """The gateway's name and key from its 0600 file (ValueError/OSError when unusable)."""
    from ev_common.pki import read_secret  # noqa: PLC0415
    data = json.loads(read_secret(path))
    if not isinstance(data, dict) or not data.get("gateway") or not data.get("key"):
        raise ValueError(f"{path}: not a gateway credentials file")
    return GatewayCredentials(str(data["gateway"]), str(data["key"]))
