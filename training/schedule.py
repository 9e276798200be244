"""Learning-rate schedule: linear warm-up, then cosine decay to a floor."""

from __future__ import annotations

import math


def learning_rate(*, step: int, progress: float, peak: float, warmup_steps: int, floor_ratio: float) -> float:
    """``progress`` is the fraction of the budget spent (steps or seconds), in [0, 1].

    Warm-up counts steps because its job, letting Adam's moment estimates settle,
    is measured in updates whatever the budget's unit.
    """
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, progress))))
    return peak * (floor_ratio + (1.0 - floor_ratio) * cosine)
