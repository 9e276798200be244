"""The training run in the background: start, pause, resume, stop, and its events on the GUI thread.

The run goes through the one background helper (``app.background``). What it
reports arrives as one signal carrying typed objects, the engine's own frozen
events, steps batched to ~10 deliveries a second; the panels dispatch them by type.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import torch
from PySide6.QtCore import QObject, Signal

from app.background import Background, Job, Report
from app.event_batching import Batcher, StepBatch
from training.common.control import TrainingControl
from training.common.events import Event, FinishedEvent, StepEvent
from training.run import run_training
from training.run_spec import RunSpec
from training.runtime.thread_priority import lower_this_thread

# "stopping": asked to end, the run's last evaluation and save still to come.
TrainingState = Literal["idle", "running", "paused", "stopping"]


def training_threads() -> int:
    # Leave one core to the GUI thread so the window stays responsive during training.
    return max(1, (os.cpu_count() or 2) - 1)


def train_in_background(
    spec: RunSpec, control: TrainingControl, report: Report, *, threads: int | None = None
) -> list[FinishedEvent]:
    """Runs on the worker thread: the run's events go to ``report``, steps in batches."""
    # Before the first kernel: the kernel threads this thread starts inherit its priority.
    lower_this_thread()
    if threads:
        torch.set_num_threads(threads)
    steps: Batcher[StepEvent] = Batcher()

    def flush() -> None:
        batch = steps.flush()
        if batch:
            report(StepBatch(tuple(batch)))

    def on_event(event: Event) -> None:
        if isinstance(event, StepEvent):
            batch = steps.add(event)
            if batch:
                report(StepBatch(tuple(batch)))
            return
        flush()  # keep the order: steps before the validation that follows them
        report(event)

    results = run_training(spec, on_event=on_event, control=control)
    flush()
    return results


class TrainingController(QObject):
    # A StepBatch, or one of the engine's ValidationEvent, SampleEvent, CheckpointEvent,
    # WarningEvent and FinishedEvent (one per model), in the order the run made them.
    # The name hides QObject.event() from Python only: Qt still dispatches events (timers,
    # deleteLater) to the C++ method, so the stubs' complaint is the one thing it costs.
    event = Signal(object)  # type: ignore[assignment]
    finished = Signal(list)  # list[FinishedEvent]: the whole run ended (completed or cancelled)
    failed = Signal(str)  # a short message: the run could not go on (the traceback is in the log)
    state_changed = Signal(str)  # the new TrainingState (a Qt signal carries it as a str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._background = Background(self)
        self.idle = self._background.idle  # no payload: the run's thread has ended, after finished
        self._background.idle.connect(self._ended)
        self._control: TrainingControl | None = None
        self.spec: RunSpec | None = None
        self.state: TrainingState = "idle"
        # The thread outlives the run's results by a moment (it saves, lets go of the run
        # folder, ends): from the first FinishedEvent on, nothing is being trained any more.
        self._results_arrived = False
        self.results: list[FinishedEvent] | None = None  # the last run's, once they arrived

    @property
    def running(self) -> bool:
        return self._background.running

    @property
    def training_now(self) -> bool:
        """A run is going and none of its models has finished yet (what quitting would stop)."""
        return self.running and not self._results_arrived

    def _deliver(self, event: object) -> None:
        if isinstance(event, FinishedEvent):
            self._results_arrived = True
        self.event.emit(event)

    def _done(self, results: list[FinishedEvent]) -> None:
        self._results_arrived = True
        self.results = results
        self.finished.emit(results)

    def _failed(self, message: str) -> None:
        self._results_arrived = True
        self.failed.emit(message)

    @property
    def job(self) -> Job | None:
        """The run's background job while its thread lives."""
        return self._background.jobs[0] if self._background.jobs else None

    def _set_state(self, state: TrainingState) -> None:
        self.state = state
        self.state_changed.emit(state)

    def start(self, spec: RunSpec) -> None:
        if self.running:
            raise RuntimeError("a training run is already going")
        self.spec = spec
        control = self._control = TrainingControl()
        self._results_arrived = False
        self.results = None
        threads = training_threads()
        self._background.run(
            lambda report: train_in_background(spec, control, report, threads=threads),
            on_done=self._done,
            on_error=self._failed,
            on_event=self._deliver,
            on_stop=control.cancel,
            name="training",
        )
        self._set_state("running")

    def pause(self) -> None:
        if self._control and self.state == "running":
            self._control.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self._control and self.state == "paused":
            self._control.resume()
            self._set_state("running")

    def stop(self) -> None:
        """Ask the run to end; it evaluates and saves once more, then finished arrives."""
        if self._control and self.running:
            self._control.cancel()
            self._set_state("stopping")

    def save_elsewhere(self, folder: Path) -> bool:
        """Move the running run's checkpoints to `folder` (saving there at once); False when
        no run is going."""
        if self._control is None or not self.running:
            return False
        self._control.save_elsewhere(folder)
        return True

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        # A cancelled run still evaluates and saves once: give it a minute.
        return self._background.shutdown(timeout_ms)

    def _ended(self) -> None:
        self._control = None
        self._set_state("idle")
