"""settle_heap (ev_common/heap.py): garbage goes, live start-up objects leave the full passes."""
from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from ev_common.heap import settle_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process must not keep a frozen heap: later tests rely on collections."""
    yield
    gc.unfreeze()


def test_garbage_cycles_present_when_settling_are_collected_not_frozen(unfrozen) -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # a cycle: reference counting alone never frees it
    gone = weakref.ref(a)
    del a, b
    settle_heap("test")
    assert gone() is None


def test_live_objects_are_left_out_of_later_collections(unfrozen) -> None:
    kept = [_Node() for _ in range(100)]
    frozen = settle_heap("test")
    assert frozen >= len(kept)
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(o) in tracked for o in kept)
    gc.unfreeze()
    tracked = {id(o) for o in gc.get_objects()}
    assert all(id(o) in tracked for o in kept)
