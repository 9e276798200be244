"""Worker objects that live on their own QThread. They talk to the window only
through their signals and never touch a widget; ``run()`` catches everything."""

from __future__ import annotations

import threading

import torch
from PySide6.QtCore import QObject, Signal, Slot

from app.event_batching import Batcher
from app.tasks import describe_error
from lstm_core.hardware import kernel_threads
from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings, generate_tokens
from lstm_core.tokenizers import Tokenizer
from training.control import TrainingControl
from training.events import (
    CheckpointEvent,
    Event,
    FinishedEvent,
    SampleEvent,
    StepEvent,
    ValidationEvent,
    WarningEvent,
)
from training.run import RunSpec, run_training

GENERATION_BATCH_S = 0.03  # streamed text reaches the editor ~30 times a second


class TrainingWorker(QObject):
    steps = Signal(list)  # list[StepEvent], batched to ~10 deliveries per second
    validation = Signal(object)  # ValidationEvent
    sample = Signal(object)  # SampleEvent
    checkpoint = Signal(object)  # CheckpointEvent
    warning = Signal(object)  # WarningEvent
    model_finished = Signal(object)  # FinishedEvent, one per model
    finished = Signal(list)  # list[FinishedEvent]: the whole run ended (completed or cancelled)
    failed = Signal(str)  # a readable message: the run could not go on
    ended = Signal()  # no payload: run() returned, either way (the thread may quit)

    def __init__(self, spec: RunSpec, control: TrainingControl, *, threads: int | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.control = control
        self.threads = threads
        self._steps: Batcher[StepEvent] = Batcher()

    def _on_event(self, event: Event) -> None:
        # Runs on the worker thread: only signals leave it.
        if isinstance(event, StepEvent):
            batch = self._steps.add(event)
            if batch:
                self.steps.emit(batch)
            return
        self._flush_steps()  # keep the order: steps before the validation that follows them
        if isinstance(event, ValidationEvent):
            self.validation.emit(event)
        elif isinstance(event, SampleEvent):
            self.sample.emit(event)
        elif isinstance(event, CheckpointEvent):
            self.checkpoint.emit(event)
        elif isinstance(event, WarningEvent):
            self.warning.emit(event)
        elif isinstance(event, FinishedEvent):
            self.model_finished.emit(event)

    def _flush_steps(self) -> None:
        batch = self._steps.flush()
        if batch:
            self.steps.emit(batch)

    @Slot()
    def run(self) -> None:
        try:
            if self.threads:
                torch.set_num_threads(self.threads)
            results = run_training(self.spec, on_event=self._on_event, control=self.control)
            self._flush_steps()
            self.finished.emit(results)
        except Exception as err:  # a failure must reach the window, not die with the thread
            self.failed.emit(describe_error(err))
        finally:
            self.ended.emit()


class GenerationWorker(QObject):
    tokens = Signal(list)  # list[tuple[str, float]]: (text, surprisal in nats), batched ~30 per second
    finished = Signal(str)  # the whole generated text (also when stopped early)
    failed = Signal(str)  # a readable message
    ended = Signal()  # no payload: run() returned, either way

    def __init__(
        self,
        model: LanguageModel,
        tokenizer: Tokenizer,
        prompt: str,
        settings: SamplingSettings,
        stop: threading.Event,
        threads: int | None = None,
    ) -> None:
        super().__init__()
        self.model, self.tokenizer, self.prompt, self.settings = model, tokenizer, prompt, settings
        self.stop = stop
        # Kernel threads for this generation (its share when another model generates
        # alongside), and the count to leave behind; read here, on the starting thread.
        self.threads = threads
        self.restore_threads = torch.get_num_threads()

    @Slot()
    def run(self) -> None:
        pieces: list[str] = []
        batcher: Batcher[tuple[str, float]] = Batcher(GENERATION_BATCH_S)
        threads = self.threads or self.restore_threads
        try:
            with kernel_threads(threads, restore=self.restore_threads):
                for token in generate_tokens(self.model, self.tokenizer, self.prompt, self.settings):
                    if self.stop.is_set():
                        break
                    pieces.append(token.text)
                    batch = batcher.add((token.text, token.surprisal))
                    if batch:
                        self.tokens.emit(batch)
            rest = batcher.flush()
            if rest:
                self.tokens.emit(rest)
            self.finished.emit("".join(pieces))
        except Exception as err:  # reported, never silent
            self.failed.emit(describe_error(err))
        finally:
            self.ended.emit()
