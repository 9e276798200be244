"""Short background jobs (reading a corpus, scoring candidates) with results on the GUI thread.

Anki's pattern: call ``run(fn, on_done=..., on_error=...)``; fn runs on a pool
thread, the callbacks run on the GUI thread. The relay is this QObject, which
lives on the GUI thread, so its queued slots are where callbacks execute.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


def describe_error(err: BaseException) -> str:
    """ValueErrors from the engine already read as sentences; others get their type."""
    if isinstance(err, ValueError) and str(err):
        return str(err)
    return f"{type(err).__name__}: {err}"


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, job_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.runner, self.job_id, self.fn = runner, job_id, fn

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as err:  # every failure reaches the GUI as a message
            self.runner._failed.emit(self.job_id, describe_error(err))
        else:
            self.runner._done.emit(self.job_id, result)


class TaskRunner(QObject):
    _done = Signal(int, object)  # (job id, the function's return value)
    _failed = Signal(int, str)  # (job id, readable error)
    idle = Signal()  # no payload: the last pending job has delivered

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._done.connect(self._deliver)
        self._failed.connect(self._fail)

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> int:
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._pool.start(_Job(self, job_id, fn))
        return job_id

    @Slot(int, object)
    def _deliver(self, job_id: int, result: object) -> None:
        on_done, _ = self._callbacks.pop(job_id)
        try:
            on_done(result)
        finally:
            self._maybe_idle()

    @Slot(int, str)
    def _fail(self, job_id: int, message: str) -> None:
        _, on_error = self._callbacks.pop(job_id)
        try:
            on_error(message)
        finally:
            self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._callbacks:
            self.idle.emit()

    def shutdown(self) -> None:
        """Let running jobs end; their results are dropped once the window is gone."""
        self._pool.clear()
        self._pool.waitForDone()
