"""Multi-connector chargers: ONE CP PER CONNECTOR (pure naming rules).

The choice: a charge box ``CP010`` with two connectors is two CPs of Central — ``CP010`` for
connector 1 and ``CP010-2`` for connector 2 (``CP010-3``… likewise) — each added with
``ev-db add-cp`` (its own price, max kW, key, tile, reservations and tickets), so two cars
charge at once and a driver reserves a connector, not a box. The box connects once, as
``CP010`` with ``CP010``'s AuthorizationKey; the gateway serves connector *n* as ``CP010-n``
when credentials for that id exist, and otherwise leaves that connector to ``CP010`` (the
single-CP behaviour: one car at a time through Central, RemoteStart to the connector in
Preparing). The operator's tile shows the connector after the OCPP tag.

Transaction ids stay unique per box: connector *n* ≥ 2 hands out ``n·10⁶ + k``.
"""
from __future__ import annotations

MAX_CONNECTORS = 8       # connectors looked for per box (CP010-2 … CP010-8)
TX_BASE_STEP = 1_000_000


def connector_cp_id(box_id: str, connector: int) -> str:
    """The CP id of *connector* of box *box_id*."""
    return box_id if connector <= 1 else f"{box_id}-{connector}"


def tx_base(connector: int) -> int:
    return 0 if connector <= 1 else connector * TX_BASE_STEP


def connector_of(cp_id: str) -> int | None:
    """The connector a CP id names by this rule (``CP010-2`` → 2), None for a plain id."""
    head, sep, tail = cp_id.rpartition("-")
    if sep and head and tail.isdigit() and 2 <= int(tail) <= MAX_CONNECTORS:
        return int(tail)
    return None
