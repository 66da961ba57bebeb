"""docs/protocol.md must describe every message of the contract, with examples that decode."""
from __future__ import annotations

import re
from pathlib import Path

from ev_common.contract import PAYLOAD_TYPES, decode

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"


def _examples() -> dict[str, bytes]:
    text = DOC.read_text()
    found = {}
    for name, block in re.findall(r"#### `([a-z_]+)`\s+```json\n(.*?)```", text, re.S):
        found[name] = block.encode()
    return found


def test_every_message_type_has_a_documented_example() -> None:
    assert set(PAYLOAD_TYPES) <= set(_examples())


def test_every_documented_example_decodes_to_its_type() -> None:
    for name, raw in _examples().items():
        env = decode(raw)
        assert env.type == name
        assert type(env.body) is PAYLOAD_TYPES[name]


def test_every_message_type_is_in_the_reference_table() -> None:
    text = DOC.read_text()
    for name in PAYLOAD_TYPES:
        assert f"| `{name}` |" in text, name
