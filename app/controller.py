"""Owners of the background threads. Each starts a worker on a fresh QThread,
re-emits its signals on the GUI thread and shuts it down explicitly."""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.workers import GenerationWorker, TrainingWorker
from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings
from lstm_core.tokenizers import Tokenizer
from training.control import TrainingControl
from training.run import RunSpec


def training_threads() -> int:
    # Leave one core to the GUI thread so the window stays responsive during training.
    return max(1, (os.cpu_count() or 2) - 1)


class _ThreadOwner(QObject):
    """One worker on one QThread at a time, and the explicit shutdown both owners share."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: QObject | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _launch(self, name: str, worker: QObject) -> None:
        self._thread = QThread(self)
        self._thread.setObjectName(name)
        self._worker = worker
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker.run)
        worker.ended.connect(self._thread.quit)
        self._thread.finished.connect(self._on_thread_finished)

    def _ask_to_stop(self) -> None:
        """Tell the worker to end at its next step."""
        raise NotImplementedError

    def _forget(self) -> None:
        """Drop per-run state once the thread has ended."""

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop, quit and wait: called from the window's closeEvent. True when the thread ended."""
        thread = self._thread
        if thread is None:
            return True
        self._ask_to_stop()
        thread.quit()
        ended = bool(thread.wait(timeout_ms))
        if ended:  # else it still runs: deleting it now would crash; its finished signal tidies up
            self._on_thread_finished()
        return ended

    @Slot()
    def _on_thread_finished(self) -> None:
        """Only once the thread has ended: from its finished signal, or after a wait that returned."""
        if self._thread is None:
            return
        self._worker.deleteLater()
        self._thread.deleteLater()
        self._thread = self._worker = None
        self._forget()


class TrainingController(_ThreadOwner):
    steps = Signal(list)  # list[StepEvent], ~10 batches per second
    validation = Signal(object)  # ValidationEvent
    sample = Signal(object)  # SampleEvent
    checkpoint = Signal(object)  # CheckpointEvent
    warning = Signal(object)  # WarningEvent
    model_finished = Signal(object)  # FinishedEvent
    finished = Signal(list)  # list[FinishedEvent]
    failed = Signal(str)  # readable message
    state_changed = Signal(str)  # "idle", "running", "paused" or "stopping"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._control: TrainingControl | None = None
        self.spec: RunSpec | None = None
        self.state = "idle"

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def start(self, spec: RunSpec) -> None:
        if self.running:
            raise RuntimeError("a training run is already going")
        self.spec = spec
        self._control = TrainingControl()
        w = TrainingWorker(spec, self._control, threads=training_threads())
        for name in ("steps", "validation", "sample", "checkpoint", "warning", "model_finished"):
            getattr(w, name).connect(getattr(self, name))
        w.finished.connect(self.finished)
        w.failed.connect(self.failed)
        self._launch("training", w)
        self._thread.start()
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

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        # A cancelled run still evaluates and saves once: give it a minute.
        return super().shutdown(timeout_ms)

    def _ask_to_stop(self) -> None:
        if self._control:
            self._control.cancel()

    def _forget(self) -> None:
        self._control = None
        self._set_state("idle")


class GenerationRunner(_ThreadOwner):
    """One streaming generation at a time, on its own thread."""

    tokens = Signal(list)  # list[tuple[str, float]]: (text, surprisal nats)
    finished = Signal(str)  # the whole generated text
    failed = Signal(str)  # readable message
    running_changed = Signal(bool)  # True when a generation starts, False when its thread ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()

    def start(
        self,
        model: LanguageModel,
        tokenizer: Tokenizer,
        prompt: str,
        settings: SamplingSettings,
        *,
        threads: int | None = None,  # kernel threads; None: the process's count
    ) -> None:
        if self.running:
            raise RuntimeError("a generation is already going")
        self._stop = threading.Event()
        worker = GenerationWorker(model, tokenizer, prompt, settings, self._stop, threads)
        worker.tokens.connect(self.tokens)
        worker.finished.connect(self.finished)
        worker.failed.connect(self.failed)
        self._launch("generation", worker)
        self._thread.start()
        self.running_changed.emit(True)

    def stop(self) -> None:
        self._stop.set()

    def _ask_to_stop(self) -> None:
        self._stop.set()

    def _forget(self) -> None:
        self.running_changed.emit(False)
