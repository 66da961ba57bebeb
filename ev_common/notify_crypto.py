"""Driver-notification privacy: AES-256-GCM under a per-driver key (pure: no Kafka, no files).

Every driver app reads the one notifications topic (Kafka ACLs cannot give each driver its own
slice of it), so what protects a driver's tickets, places and amounts from the other drivers is
encryption: Central seals each notification under that driver's *notification key* (32 random
bytes, kept by Central, handed to every LOGIN of the driver over the TLS socket link), and only
apps signed in as that driver can open it. GCM's tag also makes a notification unforgeable by
anyone without the key — another driver, an operator app, a stolen driver/operator Kafka
credential — so no separate signature is needed (see docs/security.md).

What stays readable is what routing needs: the envelope (id, type ``sealed_notification``,
ts, source) and the driver id (the partition key). The *associated data* binds the ciphertext
to exactly that envelope — ``[VERSION, type, v, id, ts, source, key, kid]`` — so it cannot be
moved to another driver, re-dated, or replayed under another message id (the app drops an id
it has seen). The plaintext is the inner message ``{"type": …, "body": …}`` padded with spaces
to a multiple of :data:`PAD_TO` bytes, so the size does not tell a ticket from a progress tick.
"""
from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ev_common import contract as c

VERSION = "ev-notify/1"
KEY_BYTES = 32
NONCE_BYTES = 12
PAD_TO = 256  # plaintext padded to a multiple of this (hides the kind of notification)

#: the payloads Central sends to drivers (always sealed on the wire)
NOTIFICATION_TYPES: tuple[type[c.Payload], ...] = (
    c.ChargeAuthorized, c.ChargeDenied, c.ReservationExpired, c.SupplyStartedNotice,
    c.SupplyProgress, c.SupplyInterrupted, c.Ticket)
_INNER = {cls.TYPE: cls for cls in NOTIFICATION_TYPES}

_aad_encoder = msgspec.json.Encoder()
_plain = msgspec.json.Encoder()


class NotifyError(ValueError):
    """Why a notification was refused. ``reason`` is a short code (counter name / dead-letter
    reason): ``unsealed``, ``wrong_driver``, ``other_key``, ``forged``, ``bad_content``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class NotifyKey:
    """One driver's notification key: ``kid`` names it (changes at every rotation), ``key`` is
    the 32 raw bytes. ``repr`` never shows the key (it may end up in a log line)."""

    kid: str
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise ValueError(f"a notification key has {KEY_BYTES} bytes, not {len(self.key)}")
        if not self.kid or "#" in self.kid:
            raise ValueError("bad key id")

    def __repr__(self) -> str:
        return f"NotifyKey(kid={self.kid!r}, key=<hidden>)"

    @classmethod
    def generate(cls) -> "NotifyKey":
        return cls(secrets.token_hex(8), secrets.token_bytes(KEY_BYTES))

    @property
    def text(self) -> str:
        """The key as URL-safe base64 (no padding): how the DB and the LOGIN answer carry it."""
        return _b64(self.key)

    @classmethod
    def from_text(cls, kid: str, text: str) -> "NotifyKey":
        """Parse a key received as text; ValueError when it is not 32 bytes of base64."""
        return cls(kid, _unb64(text))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


def aad(env: c.Envelope, kid: str) -> bytes:
    """The associated data: everything readable of the sealed envelope (its auth excepted)."""
    return _aad_encoder.encode([VERSION, env.type, env.v, env.id, float(env.ts), env.source, env.key, kid])


def seal(env: c.Envelope, key: NotifyKey, nonce: bytes | None = None) -> c.Envelope:
    """*env* (a driver notification in clear) → the same envelope (id, ts, source, key) carrying
    a :class:`~ev_common.contract.SealedNotification`. *nonce* only for tests (random otherwise)."""
    body = env.body
    if not isinstance(body, NOTIFICATION_TYPES):
        raise TypeError(f"{type(body).__name__} is not a driver notification")
    plain = _plain.encode({"type": body.TYPE, "body": body})
    plain += b" " * (-len(plain) % PAD_TO)
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    sealed = c.Envelope(id=env.id, type=c.SealedNotification.TYPE, v=env.v, ts=float(env.ts),
                        source=env.source, key=env.key,
                        body=c.SealedNotification(driver_id=env.key, kid=key.kid, nonce="", ct=""))
    ct = AESGCM(key.key).encrypt(nonce, plain, aad(sealed, key.kid))
    return msgspec.structs.replace(sealed, body=msgspec.structs.replace(
        sealed.body, nonce=_b64(nonce), ct=_b64(ct)))


class _Inner(msgspec.Struct):
    type: str
    body: msgspec.Raw


_inner_decoder = msgspec.json.Decoder(_Inner)


def open_sealed(env: c.Envelope, key: NotifyKey, driver_id: str) -> c.Envelope:
    """The notification inside *env* for *driver_id* (the app's own id), as if sent in clear
    (same id, ts, source, key); :class:`NotifyError` for anything else — a notification in
    clear, another driver's, one under another key, a tampered or forged one."""
    body = env.body
    if not isinstance(body, c.SealedNotification):
        raise NotifyError("unsealed", f"'{env.type}' in clear")
    if env.key != driver_id or body.driver_id != driver_id:
        raise NotifyError("wrong_driver", f"for {env.key[:64]!r}")
    if body.kid != key.kid:
        raise NotifyError("other_key", f"key {body.kid[:32]!r}, this app holds {key.kid!r}")
    try:
        nonce, ct = _unb64(body.nonce), _unb64(body.ct)
        if len(nonce) != NONCE_BYTES:
            raise ValueError("bad nonce")
        plain = AESGCM(key.key).decrypt(nonce, ct, aad(env, body.kid))
    except (InvalidTag, ValueError) as exc:
        raise NotifyError("forged", "does not verify under the driver's key") from exc
    try:
        inner = _inner_decoder.decode(plain)
        cls = _INNER.get(inner.type)
        if cls is None:
            raise NotifyError("bad_content", f"'{inner.type[:40]}' is not a driver notification")
        payload = msgspec.json.decode(inner.body, type=cls)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError) as exc:
        raise NotifyError("bad_content", str(exc)[:200]) from None
    if payload.partition_key() != driver_id:  # Central's bug, not an attack (the tag held)
        raise NotifyError("bad_content", "inner driver id differs")
    return c.Envelope(env.id, payload.TYPE, env.v, env.ts, env.source, env.key, payload, None)
