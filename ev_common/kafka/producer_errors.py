"""What the parts of :class:`~ev_common.kafka.producer.ReliableProducer` raise and classify.

Kept apart so that each part of the producer (the worker, the delivery window, the
send-while-fsync path) imports only this, not each other."""
from __future__ import annotations

from kafka import errors as kerr

from ev_common.kafka.status import LinkState

__all__ = ["PERMANENT", "ProducerClosed", "LinkFailure", "Stopped", "describe_error", "link_trouble"]

# Errors after which resending the same row can never succeed: the row is quarantined.
PERMANENT = (kerr.MessageSizeTooLargeError, kerr.RecordListTooLargeError, kerr.InvalidTopicError,
             kerr.InvalidRecordError, kerr.CorruptRecordError)


class ProducerClosed(RuntimeError):
    """``send()`` after ``close()``."""


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def link_trouble(exc: BaseException) -> bool:
    """True for the failures a Kafka link simply has — the client's own errors, a broker that
    vanished (reset, refused, timed out, TLS torn down: ``OSError`` and its kin) — which the
    log names in one line; anything else is a bug and is logged with its traceback. A broker
    killed in the middle of a request surfaces as a bare ``ConnectionResetError`` from
    kafka-python 3.0's offset look-ups, not as a ``KafkaError``."""
    return isinstance(exc, (kerr.KafkaError, OSError, LinkFailure))


class LinkFailure(Exception):
    """The client could not be built: the status to show and why."""

    def __init__(self, state: LinkState, text: str) -> None:
        super().__init__(text)
        self.state = state
        self.text = text


class Stopped(Exception):
    """``close()`` was called while the worker waited for an acknowledgement."""
