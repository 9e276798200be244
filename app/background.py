"""The one way the window runs work off the GUI thread.

Anki's ``run_in_background`` on Qt's worker-object pattern::

    background.run(work, on_done=..., on_error=..., on_event=..., on_stop=...)

``work(report)`` runs on a fresh QThread. Whatever it passes to ``report``
(an engine event, a batch of tokens) reaches ``on_event`` on the GUI thread, as
does its return value (``on_done``) or the short message of its exception
(``on_error``). The exception itself, with its traceback, goes to the log file
(``app.error_log``), so no failure dies silently in a thread. ``shutdown()``
is the explicit end the window's closeEvent calls: ``on_stop`` (set the stop
flag), quit, wait. Nobody touches a widget from a worker: only signals leave it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)

Report = Callable[[object], None]  # called on the worker thread; the object arrives on the GUI thread
Work = Callable[[Report], Any]

_QUEUED = Qt.ConnectionType.QueuedConnection  # worker thread -> the GUI thread that owns the Job


def describe_error(err: BaseException) -> str:
    """ValueErrors from the engine already read as sentences; others get their type."""
    if isinstance(err, ValueError) and str(err):
        return str(err)
    return f"{type(err).__name__}: {err}"


def is_expected(err: BaseException) -> bool:
    """Whether ``err`` is the engine telling the person about their input (an empty or binary
    file, a damaged checkpoint, an option out of range): the engine's own ValueErrors, which
    read as sentences. Anything else is a bug, and its traceback goes to the log."""
    module = type(err).__module__
    return isinstance(err, ValueError) and module.startswith(("training.", "lstm_core."))


def _ignore(_value: object) -> None:
    """The callback of a job that has ended: late deliveries go nowhere."""


def _ended_work(_report: Report) -> None:
    raise RuntimeError("this job has ended")


class _Worker(QObject):
    """Lives on the job's thread. run() catches everything and reports through signals only."""

    reported = Signal(object)  # whatever the work reported (an engine event, a batch of tokens)
    done = Signal(object)  # the work's return value
    failed = Signal(str)  # a short readable message; the traceback went to the log
    ended = Signal()  # no payload: run() returned either way, the thread may quit

    def __init__(self, work: Work, name: str) -> None:
        super().__init__()
        self.work, self.name = work, name

    @Slot()
    def run(self) -> None:
        try:
            result = self.work(self.reported.emit)
        except Exception as err:  # every failure reaches the person and the log, never silence
            if is_expected(err):  # bad input the person can fix: a line, not a bug report
                log.warning("background job %r: %s", self.name, describe_error(err))
            else:
                log.exception("background job %r failed", self.name)
            self.failed.emit(describe_error(err))
        else:
            self.done.emit(result)
        finally:
            self.ended.emit()


class Job(QObject):
    """One run of work on its own QThread. It lives on the GUI thread, where its callbacks run."""

    ended = Signal(object)  # this Job: its thread has finished and every callback has run

    def __init__(
        self,
        work: Work,
        *,
        name: str,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_event: Callable[[Any], None] | None,
        on_stop: Callable[[], None] | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self._on_done, self._on_error, self._on_event, self._on_stop = on_done, on_error, on_event, on_stop
        self._ended = False
        self.worker_thread = QThread(self)
        self.worker_thread.setObjectName(name)
        self._worker = _Worker(work, name)
        self._worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self._worker.run)
        self._worker.reported.connect(self._deliver_event, _QUEUED)
        self._worker.done.connect(self._deliver_done, _QUEUED)
        self._worker.failed.connect(self._deliver_error, _QUEUED)
        # QThread.quit is thread-safe: the thread ends as soon as run() returns, busy GUI or not.
        self._worker.ended.connect(self.worker_thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker_thread.finished.connect(self._thread_finished, _QUEUED)

    def start(self) -> None:
        self.worker_thread.start()

    @property
    def running(self) -> bool:
        return not self._ended

    def stop(self) -> None:
        """Ask the work to end at its next chance (its stop flag); returns at once."""
        if self._on_stop is not None and not self._ended:
            self._on_stop()

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop, quit and wait. True when the thread ended within the wait."""
        if self._ended:
            return True
        self.stop()
        self.worker_thread.quit()
        ended = bool(self.worker_thread.wait(timeout_ms))
        if ended:  # else it still runs: deleting it now would crash; its finished signal tidies up
            self._thread_finished()
        return ended

    @Slot(object)
    def _deliver_event(self, event: object) -> None:
        if self._on_event is not None:
            self._on_event(event)

    @Slot(object)
    def _deliver_done(self, result: object) -> None:
        self._on_done(result)

    @Slot(str)
    def _deliver_error(self, message: str) -> None:
        self._on_error(message)

    @Slot()
    def _thread_finished(self) -> None:
        """Only once the thread has ended: from its finished signal, or after a wait that returned."""
        if self._ended:
            return
        self._ended = True
        # Let go of the callbacks now: they hold their panel, and a panel released from inside
        # this Job's own deferred deletion would delete the Job a second time.
        self._on_done = self._on_error = _ignore
        self._on_event = self._on_stop = None
        self._worker.work = _ended_work
        self._worker.deleteLater()
        self.worker_thread.deleteLater()
        self.ended.emit(self)


class Background(QObject):
    """Owns the jobs one part of the window starts, and ends them all on shutdown."""

    idle = Signal()  # no payload: the last running job has ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[Job] = []  # started and not yet ended, oldest first

    @property
    def pending(self) -> int:
        return len(self.jobs)

    @property
    def running(self) -> bool:
        return bool(self.jobs)

    def run(
        self,
        work: Work,
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_event: Callable[[Any], None] | None = None,
        on_stop: Callable[[], None] | None = None,
        name: str = "background",
    ) -> Job:
        """Start ``work(report)`` on its own thread; every callback runs on the GUI thread."""
        job = Job(
            work,
            name=name,
            on_done=on_done,
            on_error=on_error,
            on_event=on_event,
            on_stop=on_stop,
            parent=self,
        )
        # A bound method, not a lambda holding self: a closure on a child's signal keeps this
        # object alive until the child is deleted, and then deletes it from inside that deletion.
        job.ended.connect(self._forget)
        self.jobs.append(job)
        job.start()
        return job

    def stop(self) -> None:
        """Ask every running job to end; returns at once."""
        for job in list(self.jobs):
            job.stop()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop, quit and wait for every job: called from the window's closeEvent.

        True when all have ended; a job still running after its wait is kept (and
        tidied up when its thread ends), never deleted under a running thread.
        """
        return all([job.shutdown(timeout_ms) for job in list(self.jobs)])

    @Slot(object)
    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
            job.deleteLater()
            if not self.jobs:
                self.idle.emit()
