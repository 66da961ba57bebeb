"""Refused chargers, aggregated for Central (pure but for the clock passed in).

Every HTTP 401 the gateway answers is noted here; every ``--report-interval`` the refusals
since the last report go to Central as ONE signed :class:`~ev_common.contract.GatewayReport`
(the top :data:`~ev_common.gateway_reports.MAX_ENTRIES` by count, the rest only counted), so a
scanner trying thousands of ids costs Central one small message per interval, whatever its
rate. Memory is bounded too: at most :data:`MAX_KEYS` distinct (id, address, reason) per
interval and kind, the rest counted as ``others``.
"""
from __future__ import annotations

from collections import Counter

from ev_common import contract as c
from ev_common import gateway_reports as gr
from ev_common.gateway_reports import GatewayCredentials

MAX_KEYS = 1000


class RefusalReporter:
    def __init__(self, creds: GatewayCredentials) -> None:
        self.creds = creds
        self.pending: Counter[tuple[str, str, str]] = Counter()
        self.others = 0
        self._bad_keys, self._other_keys = [0], [0]   # distinct keys held per kind
        self.last_seq = 0
        self.reports = 0

    def note(self, cp_id: str | None, peer: str, why: str) -> None:
        """Count one refusal. ``bad_key`` (an id of ours with a wrong key: a misconfigured or
        stolen charger) has its own room, so a scanner filling the table with made-up ids
        cannot hide it among ``others``."""
        key = ((cp_id or "?")[:64], peer[:64], why)
        room = self._bad_keys if why == "bad_key" else self._other_keys
        if key in self.pending or room[0] < MAX_KEYS:
            if key not in self.pending:
                room[0] += 1
            self.pending[key] += 1
        else:
            self.others += 1

    def report(self, now: float) -> c.GatewayReport | None:
        """The signed report of what was refused since the last one; None when nothing was."""
        if not self.pending and not self.others:
            return None
        # wrong keys for our ids first, then the most frequent
        top = sorted(self.pending.items(), key=lambda kv: (kv[0][2] != "bad_key", -kv[1]))[:gr.MAX_ENTRIES]
        others = self.others + sum(self.pending.values()) - sum(n for _, n in top)
        # seq grows across restarts too: milliseconds of the wall clock, at least last + 1
        self.last_seq = max(self.last_seq + 1, int(now * 1000))
        body = c.GatewayReport(gateway=self.creds.gateway, seq=self.last_seq, sent_at=now,
                               refused=[c.RefusedCharger(cp, peer, why, n) for (cp, peer, why), n in top],
                               others=others)
        self.pending.clear()
        self.others = 0
        self._bad_keys[0] = self._other_keys[0] = 0
        self.reports += 1
        return gr.sign(body, self.creds.key)
