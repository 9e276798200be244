"""How far the reading of a corpus has got, and the person's Stop: one type for every reader.

The readers call ``add`` with each chunk's bytes (it is what ``text_stream`` takes as
``on_bytes``) and ``check`` between smaller steps, so a Stop lands within one chunk.
Reports are thinned twice over: a run's stages (``ingest``) report at most every
``every_s`` seconds, with an ETA; the corpus panel's bar only when its per-mille moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Stopped = Callable[[], bool]  # True once the person has cancelled


class IngestCancelled(Exception):
    """The person stopped the reading of a corpus (a run's, or the corpus panel's)."""


class ReadProgress:
    """Bytes done of a known ``total`` in one pass over the files.

    ``report`` is given this object whenever there is something new to show: every
    ``every_s`` seconds when that is set, else each time ``per_mille`` changes. A set
    ``stopped`` flag makes ``add`` and ``check`` raise IngestCancelled."""

    def __init__(
        self,
        total: int,
        report: Callable[[ReadProgress], None] | None = None,
        *,
        stopped: Stopped | None = None,
        every_s: float | None = None,
    ) -> None:
        self.total, self.done = total, 0
        self.report, self.stopped, self.every_s = report, stopped, every_s
        self.started = self._last = time.perf_counter()
        self._shown = -1

    @property
    def per_mille(self) -> int:
        return min(1000, self.done * 1000 // max(1, self.total))

    def check(self) -> None:
        if self.stopped is not None and self.stopped():
            raise IngestCancelled("stopped while reading the corpus")

    def add(self, n_bytes: int) -> None:
        self.check()
        self.done += n_bytes
        if self.report is not None and self._due():
            self.report(self)

    def show(self) -> None:
        """Report now, whatever was shown last (a stage's start)."""
        if self.report is not None:
            self.report(self)

    def end(self) -> None:
        self.done = self.total
        self.show()

    def _due(self) -> bool:
        if self.every_s is not None:
            now = time.perf_counter()
            if now - self._last < self.every_s:
                return False
            self._last = now
            return True
        step = self.per_mille
        if step == self._shown:
            return False
        self._shown = step
        return True
