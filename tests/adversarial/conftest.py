"""Fixtures of the adversarial tests: Central in-process on the shared broker (reused as-is)."""
from tests.central.conftest import central  # noqa: F401 - the fixture, re-exported
