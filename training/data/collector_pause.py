"""Python's cyclic garbage collector held still while a corpus is read.

A folder of 50,000 files makes a few objects per file (its stat, its path, its scan): a few
hundred thousand in all, none of them in a reference cycle. Every 700 allocations start a
collection, and the full ones walk every object in the process, torch's included: 0.6 s of
a warm start's 1.4 s on that folder went there. Paused, the collector frees nothing it would
have freed (reference counting frees everything that is not a cycle, and the readers make
no cycles per chunk), and it runs again as usual once the reading ends.

The pause is for the whole process: the window's thread goes without it too while a corpus
is read, and two readings at once end it when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many readings hold the collector still, and whether it ran before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held = 0
        self.was_enabled = False


_PAUSES = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    with _PAUSES.lock:
        if _PAUSES.held == 0:
            _PAUSES.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSES.held += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.held -= 1
            if _PAUSES.held == 0 and _PAUSES.was_enabled:
                gc.enable()
