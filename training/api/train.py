"""``train``: text files in, a run folder out, as ``lstm-studio train`` does it.

Progress goes out through ``on_event`` (the frozen dataclasses of ``training.common.events``)
and a stop comes in through ``control`` (``TrainingControl``): the engine never prints. Ctrl+C
on the main thread stops the run the way the CLI's does: the step finishes, the run is saved.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstm_core.options import OptionError
from lstm_core.tokenizers import LEVELS
from training.api.model import Model, Paths, load, path_list
from training.checkpoints.checkpoint import has_checkpoint
from training.common.control import TrainingControl
from training.common.events import EventCallback, FinishedEvent, ignore_events
from training.data.documents import STREAM
from training.data.ingest import IngestCancelled
from training.presets.presets import DEFAULT_PRESET
from training.run import prepare_run
from training.run_spec import RunSpec, resume_spec


@dataclass(frozen=True)
class TrainedRun:
    """What ``train`` did: one ``FinishedEvent`` per model, the main model first (then its
    vanilla RNN with ``compare_rnn``). None when a stop came while the corpus was read."""

    out: Path  # the run folder
    results: tuple[FinishedEvent, ...]

    @property
    def finished(self) -> FinishedEvent:
        """The main model's ending: reason, steps, validation loss, bits per character."""
        if not self.results:
            raise ValueError(f"{self.out}: the run was stopped while reading its corpus; nothing was trained")
        return self.results[0]

    @property
    def saved(self) -> bool:
        return bool(self.results) and all(r.saved for r in self.results)

    def load(self) -> Model:
        """The trained main model, as ``load(out)`` opens it."""
        return load(self.out)


def train(
    paths: Paths = (),
    *,
    out: str | Path,
    preset: str | None = None,
    level: str | None = None,
    minutes: float | None = None,
    steps: int | None = None,
    model_options: Mapping[str, Any] | None = None,
    train_options: Mapping[str, Any] | None = None,
    documents: str | None = None,
    compare_rnn: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    on_event: EventCallback = ignore_events,
    control: TrainingControl | None = None,
) -> TrainedRun:
    """Train a model on the text of ``paths`` (files or folders) into the run folder ``out``.

    Everything left out takes the preset's value: ``preset`` (default "quick") and the token
    ``level`` (default "char"); the budget is ``minutes`` or ``steps``; ``model_options`` are
    ModelConfig fields (``hidden``, ``layers``, ``embed``, ``cell``, ``dropout``) and
    ``train_options`` TrainConfig ones (``batch_size``, ``seq_len``, ``lr``, ``device``,
    ``seed``, ...): an unknown name is an error that names it. ``resume`` goes on with the run
    saved in ``out`` (its model, level and corpus; ``paths`` may name its corpus moved
    elsewhere, and is otherwise left out); without it a fresh run into a folder holding one is
    refused unless ``overwrite``.

    Raises ValueError (CorpusError, OptionError, CheckpointError, ...) for input to fix.
    """
    options = dict(train_options or {})
    for name, value in (("minutes", minutes), ("steps", steps)):
        if value is not None:
            if name in options:
                raise OptionError(f"{name} is given twice: as {name}= and in train_options")
            options[name] = value
    if "minutes" in options and "steps" in options:
        raise OptionError("give the budget as minutes or as steps, not both")
    files = tuple(path_list(paths)) if paths else ()
    if resume and has_checkpoint(out):
        spec = resume_spec(
            out,
            paths=files,
            level=level,
            preset=preset,
            model_options=model_options,
            train_options=options,
            documents=documents,
            compare_rnn=compare_rnn,
        )
    else:
        if not files:
            raise OptionError("give the corpus: one or more files or folders")
        spec = RunSpec(
            paths=files,
            out_dir=Path(out),
            preset=preset or DEFAULT_PRESET,
            level=level or LEVELS[0],
            model_options=dict(model_options or {}),
            train_options=options,
            compare_rnn=compare_rnn,
            resume=resume,
            documents=documents or STREAM,
            overwrite=overwrite,
        )
    control = control or TrainingControl()
    with _ctrl_c_stops(control):
        try:
            prepared = prepare_run(spec, on_event, control)
        except IngestCancelled:
            return TrainedRun(Path(out), ())
        return TrainedRun(Path(out), tuple(prepared.train(control)))


@contextmanager
def _ctrl_c_stops(control: TrainingControl) -> Iterator[None]:
    """While training on the main thread, the first Ctrl+C cancels ``control`` (the step
    finishes and the run is saved, as with the CLI) and a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler; Ctrl+C is its to hear anyway
        return

    def on_signal(signum: int, frame: object) -> None:
        if control.cancelled:
            raise KeyboardInterrupt
        control.cancel()

    previous = signal.signal(signal.SIGINT, on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
