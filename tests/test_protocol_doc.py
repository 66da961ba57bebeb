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


def _topic_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\| `ev\.([a-z.]+)` \| (\d+) \|", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in line.strip("|").split("|")]
    return rows


def test_every_topic_is_documented_with_its_real_partition_count() -> None:
    from ev_common.topics import Topics

    t = Topics("ev")
    rows = _topic_rows()
    assert {f"ev.{name}" for name in rows} == set(t.all())
    for name, cols in rows.items():
        assert int(cols[1]) == t.partitions(f"ev.{name}"), name


def test_the_documented_consumer_group_is_the_one_central_uses() -> None:
    text = DOC.read_text()
    source = (DOC.parent.parent / "central_service" / "runtime.py").read_text()
    assert 'group_id=f"{cfg.topic_prefix}.central"' in source
    assert "`<prefix>.central`" in text
    # every other reader is documented as a lone reader, and the code agrees
    assert "<prefix>.driver." not in text and "<prefix>.engine." not in text
    for module in ("ev_desktop/core/driver.py", "cp_simulator/engine_app.py", "ev_desktop/core/directory.py"):
        assert "group_id=None" in (DOC.parent.parent / module).read_text(), module


def test_every_socket_error_code_the_server_sends_is_documented() -> None:
    text = DOC.read_text()
    root = DOC.parent.parent
    codes = set()
    for path in (root / "central_service").glob("*.py"):
        codes |= set(re.findall(r'"ERR", "([a-z_]+)"', path.read_text()))
        codes |= set(re.findall(r"ERR#([a-z_]+)", path.read_text()))
    codes.discard("code")  # the ``ERR#code#text`` placeholder in a docstring
    assert codes, "no error codes found in the socket server: the pattern is out of date"
    missing = sorted(c for c in codes if f"ERR#{c}" not in text)
    assert not missing, f"undocumented socket error codes: {missing}"
