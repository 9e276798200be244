"""Streaming generation in the background: one model, or the LSTM and the RNN side by side.

Both run through the one background helper (``app.background``). The pair runs
``lstm_core.pair.generate_pair``, the engine function the generation benchmark
measures, so the window's contrast costs what the benchmark says it does.
Tokens reach the GUI thread in small batches, ~30 deliveries a second.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from PySide6.QtCore import QObject, Signal

from app.background import Background, Job, Report
from app.event_batching import Batcher
from lstm_core.hardware import kernel_threads
from lstm_core.model import LanguageModel
from lstm_core.pair import generate_pair
from lstm_core.pair_worker import shared_worker
from lstm_core.sampling import SamplingSettings, generate_tokens
from lstm_core.tokenizers import Tokenizer

GENERATION_BATCH_S = 0.03  # streamed text reaches the editor ~30 times a second


@dataclass(frozen=True)
class TokenBatch:
    """Tokens one model produced since the last delivery."""

    index: int  # which model: 0 (the first, or the only one) or 1
    tokens: list[tuple[str, float]]  # (text, surprisal in nats)


def stream_tokens(
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    stop: threading.Event,
    report: Report,
    *,
    threads: int,
    restore_threads: int,
) -> str:
    """Runs on the worker thread: report TokenBatch(0, ...) until done or stopped; returns the text."""
    pieces: list[str] = []
    batcher: Batcher[tuple[str, float]] = Batcher(GENERATION_BATCH_S)
    with kernel_threads(threads, restore=restore_threads):
        for token in generate_tokens(model, tokenizer, prompt, settings):
            if stop.is_set():
                break
            pieces.append(token.text)
            batch = batcher.add((token.text, token.surprisal))
            if batch:
                report(TokenBatch(0, batch))
    rest = batcher.flush()
    if rest:
        report(TokenBatch(0, rest))
    return "".join(pieces)


def stream_side_by_side(
    models: Sequence[tuple[LanguageModel, Tokenizer]],
    prompt: str,
    settings: SamplingSettings,
    stop: threading.Event,
    report: Report,
) -> list[str]:
    """Runs on the worker thread: two models at once through ``generate_pair``; returns each text.

    One model alone (no RNN trained yet) streams on every kernel thread.
    """
    if len(models) == 1:
        ((model, tokenizer),) = models
        threads = torch.get_num_threads()
        return [
            stream_tokens(
                model, tokenizer, prompt, settings, stop, report, threads=threads, restore_threads=threads
            )
        ]
    (first, first_tok), (second, second_tok) = models
    pieces: list[list[str]] = [[], []]
    batchers: list[Batcher[tuple[str, float]]] = [Batcher(GENERATION_BATCH_S), Batcher(GENERATION_BATCH_S)]
    # The RNN generates in the pair's worker process once it has started (the contrast
    # panel starts it when it gets an RNN); until then both run here, on threads.
    on_cpu = first.device.type == "cpu" and second.device.type == "cpu"
    worker = shared_worker() if on_cpu else None
    tokens = generate_pair(first, second, first_tok, second_tok, prompt, settings, worker=worker)
    try:
        for index, token in tokens:
            if stop.is_set():
                break
            pieces[index].append(token.text)
            batch = batchers[index].add((token.text, token.surprisal))
            if batch:
                report(TokenBatch(index, batch))
    finally:
        # lstm_core annotates generate_pair as an Iterator; it is a generator, and closing it
        # stops both model threads at their next token.
        tokens.close()  # type: ignore[attr-defined]
    for index, batcher in enumerate(batchers):
        rest = batcher.flush()
        if rest:
            report(TokenBatch(index, rest))
    return ["".join(p) for p in pieces]


class GenerationRunner(QObject):
    """One streaming generation at a time."""

    tokens = Signal(list)  # list[tuple[str, float]]: (text, surprisal nats)
    finished = Signal(str)  # the whole generated text (also when stopped early)
    failed = Signal(str)  # a short message (the traceback is in the log)
    running_changed = Signal(bool)  # True when a generation starts, False when its thread ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._background = Background(self)
        self._background.idle.connect(self._idle)
        self._stop = threading.Event()

    @property
    def running(self) -> bool:
        return self._background.running

    @property
    def job(self) -> Job | None:
        return self._background.jobs[0] if self._background.jobs else None

    @property
    def stop_requested(self) -> bool:
        """Whether Stop was asked of the generation under way, or of the last one: its text
        ends where it was stopped, not where its length or its document ended."""
        return self._stop.is_set()

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
        stop = self._stop = threading.Event()
        # Read here, on the starting thread: the count to leave behind when the generation ends.
        restore = torch.get_num_threads()
        self._background.run(
            lambda report: stream_tokens(
                model,
                tokenizer,
                prompt,
                settings,
                stop,
                report,
                threads=threads or restore,
                restore_threads=restore,
            ),
            on_done=self.finished.emit,
            on_error=self.failed.emit,
            on_event=lambda batch: self.tokens.emit(batch.tokens),
            on_stop=stop.set,
            name="generation",
        )
        self.running_changed.emit(True)

    def stop(self) -> None:
        self._stop.set()

    def _idle(self) -> None:
        self.running_changed.emit(False)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        return self._background.shutdown(timeout_ms)
