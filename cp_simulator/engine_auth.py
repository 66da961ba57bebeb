"""The Engine's side of message authenticity: sign events, verify Central's commands.

The CP's key comes from its credentials file (``--cp-credentials``, see
:mod:`ev_common.cp_credentials`) and is re-read when the file changes, so ``ev-db
rotate-cp-key`` + copying the new file to the box takes effect without a restart.

A command is obeyed only when it carries a valid MAC under this CP's key (purpose
``cp-command``: a message signed as a CP *event* never passes), was signed within the window
(``--command-max-age``) and its id was not seen before. Seen ids are kept beside the journal
(``seen-commands.json``) so a replay is refused across Engine restarts too.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from pathlib import Path

from ev_common import contract as c
from ev_common import cp_credentials, msgauth
from ev_common.cp_credentials import CpCredentials, CredentialsError

log = logging.getLogger(__name__)

DEFAULT_COMMAND_MAX_AGE_S = 3600.0


class EngineAuth:
    def __init__(self, credentials_path: Path, cp_id: str, state_dir: Path, *,
                 command_max_age_s: float = DEFAULT_COMMAND_MAX_AGE_S) -> None:
        """Raises :class:`CredentialsError` when this CP has no usable credentials."""
        self.path = Path(credentials_path)
        self.cp_id = cp_id
        self._creds: CpCredentials = cp_credentials.load(self.path, cp_id)
        self._mtime = cp_credentials.mtime(self.path, cp_id)
        self.counters: Counter[str] = Counter()
        self._seen_file = Path(state_dir) / "seen-commands.json"
        self.guard = msgauth.ReplayGuard(msgauth.Window(command_max_age_s))
        self._restore()

    # ------------------------------------------------------------------ keys
    def _key(self) -> str:
        """The current key, re-read when the credentials file changed (rotation)."""
        mtime = cp_credentials.mtime(self.path, self.cp_id)
        if mtime != self._mtime:
            try:
                self._creds = cp_credentials.load(self.path, self.cp_id)
                self._mtime = mtime
                log.info("cp=%s credentials re-read (rotated key)", self.cp_id)
            except CredentialsError as exc:
                log.error("cp=%s new credentials unusable, keeping the old key: %s", self.cp_id, exc)
        return self._creds.key

    def sign_event(self, env: c.Envelope) -> c.Envelope:
        return msgauth.sign(env, self._key(), msgauth.CP_EVENT, self.cp_id)

    # --------------------------------------------------------------- commands
    def accept_command(self, env: c.Envelope, now: float) -> bool:
        """True when *env* (a command for this CP) is authentic, fresh and new; otherwise the
        refusal is logged and counted (``commands_refused_<why>``) and False returned."""
        try:
            msgauth.verify(env, self._key(), msgauth.CP_COMMAND, self.cp_id)
            self.guard.check(env.id, env.ts, now)
        except msgauth.AuthError as exc:
            why = str(exc)
            kind = ("unsigned" if why == "unsigned" else "replayed" if why.startswith("replayed")
                    else "stale" if "window" in why or "future" in why else "forged")
            self.counters[f"commands_refused_{kind}"] += 1
            log.warning("cp=%s command %s id=%s REFUSED: %s", self.cp_id, env.type, env.id[:64], why)
            return False
        self._persist()
        return True

    def _restore(self) -> None:
        try:
            data = json.loads(self._seen_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("cp=%s %s unreadable (%s): starting with no seen command ids", self.cp_id,
                        self._seen_file, exc)
            return
        if isinstance(data, dict):
            self.guard.restore(data, time.time())

    def _persist(self) -> None:
        tmp = self._seen_file.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(self.guard.export()), encoding="utf-8")
            os.replace(tmp, self._seen_file)
        except OSError as exc:  # the in-memory guard still refuses replays until a restart
            log.warning("cp=%s could not save seen command ids: %s", self.cp_id, exc)
