"""The charger's OCPP 1.6 AuthorizationKey, derived from its CP key (security profile 1/2).

Why derived: the OCPP 1.6 Security Whitepaper (A00.FR.205) wants the AuthorizationKey to be
16–20 bytes, configured on the charger as a hexadecimal string of up to 40 digits, and sent as
the HTTP Basic password. Our CP keys are 43 characters of base64 (32 bytes): too long for the
field most chargers have. So each charger gets ``HMAC-SHA256(cp_key, "ev-ocpp-authorization-
key/1")[:20]`` — 20 bytes, 40 hex digits — computed by the gateway from the CP key it already
holds (no second secret to store or rotate: ``ev-db rotate-cp-key`` changes both), and leaking
it does not leak the CP key (it cannot sign events or answer Central's AUTH).

Chargers differ in what they put in the Basic password: the spec's decoded 20 octets, or the
40 hex digits as text. Both are accepted (constant-time compare); nothing else is.

``python -m ocpp_gateway.authorization_key CP010 --cp-credentials DIR --out FILE`` writes the
hex key to *FILE* (0600) for the installer; it is never printed nor put on a command line.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import sys
from pathlib import Path

LABEL = b"ev-ocpp-authorization-key/1"
KEY_BYTES = 20   # the Whitepaper's maximum (minimum 16)


def derive(cp_key: str) -> bytes:
    """The 20 octets of the charger's AuthorizationKey."""
    return hmac.new(cp_key.encode("utf-8"), LABEL, hashlib.sha256).digest()[:KEY_BYTES]


def hex_key(cp_key: str) -> str:
    """The AuthorizationKey as the charger's configuration takes it: 40 hex digits."""
    return derive(cp_key).hex().upper()


def matches(password: bytes, cp_key: str) -> bool:
    """True when *password* (the Basic password's bytes) is this CP's AuthorizationKey, as
    octets or as its hex text (either case)."""
    raw = derive(cp_key)
    as_hex = raw.hex().encode("ascii")
    return hmac.compare_digest(password, raw) | hmac.compare_digest(password.lower(), as_hex)


def main(argv: list[str] | None = None) -> int:
    from ev_common import cp_credentials  # noqa: PLC0415
    from ev_common.cp_credentials import CredentialsError  # noqa: PLC0415
    from ev_common.pki import write_secret  # noqa: PLC0415

    p = argparse.ArgumentParser(prog="python -m ocpp_gateway.authorization_key",
                                description="Escribe la AuthorizationKey OCPP 1.6 (40 dígitos hex) de un "
                                            "cargador en un fichero 0600, para configurarla en el cargador.")
    p.add_argument("cp_id")
    p.add_argument("--cp-credentials", type=Path, required=True, help="directorio/fichero de ev-db add-cp")
    p.add_argument("--out", type=Path, required=True, help="fichero a escribir (0600)")
    args = p.parse_args(argv)
    try:
        creds = cp_credentials.load(args.cp_credentials, args.cp_id)
    except CredentialsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_secret(args.out, hex_key(creds.key) + "\n")
    print(f"AuthorizationKey de {args.cp_id} escrita en {args.out} (0600)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
