"""Every run in a folder of runs, as plain values: what the Runs panel lists and draws.

A run folder is what training writes: ``RUN/checkpoint.safetensors`` (the main model)
and, when an RNN trained alongside, ``RUN/rnn/checkpoint.safetensors``. Everything a
row needs comes from the checkpoint's header (``read_metadata``: no tensors are read),
so scanning a hundred runs costs milliseconds. The preset a run was started from is
not part of the recipe the engine stores; the window leaves it in a small note beside
the checkpoint (``NOTE_FILE``).
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from training.checkpoints.checkpoint import FILE_NAME, RNN_SUBDIR, CheckpointError, read_metadata
from training.checkpoints.run_meta import RunMeta, ValidationPoint

NOTE_FILE = "run_note.json"  # {"preset": "quick"}: what the window knew when it started the run
STATES = ("finished", "stopped", "resumable", "diverged")


@dataclass(frozen=True)
class ModelRecord:
    """One model of a run (the LSTM, or the RNN trained beside it)."""

    cell: str
    shape: str  # "1×512"
    val_loss: float | None  # the checkpoint's last validation, nats per token
    best_val_loss: float | None  # the lowest point of its validation history
    chance_loss: float  # ln(vocabulary): a model that guesses uniformly scores this
    steps: int
    history: tuple[ValidationPoint, ...]

    @property
    def worse_than_chance(self) -> bool:
        """Non-finite, or no better than uniform guessing: a diverged model."""
        return self.val_loss is None or not math.isfinite(self.val_loss) or self.val_loss >= self.chance_loss


@dataclass(frozen=True)
class RunRecord:
    folder: Path
    corpus: str  # the corpus's short name
    level: str
    preset: str  # "" when the run was not started from the window
    budget: str  # "1.5 min" or "2,000 steps"
    saved_at: float | None
    state: str  # one of STATES
    main: ModelRecord
    rnn: ModelRecord | None

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def checkpoint(self) -> Path:
        return self.folder / FILE_NAME

    @property
    def best_val_loss(self) -> float | None:
        return self.main.best_val_loss


def chance_loss(vocab_size: int) -> float:
    return math.log(max(vocab_size, 2))


def _model_record(meta: RunMeta) -> ModelRecord:
    cfg = meta.model
    vocab = cfg.vocab_size if cfg is not None else 2
    history = meta.metrics.history
    finite = [p.val_loss for p in history if math.isfinite(p.val_loss)]
    last = meta.metrics.val_loss
    best = min([*finite, *([last] if last is not None else [])], default=None)
    return ModelRecord(
        cell=(cfg.cell if cfg is not None else meta.name) or "?",
        shape=f"{cfg.layers}×{cfg.hidden}" if cfg is not None else "?",
        val_loss=last,
        best_val_loss=best,
        chance_loss=chance_loss(vocab),
        steps=meta.progress.step,
        history=history,
    )


def _budget(meta: RunMeta) -> str:
    return meta.training.budget.describe() if meta.training is not None else ""


def run_state(meta: RunMeta, main: ModelRecord) -> str:
    if main.worse_than_chance:
        return "diverged"
    if meta.progress.done:
        return "finished"
    return "resumable" if meta.resumable else "stopped"


def read_note(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / NOTE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_note(folder: Path, *, preset: str) -> None:
    """Remember what the window started a run from; a failure to write costs only the note."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / NOTE_FILE).write_text(json.dumps({"preset": preset}), encoding="utf-8")
    except OSError:
        pass


def read_run(folder: Path) -> RunRecord:
    """One run folder; raises CheckpointError when its main checkpoint cannot be read."""
    meta = read_metadata(folder)
    main = _model_record(meta)
    rnn = None
    rnn_file = folder / RNN_SUBDIR / FILE_NAME
    if rnn_file.is_file():
        try:
            rnn = _model_record(read_metadata(rnn_file))
        except CheckpointError:
            rnn = None  # a damaged companion costs the companion, not the run
    return RunRecord(
        folder=folder,
        corpus=meta.corpus.name or "?",
        level=meta.level,
        preset=read_note(folder).get("preset", ""),
        budget=_budget(meta),
        saved_at=meta.saved_at,
        state=run_state(meta, main),
        main=main,
        rnn=rnn,
    )


def scan_runs(runs_dir: Path) -> list[RunRecord]:
    """Every readable run under ``runs_dir``, newest first. Unreadable folders are skipped:
    a half-written run must not hide the others."""
    if not runs_dir.is_dir():
        return []
    records = []
    for folder in runs_dir.iterdir():
        if not (folder / FILE_NAME).is_file():
            continue
        try:
            records.append(read_run(folder))
        except (CheckpointError, OSError):
            continue
    return sorted(records, key=lambda r: r.saved_at or 0.0, reverse=True)


def rename_run(folder: Path, new_name: str) -> Path:
    """Rename a run folder within its parent; ValueError with a readable message when it cannot."""
    name = new_name.strip()
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"{new_name!r} is not a usable folder name")
    target = folder.parent / name
    if target.exists():
        raise ValueError(f"a run named {name!r} already exists")
    try:
        folder.rename(target)
    except OSError as err:
        raise ValueError(f"cannot rename {folder.name}: {err.strerror or err}") from err
    return target


def delete_run(folder: Path) -> None:
    """Delete a run folder for good (the window offers the system trash first)."""
    if not (folder / FILE_NAME).is_file():
        raise ValueError(f"{folder} is not a run folder")
    try:
        shutil.rmtree(folder)
    except OSError as err:
        raise ValueError(f"cannot delete {folder.name}: {err.strerror or err}") from err
