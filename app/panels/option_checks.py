"""What the Advanced options say about a value: out of range (and what it became), or
legal but unwise. Plain functions of numbers, so each rule is testable without a form.

The spin boxes accept far more than is allowed, so a typed 999999 reaches these checks
and is answered in words, instead of being cut to the maximum without a sound.
"""

from __future__ import annotations

from collections.abc import Mapping

# Allowed ranges: what the engine and a CPU can sensibly take.
LIMITS: dict[str, tuple[float, float]] = {
    "hidden": (8, 4096),
    "embed": (4, 2048),
    "layers": (1, 6),
    "seq_len": (8, 2048),
    "batch": (1, 1024),
    "lr": (1e-5, 1.0),
    "dropout": (0.0, 0.9),
    "clip": (0.01, 100.0),
}
LABELS = {
    "hidden": "Hidden size",
    "embed": "Embedding",
    "layers": "Layers",
    "seq_len": "Sequence length",
    "batch": "Batch",
    "lr": "Learning rate",
    "dropout": "Dropout",
    "clip": "Clipping threshold",
}
ENTRY_MAX = 10_000_000  # what the boxes let through to the checks


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else f"{value:,}"


def clamp(name: str, value: float) -> tuple[float, str | None]:
    """(the value to use, a sentence saying what changed, or None when it was in range)."""
    low, high = LIMITS[name]
    if low <= value <= high:
        return value, None
    used = min(max(value, low), high)
    side = "above the largest" if value > high else "below the smallest"
    return used, f"{LABELS[name]} {_fmt(value)} is {side} allowed value: set to {_fmt(used)}."


def unwise(values: Mapping[str, float], *, clip_on: bool) -> list[str]:
    """Legal settings that usually go wrong, each with what to do instead."""
    notes = []
    lr = values.get("lr", 0.0)
    if lr > 0.01:
        notes.append(
            f"Learning rate {lr:g} is high: AdamW runs of this kind usually diverge above 0.01 "
            "(0.001–0.003 is typical)."
        )
    if not clip_on and lr > 0.003:
        notes.append("Clipping is off at a high learning rate: one bad batch can blow the run up.")
    if values.get("dropout", 0.0) > 0.5:
        notes.append("Dropout above 0.5 slows learning a lot on short budgets.")
    if values.get("hidden", 0) * values.get("layers", 1) > 2048:
        notes.append("A model this large learns little in a few CPU minutes; try a longer budget.")
    if values.get("batch", 0) * values.get("seq_len", 0) > 131_072:
        notes.append("Batch × sequence length is very large: each step will be slow and memory-hungry.")
    return notes
