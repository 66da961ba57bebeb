"""Chargers an OCPP gateway refused, as operators see them (Central's side of ``gateway_report``).

A gateway refuses (HTTP 401) chargers whose id Central does not know or whose key is wrong; by
itself it could only log them. It sends, at most once per report interval, an aggregated
:class:`~ev_common.contract.GatewayReport` on ``cp.events`` (the topic its Kafka principal
already writes), signed with its own key (``ev-db add-gateway``). Here Central checks it —
known, unrevoked gateway, valid MAC, fresh, ``seq`` growing — keeps the totals per
(gateway, claimed charger id) in memory, bounded, and the alert rules
(:mod:`central_service.domain.alerts`, kind ``unknown_charger``) show them in the operator
workbench. A report that fails a check is refused with a ``msgauth_gateway_*`` counter (which
feeds the "forged input" alert) and changes nothing.

Why totals in memory only: they feed alerts, which Central persists itself; after a restart
new refusals raise the alert again.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ev_common import contract as c
from ev_common import gateway_reports as gr
from ev_common import msgauth
from central_service.db import OcppGatewayRow

if TYPE_CHECKING:
    from central_service.application import CentralCore

log = logging.getLogger("central.gateways")

MAX_TRACKED = 500          # (gateway, charger id) pairs kept; the oldest forgotten first
MAX_COUNT_PER_ENTRY = 1_000_000
TEXT_LIMIT = 64


@dataclass
class RefusedTotal:
    gateway: str
    cp_id: str
    total: int
    peer: str
    why: str
    last_at: float


class RefusedChargers:
    """Totals per (gateway, charger id) and the last ``seq`` accepted per gateway."""

    def __init__(self) -> None:
        self.totals: OrderedDict[str, RefusedTotal] = OrderedDict()
        self.last_seq: dict[str, int] = {}

    def add(self, gateway: str, entry: c.RefusedCharger, now: float) -> None:
        cp_id = _clean(entry.cp_id)
        key = f"{gateway}/{cp_id}"
        count = max(0, min(int(entry.count), MAX_COUNT_PER_ENTRY))
        t = self.totals.pop(key, None) or RefusedTotal(gateway, cp_id, 0, "", "", now)
        t.total += count
        t.peer, t.why, t.last_at = _clean(entry.peer), _clean(entry.why), now
        self.totals[key] = t
        while len(self.totals) > MAX_TRACKED:
            self.totals.popitem(last=False)


def _clean(text: str) -> str:
    """Untrusted text for an operator's screen: printable, short."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text)[:TEXT_LIMIT]) or "?"


def book(core: "CentralCore") -> RefusedChargers:
    """The totals of *core* (kept on it, so each Central — and each test's — has its own)."""
    found = getattr(core, "refused_chargers", None)
    if found is None:
        found = RefusedChargers()
        core.refused_chargers = found  # type: ignore[attr-defined]
    return found


def alert_facts(core: "CentralCore") -> dict[str, tuple[int, str, str, str, str]]:
    """What the alert rules need (:attr:`central_service.domain.alerts.Facts.refused_chargers`)."""
    return {k: (t.total, t.gateway, t.cp_id, t.peer, t.why) for k, t in book(core).totals.items()}


def gateway_key(name: str) -> str | None:
    row = OcppGatewayRow.get_or_none(OcppGatewayRow.name == name)
    return None if row is None or row.revoked else row.mac_key


def _on_gateway_report(core: "CentralCore", m: c.GatewayReport) -> list[c.Payload]:
    """The HANDLERS entry for ``gateway_report`` (named ``_on_<type>`` like every handler of the
    table): verify, then add to the totals; no effects."""
    gateway = _clean(m.gateway)
    key = gateway_key(m.gateway)
    if key is None:
        return core._reject("msgauth_gateway_unknown", f"gateway_report from unknown or revoked gateway {gateway!r}")
    if not gr.verify(m, key):
        return core._reject("msgauth_gateway_forged", f"gateway_report of {gateway!r}: bad MAC")
    now = core.clock()
    refused = book(core)
    if abs(now - m.sent_at) > gr.MAX_SKEW_S or m.seq <= refused.last_seq.get(m.gateway, -1):
        return core._reject("msgauth_gateway_stale", f"gateway_report of {gateway!r} seq={m.seq}: stale or replayed")
    refused.last_seq[m.gateway] = m.seq
    for entry in m.refused[:gr.MAX_ENTRIES]:
        refused.add(gateway, entry, now)
    if m.others > 0:
        refused.add(gateway, c.RefusedCharger("(otros)", "-", "varios", m.others), now)
    n = sum(min(e.count, MAX_COUNT_PER_ENTRY) for e in m.refused[:gr.MAX_ENTRIES]) + m.others
    core.store.log_event("charger_refused", f"pasarela {gateway}: {n} conexiones rechazadas")
    log.warning("gateway %s refused %d charger connection(s): %s", gateway, n,
                ", ".join(f"{_clean(e.cp_id)}@{_clean(e.peer)}:{_clean(e.why)}x{e.count}" for e in m.refused[:5]))
    return []


def add_gateway(name: str, path: Path) -> Path:
    """``ev-db add-gateway``: a new random key for gateway *name* (replacing an old one) in the
    DB and in its 0600 credentials file; returns the file."""
    key = msgauth.new_key()
    (OcppGatewayRow.insert(name=name, mac_key=key, revoked=False)
     .on_conflict(conflict_target=[OcppGatewayRow.name],
                  update={OcppGatewayRow.mac_key: key, OcppGatewayRow.revoked: False}).execute())
    return gr.write_credentials(path, gr.GatewayCredentials(name, key))
