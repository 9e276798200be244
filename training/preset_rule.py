"""Which model and recipe a preset trains on this machine, for the time it is given.

Two halves. ``LOSS_TABLE`` says how low each candidate gets after a number of training
tokens: measured once by ``benchmarks/sweep_recipes.py`` (a token budget, so the table holds
on any machine; see benchmarks/SWEEP.md). The calibration (``training/calibration.py``)
says how many tokens per second each candidate trains at here. The rule multiplies the
two: the candidate whose table loss, at the tokens it would see in the budget, is lowest.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Recipe:
    layers: int
    hidden: int
    embed: int
    lr: float
    batch_size: int = 32
    seq_len: int = 64
    dropout: float = 0.0
    optimizer: str = "adamw"
    weight_decay: float = 0.1
    warmup_steps: int = 30
    lr_floor: float = 0.05

    @property
    def shape(self) -> str:
        return f"{self.layers}x{self.hidden}"

    @property
    def name(self) -> str:
        parts = [self.shape, f"lr{self.lr:g}", f"b{self.batch_size}"]
        if self.dropout:
            parts.append(f"d{self.dropout:g}")
        if self.optimizer != "adamw":
            parts.append(self.optimizer)
        return "-".join(parts)

    def with_lr(self, lr: float) -> Recipe:
        return replace(self, lr=float(f"{lr:.3g}"))

    def with_batch(self, batch_size: int) -> Recipe:
        return replace(self, batch_size=batch_size)

    def with_optimizer(self, optimizer: str) -> Recipe:
        return replace(self, optimizer=optimizer)

    def model_options(self) -> dict[str, Any]:
        return {"layers": self.layers, "hidden": self.hidden, "embed": self.embed, "dropout": self.dropout}

    def train_options(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "batch_size": self.batch_size,
            "seq_len": self.seq_len,
            "optimizer": self.optimizer,
            "weight_decay": self.weight_decay,
            "warmup_steps": self.warmup_steps,
            "lr_floor": self.lr_floor,
        }


# The shapes a CPU preset chooses between, each at the learning rate first guessed for it
# (smaller models take larger steps).
CANDIDATES: tuple[Recipe, ...] = (
    Recipe(1, 256, 64, 1e-2),
    Recipe(2, 256, 64, 7e-3),
    Recipe(1, 512, 128, 7e-3),
    Recipe(2, 512, 128, 4e-3),
    Recipe(1, 1024, 128, 4e-3),
    Recipe(1, 512, 128, 7e-3, dropout=0.2),
    Recipe(1, 1024, 128, 4e-3, dropout=0.3),
)


def log_interpolate(points: dict[float, float], x: float) -> float:
    """Piecewise-linear in log(x) through ``points``; flat beyond the ends."""
    xs = sorted(points)
    if x <= xs[0]:
        return points[xs[0]]
    if x >= xs[-1]:
        return points[xs[-1]]
    for lo, hi in itertools.pairwise(xs):
        if lo <= x <= hi:
            t = (math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo))
            return points[lo] + t * (points[hi] - points[lo])
    raise AssertionError("unreachable")
