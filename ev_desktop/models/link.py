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
