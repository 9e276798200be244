"""Seconds-long stand-ins for the shipped demo: a small corpus and tiny trained models.

Used by the self-test when the demo assets are missing, and by tests and the
GUI stall benchmark, so none of them depends on files another process makes.
"""

from __future__ import annotations

from pathlib import Path

from training import checkpoint as ckpt
from training.run import RNN_SUBDIR, RunSpec, run_training

_PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog. A long short-term memory keeps what matters "
    "and forgets the rest; its forget gate decides how much of the old cell state survives. "
    "A vanilla recurrent network has no such gate, so its gradient fades as it flows back in time.\n"
)


def write_fallback_corpus(path: Path, repeats: int = 40) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [_PARAGRAPH.replace("fox", animal) for animal in ("fox", "cat", "hare", "owl") * (repeats // 4)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def train_tiny_models(corpus: Path, out_dir: Path, *, steps: int = 30, hidden: int = 32) -> tuple[Path, Path]:
    """An LSTM in out_dir and its vanilla RNN in out_dir/rnn; returns both checkpoint paths."""
    spec = RunSpec(
        paths=(str(corpus),),
        out_dir=out_dir,
        model_options={"hidden": hidden, "embed": 16},
        train_options={"steps": steps, "seq_len": 32, "batch_size": 8, "device": "cpu", "precision": "fp32"},
        compare_rnn=True,
    )
    results = run_training(spec)
    by_model = {r.model: Path(r.checkpoint) for r in results}
    return by_model["lstm"], by_model.get("rnn", ckpt.resolve_path(out_dir / RNN_SUBDIR))
