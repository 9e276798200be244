"""Why a completed run went back to earlier weights, in plain words.

Two different things make the last held-out loss worse than the best one, and they
need different advice. Overfitting: training loss keeps falling while held-out loss
rises, because the model memorises its corpus. Divergence: training loss itself rises,
explodes or stops being a number, usually from a learning rate that is too high or
clipping that is off. The numbers are compared on the same capped validation sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from training.loop.early_stop import ADVICE

TRAIN_RISE = 1.10  # training loss 10 % above where it stood at the best step: it is rising


@dataclass(frozen=True)
class Rollback:
    best_step: int
    best_loss: float  # held-out, nats per token
    final_step: int
    final_loss: float
    train_at_best: float | None  # smoothed training loss at the best step
    train_now: float | None  # smoothed training loss at the end
    chance: float  # ln(vocabulary): the held-out loss of uniform guessing
    clipped: bool  # whether gradient clipping was on

    @property
    def diverged(self) -> bool:
        if not math.isfinite(self.final_loss) or self.final_loss >= self.chance:
            return True
        if self.train_now is None or not math.isfinite(self.train_now):
            return self.train_now is not None
        return self.train_at_best is not None and self.train_now > self.train_at_best * TRAIN_RISE


def rollback_message(r: Rollback) -> str:
    kept = f"kept the weights from step {r.best_step:,} (held-out loss {r.best_loss:.3f} nats)"
    if r.diverged:
        train = ""
        if r.train_at_best is not None and r.train_now is not None:
            train = f"training loss rose from {r.train_at_best:.3f} to {r.train_now:.3g} and "
        chance = f", worse than guessing uniformly ({r.chance:.2f})" if r.final_loss >= r.chance else ""
        advice = "try a lower learning rate" + ("" if r.clipped else " and turn gradient clipping on")
        return (
            f"{kept}: after it the run diverged: {train}held-out loss reached "
            f"{r.final_loss:.3g} by step {r.final_step:,}{chance}. Next time {advice}."
        )
    return (
        f"{kept}: training loss kept falling but held-out loss rose to {r.final_loss:.3f} by step "
        f"{r.final_step:,}, so the model had begun to memorise its corpus (overfitting). " + ADVICE
    )


def divergence_message(*, bad_step: int, loss: float, grad_norm: float, back_to: int) -> str:
    """A step whose loss or gradient stopped being a number: the run stops on its snapshot."""
    return (
        f"training diverged at step {bad_step} (loss {loss:.3g}, gradient norm {grad_norm:.3g}); "
        f"rolled back to step {back_to} and stopped. Turn gradient clipping on or lower "
        "the learning rate."
    )
