"""A CP box's credentials file: its id and its secret key, 0600, written by ``ev-db``.

``ev-db add-cp`` / ``rotate-cp-key`` / ``seed --credentials-dir`` write one JSON file per CP::

    {"cp_id": "CP001", "key": "<43 chars of URL-safe base64>", "issued_at": 1764400000.0}

The Engine signs its events and verifies Central's commands with ``key``; the Monitor proves
the CP to Central with it (socket ``AUTH``). Both take ``--cp-credentials PATH`` (env
``EV_CP_CREDENTIALS``): PATH is that file, or a directory holding ``<cp_id>.json`` files (a
fleet of simulated CPs on one machine; an Engine that learns its id from the Monitor's HELLO).
The file must be readable by its owner only (checked on every read: a key others could read
cannot be trusted).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ev_common.pki import InsecureFileError, check_secret_file, write_secret

ENV = "EV_CP_CREDENTIALS"


class CredentialsError(RuntimeError):
    """No usable credentials for a CP (message in Spanish: what is wrong and what to do)."""


@dataclass(frozen=True)
class CpCredentials:
    cp_id: str
    key: str
    issued_at: float = 0.0


def file_for(path: Path, cp_id: str) -> Path:
    """The credentials file of *cp_id* under *path* (a file is itself; a directory holds many).
    An id that could leave the directory (``/``, ``\\``, leading ``.``) names no file."""
    if not path.is_dir():
        return path
    if not cp_id or "/" in cp_id or "\\" in cp_id or cp_id.startswith(".") or "\x00" in cp_id:
        raise CredentialsError(f"identificador de CP no válido: {cp_id[:64]!r}")
    return path / f"{cp_id}.json"


def write(path: Path, creds: CpCredentials) -> Path:
    data = json.dumps({"cp_id": creds.cp_id, "key": creds.key, "issued_at": creds.issued_at or time.time()})
    return write_secret(path, data + "\n")


def load(path: Path | str, cp_id: str | None = None) -> CpCredentials:
    """The credentials of *cp_id* (or of the only CP the file names when *cp_id* is None)."""
    base = Path(path).expanduser()
    if base.is_dir() and cp_id is None:
        raise CredentialsError(f"{base} es un directorio: falta el id del CP")
    target = file_for(base, cp_id or "") if base.is_dir() else base
    try:
        raw = json.loads(check_secret_file(target).read_text(encoding="utf-8"))
    except InsecureFileError as exc:
        raise CredentialsError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"No se pueden leer las credenciales {target}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cp_id"), str) or not isinstance(raw.get("key"), str) \
            or not raw["key"]:
        raise CredentialsError(f"{target} no es un fichero de credenciales de CP (cp_id, key)")
    creds = CpCredentials(raw["cp_id"], raw["key"], float(raw.get("issued_at") or 0.0))
    if cp_id is not None and creds.cp_id != cp_id:
        raise CredentialsError(f"{target} es del CP {creds.cp_id}, no del {cp_id}")
    return creds


def configured(explicit: str | None) -> Path | None:
    """``--cp-credentials`` if given, else ``EV_CP_CREDENTIALS``, else None."""
    value = explicit or os.environ.get(ENV) or ""
    return Path(value).expanduser() if value else None


def mtime(path: Path, cp_id: str) -> float:
    """Modification time of the CP's file (0 when missing): a rotated key is re-read."""
    try:
        return file_for(path, cp_id).stat().st_mtime
    except (OSError, CredentialsError):
        return 0.0
