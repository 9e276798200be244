"""Validation loss reached on tinyshakespeare (last 10 % held out) within a fixed
training-time budget, with each preset's own settings."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from benchmarks.common import SHAKESPEARE, row
from training.run import run_training
from training.run_spec import RunSpec

TARGETS = {1.5: "target <= 1.50 nats/char", 5.0: "target <= 1.42 nats/char"}
# nanoGPT's shakespeare_char baseline (a 6-layer transformer, about 3 minutes on an A100).
NANOGPT_VAL = 1.4697


def run(
    preset: str = "quick", minutes: float | None = None, path: Path = SHAKESPEARE, device: str = "auto"
) -> dict[str, float]:
    if not path.exists():
        print(f"Quality: {path} not found; skipped")
        return {}
    options: dict[str, object] = {"minutes": minutes} if minutes is not None else {}
    if device != "auto":
        options["device"] = device
    with TemporaryDirectory() as tmp:
        spec = RunSpec(paths=(str(path),), out_dir=Path(tmp), preset=preset, train_options=options)
        result = run_training(spec)[0]
    budget = result.seconds / 60
    print(f"Quality, preset {preset}, {budget:.1f} min of training on {path.name} ({device})")
    row(
        f"validation loss after {result.seconds:.0f} s ({result.steps} steps)",
        f"{result.val_loss:.3f} nats/char",
        TARGETS.get(minutes or 0.0, "") if device != "cuda" else f"nanoGPT shakespeare_char: {NANOGPT_VAL}",
    )
    row("bits per character", f"{result.bits_per_char:.3f}")
    row("training tokens/s", f"{result.tokens_per_s:,.0f}")
    return {"val_loss": result.val_loss, "seconds": result.seconds, "steps": result.steps}
