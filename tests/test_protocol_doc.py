"""docs/protocol.md must describe every message of the contract, with examples that decode."""
from __future__ import annotations

import os
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
    # requests and commands have their own consumer and group (issue 14): documented too
    assert 'group_id=f"{cfg.topic_prefix}.central.requests"' in source
    assert "`<prefix>.central.requests`" in text
    # every other reader is documented as a lone reader, and the code agrees
    assert "<prefix>.driver." not in text and "<prefix>.engine." not in text
    for module in ("ev_desktop/core/driver.py", "cp_simulator/engine_app.py", "ev_desktop/core/directory.py"):
        assert "group_id=None" in (DOC.parent.parent / module).read_text(), module


def _central_sources(package: Path) -> list[Path]:
    """Central's modules: the top level and its application's handlers (``handlers/``)."""
    return sorted(package.glob("*.py")) + sorted(package.glob("handlers/*.py"))


def test_every_socket_error_code_the_server_sends_is_documented() -> None:
    text = DOC.read_text()
    root = DOC.parent.parent
    codes = set()
    for path in _central_sources(root / "central_service"):
        codes |= set(re.findall(r'"ERR", "([a-z_]+)"', path.read_text()))
        codes |= set(re.findall(r"ERR#([a-z_]+)", path.read_text()))
    codes.discard("code")  # the ``ERR#code#text`` placeholder in a docstring
    assert codes, "no error codes found in the socket server: the pattern is out of date"
    missing = sorted(c for c in codes if f"ERR#{c}" not in text)
    assert not missing, f"undocumented socket error codes: {missing}"


def _central_counter_names() -> set[str]:
    """Every heartbeat counter name Central's code can increment, read from its source."""
    root = DOC.parent.parent / "central_service"
    names: set[str] = set()
    for path in _central_sources(root):
        src = path.read_text()
        names |= set(re.findall(r'counters\["([a-z_]+)"\]', src))
        names |= set(re.findall(r'_reject\("([a-z_]+)"', src))                   # application layer
        names |= set(re.findall(r'_locked_out\([^)]*"([a-z_]+)"\)', src))        # login throttle
        names |= set(re.findall(r'"(idle_[a-z]+_closed)"', src))                 # idle links
    prefixed = {"sessions.py": "session_", "authenticity.py": "msgauth_"}
    for module, prefix in prefixed.items():
        kinds = re.findall(r'_refuse\("([a-z_]+)"', (root / module).read_text())
        assert kinds, f"no refusal kinds found in {module}: the pattern is out of date"
        names |= {prefix + k for k in kinds}
    kinds = re.findall(r'_refuse\(address, "([a-z_]+)"', (root / "connection_limits.py").read_text())
    assert kinds, "no refusal kinds found in connection_limits.py: the pattern is out of date"
    names |= {"connections_refused_" + k for k in kinds}
    return names


def _documented_counters() -> set[str]:
    text = DOC.read_text()
    table = text[text.index("| counter | counts |"):]
    table = table[:table.index("\n\n")]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}


def test_every_heartbeat_counter_central_increments_is_documented_and_no_other() -> None:
    in_code = _central_counter_names()
    assert len(in_code) > 20, "counter patterns are out of date"
    documented = _documented_counters()
    assert not in_code - documented, f"undocumented heartbeat counters: {sorted(in_code - documented)}"
    assert not documented - in_code, f"documented counters Central never sends: {sorted(documented - in_code)}"


def test_the_documented_heartbeat_instance_is_the_one_central_sends() -> None:
    from central_service.config import CentralConfig

    from central_service.cli import build_parser, default_instance_id

    instance = CentralConfig.__dataclass_fields__["instance"].default
    text = DOC.read_text()
    assert "`instance` is the Central's `--instance-id`" in text and "default `<host>-<pid>`" in text
    assert f"`{instance}` for a Central embedded with the library default" in text
    assert build_parser().parse_args([]).instance_id in (default_instance_id(), os.environ.get("EV_INSTANCE_ID"))
    assert _examples()["central_heartbeat"].decode().count(f'"{instance}"') >= 2  # key and body


def test_the_documented_dead_letter_consumers_are_the_ones_that_write_dead_letters() -> None:
    root = DOC.parent.parent
    text = DOC.read_text()
    # Central: its own dead letters and its consumer's (group id) carry "<prefix>.central"
    assert 'consumer=f"{self.topic_prefix}.central"' in (root / "central_service" / "effects.py").read_text()
    assert 'group_id=f"{cfg.topic_prefix}.central"' in (root / "central_service" / "runtime.py").read_text()
    assert "consumer=self.group_id or self.client_id" in (root / "ev_common" / "kafka" / "dead_letters.py").read_text()
    # an Engine: a lone reader with a dead-letter topic, named by its client id
    engine = (root / "cp_simulator" / "engine_app.py").read_text()
    assert 'client_id=f"engine-{cp_id}"' in engine and "dead_letter_topic=" in engine
    assert 'group_id=f"{cfg.topic_prefix}.central.requests"' in (root / "central_service" / "runtime.py").read_text()
    gateway = (root / "ocpp_gateway" / "app.py").read_text()
    assert 'client_id = f"ocpp-gateway-{self.cfg.name}"' in gateway and "dead_letter_topic=" in gateway
    for value in ("`<prefix>.central`", "`<prefix>.central.requests`", "`engine-<cp_id>`", "`ocpp-gateway-<name>`"):
        assert value in text, value
    # and nobody else asks its consumer for dead letters
    writers = {p.relative_to(root).as_posix() for pkg in ("central_service", "cp_simulator", "ev_desktop", "ev_common", "ocpp_gateway")
               for p in (root / pkg).rglob("*.py") if "dead_letter_topic=" in p.read_text()}
    assert writers == {"central_service/runtime.py", "cp_simulator/engine_app.py", "ocpp_gateway/app.py"}, writers
    assert '"consumer": "ev.central"' in _examples()["dead_letter"].decode()
