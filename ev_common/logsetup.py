"""One logging set-up for every process: one line per event, component first.

kafka-python logs every reconnect attempt at INFO, every refused connection at ERROR (several
per second while a broker is down) and a full traceback whenever a broker resets a socket. Our
own lines already say, in plain words, when Kafka is unreachable and why (producer/consumer
status, the status bar, the diagnostics), so the client's loggers are quiet by default
(CRITICAL) and any traceback they log is folded into one line. ``EV_KAFKA_CLIENT_LOG=ERROR`` or
``=DEBUG`` brings the client's own output back for support.
"""
from __future__ import annotations

import logging
import os
import sys


class _FoldClientTracebacks(logging.Filter):
    """Keep kafka-python's error lines, drop their tracebacks (a reset socket is not a bug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("kafka") and record.exc_info:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def setup_logging(component: str, level: str = "INFO", stream=None) -> None:
    fmt = f"%(asctime)s %(levelname)-7s {component} %(name)s: %(message)s"
    logging.basicConfig(level=getattr(logging, str(level).upper(), logging.INFO), format=fmt,
                        stream=stream or sys.stderr, force=True)
    client_level = os.environ.get("EV_KAFKA_CLIENT_LOG", "CRITICAL").upper()
    if client_level != "DEBUG":
        for handler in logging.getLogger().handlers:
            handler.addFilter(_FoldClientTracebacks())
    logging.getLogger("kafka").setLevel(getattr(logging, client_level, logging.CRITICAL))
    for name in ("kafka.conn", "kafka.client", "kafka.producer", "kafka.consumer",
                 "kafka.coordinator", "kafka.admin", "kafka.net", "kafka.cluster"):
        logging.getLogger(name).setLevel(logging.NOTSET)  # inherit from "kafka"
