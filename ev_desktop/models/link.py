"""The app's merged Kafka link state, as plain data (no widgets).

:class:`LinkSummary` is what the status bar's Kafka indicator and the stale-data banners show; the
Kafka glue (``kafka/qt_bridge.py``) builds it. It lives in models so the glue never imports views.
"""
from __future__ import annotations

from dataclasses import dataclass


def link_state_name(state: object) -> str:
    """LinkState enum member / string → 'connected' | 'degraded' | 'offline'."""
    value = getattr(state, "value", state)
    text = str(value).lower()
    for name in ("connected", "degraded", "offline"):
        if name in text:
            return name
    return "unknown"


@dataclass(frozen=True)
class LinkSummary:
    """What the Kafka indicator shows, merged from every producer/consumer of the app."""

    state: str            # connected | degraded | offline | unknown
    bootstrap: str
    queued: int
    last_error: str | None = None
    #: False = plain text (--kafka-plaintext): shown as "sin cifrar"; see ev_common.kafka.security
    encrypted: bool = True
    principal: str | None = None     # who this app is authenticated as on Kafka
    #: a cluster with brokers missing (ev_common.kafka.cluster_health): 0 of 0 = not known
    brokers_missing: int = 0
    brokers_known: int = 0
    #: the producers'/consumers' own merged state ("" = same as *state*): a cluster missing a
    #: broker is "degraded" in the status bar while the data keeps arriving (not stale)
    clients_state: str = ""

    @property
    def cluster_degraded(self) -> bool:
        return self.brokers_missing > 0

    @property
    def data_state(self) -> str:
        """What the data panels go by: the clients' link, not the cluster's spare copies."""
        return self.clients_state or self.state
