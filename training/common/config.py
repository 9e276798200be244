"""How to train: one dataclass, stored in every checkpoint, and the budget it runs for."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lstm_core.options import OptionError, check_known, field_names, known_only

PRECISIONS: tuple[str, ...] = ("auto", "bf16", "fp16", "fp32")
OPTIMIZERS: tuple[str, ...] = ("adamw", "muon")
BUDGET_KEYS: tuple[str, ...] = ("steps", "minutes")  # the budget's two spellings as options


@dataclass(frozen=True)
class Budget:
    """How long a run trains: optimizer steps, or minutes of training time (pauses excluded).
    Exactly one is set."""

    steps: int | None = None
    minutes: float | None = None

    def __post_init__(self) -> None:
        if (self.steps is None) == (self.minutes is None):
            raise OptionError("give one budget: steps or minutes")
        if self.steps is not None and (isinstance(self.steps, bool) or int(self.steps) != self.steps):
            raise OptionError(f"steps must be a whole number, not {self.steps!r}")
        if self.steps is not None and self.steps < 1:
            raise OptionError(f"steps must be positive, not {self.steps}")
        if self.minutes is not None and not (math.isfinite(self.minutes) and self.minutes > 0):
            raise OptionError(f"minutes must be a positive number, not {self.minutes}")

    @classmethod
    def of(cls, *, steps: int | None = None, minutes: float | None = None) -> Budget:
        # JSON and forms may give 500.0 for 500 steps and 5 for 5.0 minutes.
        if isinstance(steps, float) and steps.is_integer():
            steps = int(steps)
        return cls(steps=steps, minutes=None if minutes is None else float(minutes))

    def progress(self, *, step: int, seconds: float) -> float:
        """The fraction of the budget spent, in [0, 1]."""
        if self.steps is not None:
            return min(1.0, step / self.steps)
        assert self.minutes is not None
        return min(1.0, seconds / (60.0 * self.minutes))

    def eta_s(self, *, step: int, seconds: float, seconds_per_step: float) -> float:
        if self.steps is not None:
            return max(0, self.steps - step) * seconds_per_step
        assert self.minutes is not None
        return max(0.0, 60.0 * self.minutes - seconds)

    def describe(self) -> str:
        return f"{self.steps:,} steps" if self.steps is not None else f"{self.minutes:g} minutes"

    def to_dict(self) -> dict[str, Any]:
        return {"steps": self.steps} if self.steps is not None else {"minutes": self.minutes}


@dataclass(frozen=True)
class TrainConfig:
    seq_len: int = 128  # BPTT chunk; the carried state reaches further back than this
    batch_size: int = 32  # streams trained side by side
    lr: float = 3e-3  # peak AdamW learning rate
    warmup_steps: int = 50
    lr_floor: float = 0.1  # cosine ends at this fraction of the peak
    weight_decay: float = 0.01  # on weight matrices only
    optimizer: str = "adamw"  # adamw | muon (Muon on the recurrent and input matrices)
    grad_clip: float | None = 1.0  # global-norm threshold; None trains unclipped
    budget: Budget = field(default_factory=lambda: Budget(minutes=1.5))
    eval_every_s: float = 15.0
    eval_tokens: int = 65536  # held-out tokens every validation scores, evenly spread (final too)
    sample_every_s: float = 20.0
    sample_tokens: int = 200
    first_checkpoint_s: float = 10.0  # after the first step: an early kill still leaves a run
    checkpoint_every_s: float = 25.0  # then this often: a crash loses at most this much work
    device: str = "auto"
    precision: str = "auto"  # auto | bf16 | fp16 | fp32
    seed: int = 1337
    # char-rnn's default: validation scores at most eval_tokens anyway, and a twentieth of a
    # small corpus is about that many; holding out more only takes text from training.
    val_fraction: float = 0.05

    def __post_init__(self) -> None:
        if not isinstance(self.budget, Budget):
            raise OptionError(f"budget must be a Budget, not {self.budget!r}")
        if self.seq_len < 1:
            raise OptionError(f"seq_len must be positive, not {self.seq_len}")
        if self.batch_size < 1:
            raise OptionError(f"batch_size must be positive, not {self.batch_size}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise OptionError(f"lr (the learning rate) must be a positive number, not {self.lr}")
        if self.warmup_steps < 0:
            raise OptionError(f"warmup_steps cannot be negative, not {self.warmup_steps}")
        if not 0.0 <= self.lr_floor <= 1.0:
            raise OptionError(f"lr_floor must be in [0, 1], not {self.lr_floor}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise OptionError(f"weight_decay cannot be negative, not {self.weight_decay}")
        if self.grad_clip is not None and not (math.isfinite(self.grad_clip) and self.grad_clip > 0):
            raise OptionError(f"grad_clip (the clipping threshold) must be positive, not {self.grad_clip}")
        if self.optimizer not in OPTIMIZERS:
            raise OptionError(f"unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        if self.precision not in PRECISIONS:
            raise OptionError(f"unknown precision {self.precision!r}: choose one of {', '.join(PRECISIONS)}")
        if not 0.0 < self.val_fraction < 1.0:
            raise OptionError(f"val_fraction must be between 0 and 1, not {self.val_fraction}")
        if self.eval_tokens < 1 or self.sample_tokens < 0:
            raise OptionError("eval_tokens must be positive and sample_tokens not negative")

    # The options a person (CLI, window, preset) may give: every field, with the budget
    # spelt as `steps` or `minutes`.
    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(n for n in field_names(cls) if n != "budget") + BUDGET_KEYS

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["budget"] = self.budget.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Strict: an unknown key is an OptionError that names it."""
        check_known(data, (*cls.option_names(), "budget"), what="training")
        return cls._build(dict(data))

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Lenient, for checkpoints: keys an older version wrote and this one lacks are dropped;
        the budget may be the old top-level ``steps``/``minutes`` pair."""
        return cls._build(known_only(data, (*cls.option_names(), "budget")))

    @classmethod
    def _build(cls, data: dict[str, Any]) -> TrainConfig:
        steps, minutes = data.pop("steps", None), data.pop("minutes", None)
        budget = data.pop("budget", None)
        if isinstance(budget, Mapping):
            budget = Budget.of(**known_only(budget, BUDGET_KEYS))
        if steps is not None or minutes is not None:
            # Naming one unit replaces the other, so "steps 500" is not capped by a preset's minutes.
            budget = Budget.of(steps=steps) if steps is not None else Budget.of(minutes=minutes)
        if budget is not None:
            data["budget"] = budget
        return cls(**data)

    def with_options(self, options: Mapping[str, Any]) -> TrainConfig:
        """This config with the given options (strictly checked) replacing its own."""
        merged = self.to_dict()
        merged.update(options)
        if any(k in options for k in BUDGET_KEYS):
            merged.pop("budget")
        return TrainConfig.from_dict(merged)
