"""Desktop fixtures: one qasync loop for the session, running inside pytest-qt's event processing.

``QEventLoop(already_running=True)`` lets asyncio tasks (DriverCore, QtDriverSession) make
progress whenever Qt processes events, i.e. inside ``qtbot.waitUntil``/``waitSignal``.
One loop for the whole session, as in the real app: a loop per test would leave old loops
(and their QObjects) to Python's garbage collector, which may run on any thread — deleting a
QObject off the Qt thread while an event is queued for it crashes Qt.
"""
from __future__ import annotations

import asyncio

import pytest


@pytest.fixture(scope="session")
def _session_qloop(qapp):
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    yield loop
    qapp.processEvents()
    # mark the loop not running without loop.stop() (whose app.exit() would make later
    # QEventLoops in this process return at once); close() joins the default executor's
    # QThreads — left running they abort the process at exit
    loop._QEventLoop__is_running = False
    asyncio.events._set_running_loop(None)
    loop.close()


@pytest.fixture
def qloop(_session_qloop, qapp):
    loop = _session_qloop
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    yield loop
    for _ in range(5):
        qapp.processEvents()
    for task in asyncio.all_tasks(loop):
        task.cancel()
    qapp.processEvents()
    # leave no "running" loop behind: later (non-Qt) tests call asyncio.run()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
