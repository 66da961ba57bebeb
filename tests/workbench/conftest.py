"""Workbench tests reuse Central's in-process fixture (real broker, real Central, real SQLite)
and the desktop's qasync loop."""
from tests.central.conftest import central  # noqa: F401
from tests.desktop.conftest import _session_qloop, qloop  # noqa: F401
