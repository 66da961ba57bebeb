"""Message authenticity: per-party HMAC over a canonical envelope, replay windows.

Pure (no Kafka, no files, no clock of its own): the contract says what travels, this module
says how a receiver knows *who* wrote it. Kafka ACLs decide which role may write a topic; they
cannot tell CP001 from CP002 on the events topic, nor Central's commands for one CP from a
stolen CP box writing commands (it may not write there — but a stolen *Central* credential or a
misconfigured ACL must still not make a CP supply energy). So every message between a CP and
Central carries ``auth = {kid, mac}``:

* ``kid`` names the key: the CP id for messages signed with that CP's key;
* ``mac`` is the URL-safe base64 (no padding) of HMAC-SHA256(purpose key, canonical bytes).

The *purpose key* is derived from the party's secret per direction
(``HMAC-SHA256(secret, "ev-msgauth/1/" + purpose)``), so a message a CP signed as an event can
never verify as a command for that CP, whatever its type says.

Canonical bytes (what a client in another language must reproduce, docs/protocol.md §2.1):
the JSON array ``["ev-msgauth/1", purpose, v, id, type, ts, source, key, kid, body]`` encoded
without whitespace, object keys sorted, every field of the body present (optional ones as
``null``), floats in their shortest round-trip form. The receiver re-encodes the *decoded*
message, so two encodings of the same values verify alike.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass

import msgspec

from ev_common import contract as c

VERSION = "ev-msgauth/1"
CP_EVENT = "cp-event"        # Engine → Central, CP key
CP_COMMAND = "cp-command"    # Central → Engine, CP key
DRIVER_REQUEST = "driver-request"      # driver app → Central, session key
OPERATOR_COMMAND = "operator-command"  # operator app → Central, session key

_canon = msgspec.json.Encoder(order="sorted")
_plain = msgspec.json.Encoder()


class AuthError(ValueError):
    """Why a message is not authentic (a short reason, safe to log and dead-letter)."""


def new_key() -> str:
    """A fresh random secret: 32 bytes as URL-safe base64 text (fits files, sockets, env)."""
    return secrets.token_urlsafe(32)


def purpose_key(secret: str | bytes, purpose: str) -> bytes:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, f"{VERSION}/{purpose}".encode("ascii"), hashlib.sha256).digest()


def canonical(env: c.Envelope, purpose: str, kid: str) -> bytes:
    """The bytes the MAC covers: everything of *env* except its ``auth``."""
    return _canon.encode([VERSION, purpose, env.v, env.id, env.type, env.ts, env.source, env.key, kid,
                          env.body])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mac(env: c.Envelope, key: bytes, purpose: str, kid: str) -> str:
    """MAC of *env* under an already derived purpose *key*."""
    return _b64(hmac.new(key, canonical(env, purpose, kid), hashlib.sha256).digest())


def _as_received(body: c.Payload) -> c.Payload:
    """*body* as a receiver will decode it (e.g. an int given for a float field becomes a float),
    so the signer's canonical bytes are the verifier's."""
    return msgspec.json.decode(_plain.encode(body), type=type(body))


def sign(env: c.Envelope, secret: str | bytes, purpose: str, kid: str) -> c.Envelope:
    """*env* with ``auth`` set (kid + MAC). The id, ts and body are covered: change one, it fails."""
    env = msgspec.structs.replace(env, body=_as_received(env.body), ts=float(env.ts))
    value = mac(env, purpose_key(secret, purpose), purpose, kid)
    return msgspec.structs.replace(env, auth=c.Auth(kid=kid, mac=value))


def verify(env: c.Envelope, secret: str | bytes, purpose: str, kid: str) -> None:
    """Raise :class:`AuthError` unless *env* carries a valid MAC by *kid* under *secret*.

    *kid* is who the receiver expects (e.g. the body's cp id), not what the sender claims:
    a message signed with CP001's key for CP002's id fails here."""
    auth = env.auth
    if auth is None or not auth.mac:
        raise AuthError("unsigned")
    if auth.kid != kid:
        raise AuthError(f"signed by {auth.kid[:64]!r}, not {kid[:64]!r}")
    expected = mac(env, purpose_key(secret, purpose), purpose, kid)
    if not hmac.compare_digest(expected.encode("ascii"), auth.mac.encode("utf-8", "replace")):
        raise AuthError("bad MAC")


@dataclass(frozen=True)
class Window:
    """How old (and how far in the future) a signing time may be.

    ``max_age_s`` bounds how long a captured message can be replayed; it must cover the longest
    legitimate delay (an Engine journaling events while Kafka is down delivers them later with
    their original signing time), and the receiver must remember ids for at least as long —
    ids older than the window need not be remembered because the window refuses them."""

    max_age_s: float
    future_s: float = 300.0

    def problem(self, ts: float, now: float) -> str | None:
        if not ts == ts or ts > now + self.future_s:  # NaN or from the future (clock skew bound)
            return f"signed in the future (ts={ts!r})"
        if ts < now - self.max_age_s:
            return f"signed {now - ts:.0f}s ago, older than the {self.max_age_s:g}s window"
        return None


class ReplayGuard:
    """Message ids seen within a :class:`Window` (bounded memory; oldest forgotten first).

    ``check(id, ts, now)`` raises :class:`AuthError` for a message outside the window or seen
    before, else remembers it. ``export``/``restore`` let a process keep the ids across a restart
    (the Engine keeps them beside its journal)."""

    def __init__(self, window: Window, capacity: int = 100_000) -> None:
        self.window = window
        self.capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check(self, msg_id: str, ts: float, now: float) -> None:
        why = self.window.problem(ts, now)
        if why is not None:
            raise AuthError(why)
        if msg_id in self._seen:
            raise AuthError("replayed (message id already seen)")
        self._seen[msg_id] = ts
        self._prune(now)

    def seen(self, msg_id: str) -> bool:
        return msg_id in self._seen

    def _prune(self, now: float) -> None:
        horizon = now - self.window.max_age_s
        while self._seen and (len(self._seen) > self.capacity or next(iter(self._seen.values())) < horizon):
            self._seen.popitem(last=False)

    def export(self) -> dict[str, float]:
        return dict(self._seen)

    def restore(self, ids: dict[str, float], now: float) -> None:
        for msg_id, ts in sorted(ids.items(), key=lambda kv: kv[1]):
            if isinstance(msg_id, str) and isinstance(ts, (int, float)):
                self._seen[msg_id] = float(ts)
        self._prune(now)
