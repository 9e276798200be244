"""Which model and recipe a preset trains on this machine, for the time it is given.

Two halves. ``LOSS_TABLE`` says how low each candidate gets after a number of training
tokens: measured once by ``benchmarks/sweep_recipes.py`` (a token budget, so the table holds
on any machine; see benchmarks/SWEEP.md). The calibration (``training/presets/calibration.py``)
says how many tokens per second each candidate trains at here. The rule multiplies the
two: the candidate whose table loss, at the tokens it would see in the budget, is lowest.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
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

    @property
    def speed_key(self) -> str:
        """What sets its tokens per second: learning rate and dropout barely move it."""
        return f"{self.shape}-e{self.embed}-b{self.batch_size}-s{self.seq_len}-{self.optimizer}"

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


# The candidates a CPU preset chooses between, each at the learning rate that was best or
# near it in the sweeps (smaller models take larger steps). Muon for the LSTM's matrices won
# at every size it was tried; its per-step cost grows with width, which the calibration sees.
# Its Newton-Schulz iterations cost the same per step whatever the batch, so at 1x256 a batch
# of 64 trains 1.2-1.4x the tokens per second of 32 on a float32 CPU; per token it learns
# about as much from 4 M tokens on, which pays in the longer budgets. 2x192 has about
# 1x256's weights, so nearly its speed, and the second layer that pays most on code.
CANDIDATES: tuple[Recipe, ...] = (
    Recipe(2, 128, 64, 1e-2, optimizer="muon"),
    Recipe(1, 256, 64, 1e-2, optimizer="muon"),
    Recipe(2, 256, 64, 7e-3, optimizer="muon"),
    Recipe(1, 512, 128, 7e-3, optimizer="muon"),
    Recipe(1, 256, 64, 1.4e-2, batch_size=64, optimizer="muon"),
    Recipe(2, 192, 64, 1.4e-2, batch_size=64, optimizer="muon"),
)

# Held-out loss (nats/char) after this many training tokens on two texts of different kinds,
# as (tinyshakespeare's plays, Python's standard-library sources): each trained on its first
# 90 % and scored on its last 10 % by benchmarks/sweep_recipes.py (float32 but one point;
# see benchmarks/SWEEP.md). The rule ranks candidates by the mean of the two, so that the
# presets are not tuned to one text.
MEASURED: dict[str, dict[float, tuple[float, float]]] = {
    "2x128-lr0.01-b32-muon": {1e6: (1.690, 1.522), 2e6: (1.557, 1.302), 6e6: (1.475, 1.139)},
    "1x256-lr0.01-b32-muon": {
        1e6: (1.608, 1.415),
        2e6: (1.502, 1.248),
        4e6: (1.455, 1.156),
        7.7e6: (1.445, 1.092),
    },
    "2x256-lr0.007-b32-muon": {1e6: (1.603, 1.416), 2e6: (1.476, 1.199), 4e6: (1.435, 1.092)},
    "1x512-lr0.007-b32-muon": {1e6: (1.533, 1.325), 2e6: (1.441, 1.168)},
    "1x256-lr0.014-b64-muon": {2e6: (1.530, 1.278), 4e6: (1.463, 1.161), 7.7e6: (1.453, 1.092)},
    # 11.84 M: measured in bf16, the tokens a bf16 CPU trains in 300 s (SWEEP.md's bf16
    # half; per token bf16 and float32 agreed within 0.02 wherever both were measured).
    "2x192-lr0.014-b64-muon": {
        2e6: (1.507, 1.263),
        4e6: (1.446, 1.130),
        7.7e6: (1.437, 1.065),
        11.84e6: (1.448, 1.034),
    },
}
LOSS_TABLE: dict[str, dict[float, float]] = {
    name: {tokens: sum(losses) / len(losses) for tokens, losses in points.items()}
    for name, points in MEASURED.items()
}
# A candidate is judged only where its table reaches: from its first point to this much
# beyond its last (flat there), so that a shape measured at small budgets only does not
# win a long one on a guess.
REACH = 1.5
# The share of a budget's seconds that are training steps in a real run (validation,
# samples and checkpoints take the rest).
STEP_SHARE = 0.95


@dataclass(frozen=True)
class Choice:
    recipe: Recipe
    tokens: float  # expected training tokens in the budget
    predicted_loss: float
    passes: float | None = None  # how many times the budget goes over the corpus
    train_extra: dict[str, Any] = field(default_factory=dict)  # training options the corpus adds


# The loss table holds for texts of 1 MB and more, which a budget passes over a few times at
# most. A small text is passed over many more times, and a model that sees each character
# dozens of times memorises it: from these many passes the rule adds this much dropout
# (benchmarks/SWEEP.md, "Passes over the text"; measured at 90 s on texts of 30 KB to 2 MB).
DROPOUT_BY_PASSES: tuple[tuple[float, float], ...] = ((8.0, 0.25), (80.0, 0.5))
# Model size and weight decay stay as fitted at every number of passes: across six texts of
# 30 KB to 9 MB neither a smaller or larger shape nor weight decay 0.4 did better in a way that
# held (benchmarks/SWEEP.md, "model size, weight decay and budget use").
# From this many passes the best weights come early and are soon behind: validation every
# few seconds finds them (a small text's held-out part takes milliseconds to score).
FREQUENT_EVAL_PASSES = 8.0
FREQUENT_EVAL_S = 5.0


def for_corpus(choice: Choice, corpus_tokens: int) -> Choice:
    """``choice`` for a corpus of ``corpus_tokens``: regularised for the passes it means."""
    passes = choice.tokens / max(1, corpus_tokens)
    dropout = max((d for at, d in DROPOUT_BY_PASSES if passes >= at), default=choice.recipe.dropout)
    extra = {"eval_every_s": FREQUENT_EVAL_S} if passes >= FREQUENT_EVAL_PASSES else {}
    return replace(choice, recipe=replace(choice.recipe, dropout=dropout), passes=passes, train_extra=extra)


def choose(rates: dict[str, float], seconds: float) -> Choice | None:
    """The candidate with the lowest table loss at the tokens it trains in ``seconds`` at its
    measured ``rates`` (tokens/s by ``speed_key``); None when no candidate's table reaches."""
    best: Choice | None = None
    for recipe in CANDIDATES:
        table = LOSS_TABLE.get(recipe.name)
        rate = rates.get(recipe.speed_key)
        if not table or not rate:
            continue
        tokens = rate * seconds * STEP_SHARE
        if not min(table) <= tokens <= max(table) * REACH:
            continue
        loss = log_interpolate(table, tokens)
        if best is None or loss < best.predicted_loss:
            best = Choice(recipe, tokens, loss)
    return best


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
