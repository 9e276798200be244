"""Loaded models as the window and its panels share them.

``LoadedModel`` is the one value every panel receives; ``ModelSlots`` holds the
main model (usually the LSTM) and the vanilla RNN it is contrasted with, and
tells panels when either changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.resources import is_inside_assets
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer
from training.checkpoints.checkpoint import RNN_SUBDIR, load_model, model_file, resolve_path
from training.checkpoints.run_meta import RunMeta


@dataclass
class LoadedModel:
    model: LanguageModel  # in eval mode, on the CPU
    tokenizer: Tokenizer
    meta: RunMeta  # what the checkpoint says about its run
    path: Path  # the checkpoint file

    @property
    def cell(self) -> str:
        return self.model.config.cell

    @property
    def val_loss(self) -> float | None:
        return self.meta.metrics.val_loss

    @property
    def bits_per_char(self) -> float | None:
        return self.meta.metrics.bits_per_char

    @property
    def is_demo(self) -> bool:
        return is_inside_assets(self.path)

    @property
    def run_name(self) -> str:
        """Which run this model came from, as the Runs tab names it."""
        return "the built-in demo" if self.is_demo else self.path.parent.name

    def short_label(self) -> str:
        cfg = self.model.config
        corpus_name = self.meta.corpus.name or self.path.parent.name
        return f"{cfg.cell.upper()} {cfg.layers}×{cfg.hidden} · {self.tokenizer.level} · {corpus_name}"

    def run_label(self) -> str:
        """The short label and the run: "LSTM 1×512 · char · tiny.txt · run tiny-0412"."""
        run = "built-in demo" if self.is_demo else f"run {self.run_name}"
        return f"{self.short_label()} · {run}"


def load(path: str | Path) -> LoadedModel:
    """A checkpoint file or run folder (a stopped run's best weights, where it kept them
    apart: ``model_file``); raises CheckpointError with a readable message."""
    file = model_file(path)
    model, tokenizer, meta = load_model(file, "cpu")
    return LoadedModel(model, tokenizer, meta, file)


def companion_rnn_path(path: str | Path) -> Path | None:
    """The vanilla RNN trained beside a model (RUN/rnn/checkpoint.safetensors), if present."""
    folder = resolve_path(path).parent
    candidate = resolve_path(folder / RNN_SUBDIR)
    return candidate if candidate.is_file() else None


class ModelSlots(QObject):
    changed = Signal()  # no payload: read .main and .rnn

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.main: LoadedModel | None = None
        self.rnn: LoadedModel | None = None

    def put(self, loaded: LoadedModel) -> None:
        """A vanilla RNN goes beside the main model; anything else becomes the main model."""
        if loaded.cell == "rnn":
            self.rnn = loaded
        else:
            self.main = loaded
        self.changed.emit()

    def put_main(self, loaded: LoadedModel, rnn: LoadedModel | None) -> None:
        """A main model and the RNN trained with it (or none): never another model's RNN."""
        self.main, self.rnn = loaded, rnn
        self.changed.emit()

    def clear_rnn(self) -> None:
        self.rnn = None
        self.changed.emit()
