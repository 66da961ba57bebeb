"""One logging set-up for every process: one line per event, component first.

kafka-python logs every reconnect attempt at INFO; that noise would hide our own lines
(which already say when Kafka is unreachable), so its loggers are raised to WARNING unless
``EV_KAFKA_CLIENT_LOG`` asks otherwise.
"""
from __future__ import annotations

import logging
import os
import sys


def setup_logging(component: str, level: str = "INFO", stream=None) -> None:
    fmt = f"%(asctime)s %(levelname)-7s {component} %(name)s: %(message)s"
    logging.basicConfig(level=getattr(logging, str(level).upper(), logging.INFO), format=fmt,
                        stream=stream or sys.stderr, force=True)
    client_level = os.environ.get("EV_KAFKA_CLIENT_LOG", "ERROR").upper()
    for name in ("kafka", "kafka.conn", "kafka.client", "kafka.producer", "kafka.consumer",
                 "kafka.coordinator", "kafka.admin", "kafka.net", "kafka.cluster"):
        logging.getLogger(name).setLevel(getattr(logging, client_level, logging.ERROR))
