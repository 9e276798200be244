"""The one tiny model: seconds-long stand-ins for the shipped demo.

A small corpus, the tiny model's size, the short run that trains it, and a
helper that trains an LSTM and its vanilla RNN. Used by the self-test when the
demo assets are missing, by the tests and by the GUI stall benchmark, so none
of them depends on files another process makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from lstm_core.config import CellKind, ModelConfig
from lstm_core.model import LanguageModel
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.checkpoint import RNN_SUBDIR
from training.run import run_training
from training.run_spec import RunSpec

# Large enough that the LSTM and the RNN learn visibly different things in 20 steps,
# small enough that a step takes about a millisecond on one core.
TINY_MODEL: dict[str, Any] = {"hidden": 32, "embed": 16, "layers": 1}
# Short windows and small batches: a whole run fits in a second or two.
TINY_WINDOW: dict[str, Any] = {"seq_len": 32, "batch_size": 8}
# The trainer's own tests: no periodic validation, sample or checkpoint inside the run,
# so what they check happens exactly where they expect it.
TINY_TRAIN: dict[str, Any] = {
    "steps": 12,
    "batch_size": 4,
    "seq_len": 16,
    "warmup_steps": 2,
    "eval_tokens": 2000,
    "eval_every_s": 1e9,
    "sample_every_s": 1e9,
    "first_checkpoint_s": 1e9,
    "checkpoint_every_s": 1e9,
    "sample_tokens": 20,
}

_PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog. A long short-term memory keeps what matters "
    "and forgets the rest; its forget gate decides how much of the old cell state survives. "
    "A vanilla recurrent network has no such gate, so its gradient fades as it flows back in time.\n"
)


def tiny_model(vocab_size: int, *, cell: CellKind = "lstm", seed: int = 0, **options: Any) -> LanguageModel:
    """An untrained tiny model, the same weights for the same seed; options override TINY_MODEL."""
    torch.manual_seed(seed)
    return LanguageModel(ModelConfig(vocab_size=vocab_size, cell=cell, **{**TINY_MODEL, **options}))


def write_fallback_corpus(path: Path, repeats: int = 40) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [_PARAGRAPH.replace("fox", animal) for animal in ("fox", "cat", "hare", "owl") * (repeats // 4)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def tiny_spec(corpus: Path, out_dir: Path, *, steps: int = 30, hidden: int = TINY_MODEL["hidden"]) -> RunSpec:
    """A run of the tiny LSTM with its vanilla RNN beside it, on the CPU in fp32."""
    return RunSpec(
        paths=(str(corpus),),
        out_dir=out_dir,
        model_options={"hidden": hidden, "embed": TINY_MODEL["embed"]},
        train_options={"steps": steps, **TINY_WINDOW, "device": "cpu", "precision": "fp32"},
        compare_rnn=True,
    )


def train_tiny_models(
    corpus: Path, out_dir: Path, *, steps: int = 30, hidden: int = TINY_MODEL["hidden"]
) -> tuple[Path, Path]:
    """An LSTM in out_dir and its vanilla RNN in out_dir/rnn; returns both checkpoint paths."""
    results = run_training(tiny_spec(corpus, out_dir, steps=steps, hidden=hidden))
    by_model = {r.model: Path(r.checkpoint) for r in results}
    return by_model["lstm"], by_model.get("rnn", ckpt.resolve_path(out_dir / RNN_SUBDIR))
