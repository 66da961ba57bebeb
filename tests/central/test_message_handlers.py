"""Central's message handlers are an explicit table: every type it reads has one, nothing else does."""
from __future__ import annotations

import re
from pathlib import Path

from ev_common import contract as c
from central_service.application import CentralCore

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _documented_types(topic: str) -> set[str]:
    for line in DOC.read_text().splitlines():
        if line.startswith(f"| `ev.{topic}` |"):
            return set(re.findall(r"`([a-z_]+)`", line.split("|")[5]))
    raise AssertionError(f"topic {topic} not in docs/protocol.md")


def test_every_message_type_central_reads_has_a_handler_except_telemetry():
    read = set().union(*(_documented_types(t) for t in ("driver.requests", "cp.events", "operator.commands")))
    assert read, "the topic table of docs/protocol.md changed shape"
    # telemetry is applied by the runtime itself (live values, not staged effects)
    assert set(CentralCore.HANDLERS) == read - {c.Telemetry.TYPE}


def test_each_handler_is_registered_under_its_own_type():
    for type_name, handler in CentralCore.HANDLERS.items():
        assert type_name in c.PAYLOAD_TYPES
        assert handler.__name__ == f"_on_{type_name}", (type_name, handler.__name__)


def test_a_type_central_does_not_read_is_ignored_without_effects():
    """Reaching on_message with e.g. a notification changes nothing (no handler in the table)."""
    core = CentralCore.__new__(CentralCore)  # no store needed: nothing may be touched
    env = c.envelope(c.ReservationExpired(driver_id="d1", session_id="s1", cp_id="CP001"), source="test")
    assert core.on_message(env) == []


def test_no_two_parts_of_central_core_define_the_same_name():
    """CentralCore is made of mixins (central_service/handlers/): a name defined in two of them
    would be decided silently by the method resolution order, so each name has one home."""
    homes: dict[str, str] = {}
    for part in CentralCore.__mro__[1:-1]:  # the parts, without CentralCore itself and object
        for name in vars(part):
            if name.startswith("__") and name.endswith("__"):
                continue
            assert name not in homes, f"{name} defined in both {homes[name]} and {part.__name__}"
            homes[name] = part.__name__
    assert not set(homes) & {n for n in vars(CentralCore) if not n.startswith("__")}
