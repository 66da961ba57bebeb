"""CpKeyring on a real SQLite database: the keys of all CPs are refreshed with one query per
refresh period (not one per CP), and a rotated or revoked key is seen after that period."""
from __future__ import annotations

from pathlib import Path

from central_service import db
from central_service.authenticity import CpKeyring
from central_service.store import Store
from tests.central.support import seed_db


class CountingStore(Store):
    def __init__(self) -> None:
        self.single = 0
        self.bulk = 0

    def cp_mac_key(self, cp_id):
        self.single += 1
        return super().cp_mac_key(cp_id)

    def cp_mac_keys(self):
        self.bulk += 1
        return super().cp_mac_keys()


def test_all_keys_are_refreshed_in_one_query_and_changes_seen_after_the_period(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    seed_db(url, cps=20)
    db.connect(url)
    try:
        now = [1000.0]
        store = CountingStore()
        ring = CpKeyring(store, refresh_s=5.0, clock=lambda: now[0])
        cps = [row.id for row in db.ChargePointRow.select()]
        assert len(cps) == 20
        keys = {cp: ring.signing_key(cp) for cp in cps}
        assert all(keys.values())
        now[0] += 4.9
        for cp in cps:                   # all fresh: no query at all
            ring.signing_key(cp)
        assert (store.bulk, store.single) == (1, 0)
        db.ChargePointRow.update(revoked=True).where(db.ChargePointRow.id == cps[0]).execute()
        assert ring.signing_key(cps[0]) == keys[cps[0]]  # cached until the period ends
        now[0] += 0.2
        assert ring.signing_key(cps[0]) is None          # revoked, seen by the next refresh
        for cp in cps[1:]:
            assert ring.signing_key(cp) == keys[cp]
        assert (store.bulk, store.single) == (2, 0)
        assert ring.entry("CP-UNKNOWN") is None          # unknown CPs: a single-row read
        assert store.single == 1
    finally:
        db.close()
