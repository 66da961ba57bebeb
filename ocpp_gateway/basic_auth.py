"""Who may connect: OCPP security profile 1/2 — HTTP Basic with the charger id and its AuthorizationKey.

The WebSocket path names the charger (``/<chargePointId>``); the Basic user must be that id
and the password that CP's AuthorizationKey (:mod:`ocpp_gateway.authorization_key`, derived
from the CP key of the credentials ``ev-db add-cp`` wrote). Everything else is
refused with HTTP 401 before any OCPP is spoken. Pure but for reading the credentials file.
"""
from __future__ import annotations

import base64
import binascii
from pathlib import Path
from urllib.parse import unquote

from ev_common import cp_credentials
from ev_common.cp_credentials import CredentialsError
from ocpp_gateway import authorization_key

MAX_ID_LEN = 64


def cp_id_from_path(path: str) -> str | None:
    """The charger id in ``/<id>`` (or ``/prefix/<id>``), or None when it is not usable."""
    last = unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    if not last or len(last) > MAX_ID_LEN or not last.isprintable() or last.startswith(".") \
            or "/" in last or "\\" in last:
        return None
    return last


def basic_credentials(header: str | None) -> tuple[str, bytes] | None:
    """(user, password bytes): the password stays bytes — an OCPP 1.6 AuthorizationKey is sent
    as its raw octets, which need not be UTF-8."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        user, sep, password = base64.b64decode(header[6:].strip(), validate=True).partition(b":")
        return (user.decode("utf-8"), password) if sep else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def check(credentials: Path, path: str, header: str | None) -> tuple[str | None, str]:
    """(cp_id, "") when the charger may connect, else (cp_id or None, why) — *why* is one of
    ``bad_path``, ``no_credentials``, ``wrong_user``, ``unknown_cp``, ``bad_key``."""
    cp_id = cp_id_from_path(path)
    if cp_id is None:
        return None, "bad_path"
    pair = basic_credentials(header)
    if pair is None:
        return cp_id, "no_credentials"
    user, password = pair
    if user != cp_id:
        return cp_id, "wrong_user"
    try:
        creds = cp_credentials.load(credentials, cp_id)
    except CredentialsError:
        return cp_id, "unknown_cp"
    if not authorization_key.matches(password, creds.key):
        return cp_id, "bad_key"
    return cp_id, ""
