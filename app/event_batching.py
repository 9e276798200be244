"""Batching fast events into a few deliveries a second.

The trainer may take hundreds of steps a second on a tiny model; the window
needs about ten updates a second. Every step is kept (the curves want them
all), but they travel in batches: a ``StepBatch`` among the engine's other
events, and streamed tokens in lists.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from training.common.events import StepEvent

T = TypeVar("T")

DEFAULT_INTERVAL_S = 0.1  # ~10 deliveries per second


@dataclass(frozen=True)
class StepBatch:
    """The step events since the last delivery, oldest first (never empty)."""

    events: tuple[StepEvent, ...]


class Batcher(Generic[T]):
    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.interval_s = interval_s
        self._clock = clock
        self._items: list[T] = []
        self._last = -float("inf")

    def add(self, item: T) -> list[T] | None:
        """Keep item; return the batch when it is time to deliver, else None."""
        self._items.append(item)
        now = self._clock()
        if now - self._last < self.interval_s:
            return None
        self._last = now
        return self.flush()

    def flush(self) -> list[T]:
        items, self._items = self._items, []
        return items
