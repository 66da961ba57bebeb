"""Secrets: argon2 password/key hashing and HMAC-signed, expiring driver and operator tokens.

A driver token is ``driver_id.expires_at.signature`` where ``signature`` is the URL-safe base64
of HMAC-SHA256(secret, ``driver_id.expires_at``). An operator token is
``op:operator_id.expires_at.signature``: the role prefix is part of the signed body *and* the
MAC uses a key derived from the secret for operators only, so neither kind of token can ever
pass as the other (whatever ids an admin picks). Tokens are checked without any DB lookup; the
clock is injectable so tests can expire tokens without sleeping.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ev_common.pki import read_secret, write_secret

# OWASP's minimum argon2id profile: fast enough for a demo seed of dozens of accounts.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_secret(plain: str) -> str:
    return _hasher.hash(plain)


def verify_secret(stored_hash: str, plain: str) -> bool:
    """True when *plain* matches *stored_hash*; any malformed hash is simply a mismatch."""
    try:
        return _hasher.verify(stored_hash, plain)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# The hash an unknown id is checked against: the same argon2 parameters as a real one, so an
# unknown driver/operator/CP id costs Central (and the guesser's wait) exactly what a known one
# with a wrong secret costs — answer time says nothing about which ids exist.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(24))


def verify_secret_or_dummy(stored_hash: str | None, plain: str) -> bool:
    """:func:`verify_secret` against *stored_hash*, or against :data:`DUMMY_HASH` (always
    False) when the id is unknown (*stored_hash* None or empty)."""
    if not stored_hash:
        verify_secret(DUMMY_HASH, plain)
        return False
    return verify_secret(stored_hash, plain)


class TokenError(ValueError):
    """A token that is malformed, forged or expired (reason in ``str(exc)``)."""


OPERATOR_PREFIX = "op:"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    driver_id: str  # the subject: a driver id, or the operator id for operator tokens
    expires_at: int
    role: str = "driver"


class TokenSigner:
    def __init__(self, secret: bytes, ttl_s: float = 12 * 3600,
                 clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("token secret must not be empty")
        self._secret = secret
        # a separate MAC key for operator tokens: a driver token can never verify as one
        self._operator_key = hmac.new(secret, b"ev-operator-token-key", hashlib.sha256).digest()
        self.ttl_s = ttl_s
        self.clock = clock

    @staticmethod
    def _mac(key: bytes, message: str) -> str:
        mac = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def _sign(self, message: str) -> str:
        return self._mac(self._secret, message)

    def issue(self, driver_id: str) -> IssuedToken:
        expires_at = int(self.clock() + self.ttl_s)
        body = f"{driver_id}.{expires_at}"
        return IssuedToken(f"{body}.{self._sign(body)}", driver_id, expires_at)

    def issue_operator(self, operator_id: str) -> IssuedToken:
        """``op:<operator_id>.<expires_at>.<sig>``, signed with the operator key."""
        expires_at = int(self.clock() + self.ttl_s)
        body = f"{OPERATOR_PREFIX}{operator_id}.{expires_at}"
        return IssuedToken(f"{body}.{self._mac(self._operator_key, body)}", operator_id, expires_at, "operator")

    def verify(self, token: str) -> str:
        """The driver id the token was issued to, or :class:`TokenError`."""
        return self._check(token, self._secret)

    def verify_operator(self, token: str) -> str:
        """The operator id an operator token was issued to, or :class:`TokenError` (also for a
        driver token: it lacks the role prefix and was signed with the other key)."""
        if not (token or "").startswith(OPERATOR_PREFIX):
            raise TokenError("not an operator token")
        return self._check(token, self._operator_key)[len(OPERATOR_PREFIX):]

    def _check(self, token: str, key: bytes) -> str:
        """The signed subject (with its role prefix, if any) of an intact, unexpired token."""
        parts = (token or "").rsplit(".", 2)
        if len(parts) != 3 or not parts[0]:
            raise TokenError("malformed token")
        subject, expires_text, signature = parts
        expected = self._mac(key, f"{subject}.{expires_text}").encode("ascii")
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):  # bytes: any text compares
            raise TokenError("bad signature")
        try:
            expires_at = int(expires_text)
        except ValueError:
            raise TokenError("malformed expiry") from None
        if self.clock() >= expires_at:
            raise TokenError("token expired")
        return subject


def load_or_create_secret(data_dir: Path, explicit: str | None = None) -> bytes:
    """The token secret: *explicit* (``EV_TOKEN_SECRET`` or a ``--token-secret-file``; never a
    command-line value, which ``ps`` would show) or a random one generated once and kept in
    ``<data_dir>/token-secret`` (0600, checked at every start)."""
    if explicit:
        return explicit.encode("utf-8")
    path = Path(data_dir) / "token-secret"
    if path.exists():
        return read_secret(path).encode("utf-8")
    return write_secret(path, secrets.token_hex(32)).read_bytes().strip()
