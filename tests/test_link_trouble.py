"""What the Kafka clients' retry loops log in one line (a link's ordinary trouble) and what
with a traceback (a bug): a broker killed mid-request reaches the consumer as a bare
``ConnectionResetError`` from kafka-python 3.0's offset look-up — found by the broker-kill
e2e test, whose "no tracebacks in any log" check it failed."""
from __future__ import annotations

import ssl

from kafka import errors as kerr

from ev_common.kafka.producer_errors import LinkFailure, link_trouble
from ev_common.kafka.status import LinkState


def test_a_vanished_broker_is_link_trouble() -> None:
    for exc in (ConnectionResetError(104, "Connection reset by peer"), ConnectionRefusedError(),
                TimeoutError(), OSError(107, "Transport endpoint is not connected"),
                ssl.SSLEOFError(), kerr.KafkaConnectionError("gone"), kerr.NodeNotReadyError(),
                LinkFailure(LinkState.OFFLINE, "unreachable")):
        assert link_trouble(exc), exc


def test_a_bug_is_not_link_trouble() -> None:
    for exc in (ValueError("bad"), KeyError("k"), AttributeError("a"), TypeError("t"), RuntimeError("r")):
        assert not link_trouble(exc), exc
