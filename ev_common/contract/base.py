"""What every message body shares: the schema version, the one decoding error and the
``Payload`` base whose ``TYPE`` names the message on the wire and ``KEY_FIELD`` its partition key."""
from __future__ import annotations

from typing import ClassVar

import msgspec

SCHEMA_VERSION = 1


class ContractError(ValueError):
    """Bytes that are not a valid message of this contract (reason in ``str(exc)``)."""


class Payload(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """Base of every message body. ``TYPE`` is the wire name; ``KEY_FIELD`` the partition key."""

    TYPE: ClassVar[str] = ""
    KEY_FIELD: ClassVar[str] = ""

    def partition_key(self) -> str:
        return str(getattr(self, self.KEY_FIELD))
