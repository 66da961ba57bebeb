"""Fixtures for the end-to-end suite: a :class:`System` that is always torn down."""
from __future__ import annotations

import pytest

from ev_common.kafka.admin import ensure_topics
from tests.e2e.harness import System
from tests.helpers import grant_prefix


@pytest.fixture
def system(tmp_path, request):
    """A system on the shared session broker (topics with a fresh prefix)."""
    kafka_broker = request.getfixturevalue("kafka_broker")
    s = System(tmp_path, bootstrap=kafka_broker)
    request.addfinalizer(s.close)
    ensure_topics(s.bootstrap, s.topics)
    grant_prefix(s.bootstrap, s.topics.prefix)  # its processes run as their role principals
    s.watch()
    return s


@pytest.fixture
def private_system(tmp_path, request):
    """A system whose broker the test owns (configured, not started): it may kill it."""
    s = System(tmp_path)
    request.addfinalizer(s.close)
    s.private_broker()
    return s
