"""Named starting points. Every option a person leaves out takes its preset's value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lstm_core.config import ModelConfig
from lstm_core.options import check_known
from training.common.config import Budget, TrainConfig

# Words and BPE pieces carry more meaning per token than characters: wider embeddings.
LEVEL_EMBED: dict[str, int] = {"word": 256, "bpe": 256}


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    model: dict[str, Any] = field(default_factory=dict)  # ModelConfig fields
    train: dict[str, Any] = field(default_factory=dict)  # TrainConfig options
    # (minutes, ModelConfig fields): from this budget on, these too. A long budget passes
    # over a small corpus many times and needs regularising that only slows a short one.
    long_budget: tuple[float, dict[str, Any]] | None = None
    # On a CUDA GPU: these model and training fields on top (a GPU wants wider, longer
    # batches; see GPU_NOTE). A person's own options still win over them.
    gpu_model: dict[str, Any] = field(default_factory=dict)
    gpu_train: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Checked when the preset is defined, so a misspelt key fails at import, not mid-run.
        what = f"preset {self.name}"
        check_known(self.model, ModelConfig.option_names(), what=f"{what} model")
        check_known(self.train, TrainConfig.option_names(), what=f"{what} training")
        if self.long_budget is not None:
            check_known(self.long_budget[1], ModelConfig.option_names(), what=f"{what} long-budget")
        check_known(self.gpu_model, ModelConfig.option_names(), what=f"{what} GPU model")
        TrainConfig.from_dict(self.train)  # and its values are valid
        TrainConfig.from_dict({**self.train, **self.gpu_train})

    def train_config(self, options: Mapping[str, Any], device_type: str = "cpu") -> TrainConfig:
        """The preset's recipe on `device_type` with the given options (strictly checked) on top."""
        recipe = {**self.train, **(self.gpu_train if device_type == "cuda" else {})}
        return TrainConfig.from_dict(recipe).with_options(options)

    def settings(self, level: str, train_options: Mapping[str, Any]) -> tuple[dict[str, Any], TrainConfig]:
        """The model fields and training settings of a run at ``level`` with the person's
        training options on top, on the device those options pick: a CUDA GPU gets the
        preset's GPU shapes."""
        from lstm_core.hardware import pick_device  # loads torch: the window's forms need none

        device = pick_device(str(train_options.get("device", self.train.get("device", "auto"))))
        train = self.train_config(train_options, device.type)
        return self.model_fields(level, train.budget, device.type), train

    def model_fields(
        self, level: str = "char", budget: Budget | None = None, device_type: str = "cpu"
    ) -> dict[str, Any]:
        """Every model option, with the dataclass defaults for what the preset leaves out, for
        a run at `level` with `budget` (None: the preset's own) on `device_type`."""
        fields = {name: getattr(_MODEL_DEFAULTS, name) for name in ModelConfig.option_names()}
        fields.update(self.model)
        if level in LEVEL_EMBED:
            fields["embed"] = LEVEL_EMBED[level]
        minutes = budget.minutes if budget is not None else None
        if self.long_budget is not None and minutes is not None and minutes >= self.long_budget[0]:
            fields.update(self.long_budget[1])
        if device_type == "cuda":
            fields.update(self.gpu_model)
        return fields


_MODEL_DEFAULTS = ModelConfig(vocab_size=2)  # where each model option's default lives


# Quick's and Balanced's training recipe (Balanced is Quick's recipe given five minutes).
_SHORT_RECIPE: dict[str, Any] = {
    "seq_len": 64,
    "batch_size": 32,
    "lr": 7e-3,
    "weight_decay": 0.1,
    "warmup_steps": 30,
    "lr_floor": 0.05,
}

# On a data-centre GPU, reasoned from FLOPs first: training one token of a 2x1024 LSTM costs about 80 MFLOP
# (3 x 2 x 13M multiply-adds); cuDNN's recurrence runs its T steps one after another, so at
# batch 128 it reaches perhaps 10-30 % of an H100's dense bf16 peak: 30-100 TFLOP/s, i.e.
# 0.4-1.2 M tokens/s, 35-110 M tokens (35-110 passes over tinyshakespeare) in 90 s. That is
# the token budget of nanoGPT's shakespeare_char (about 80 M tokens to its 1.4697 with a
# 10.6 M-parameter model and dropout 0.2), so the GPU presets take a model of that size,
# batches wide enough to fill the GPU, sequences long enough to keep each launch busy, and
# dropout for the many passes over a small corpus. Measured since with
# benchmarks/gpu_check.sh on an H200: 1.1 M tokens/s, 6,101 steps (100 passes) in 90 s,
# validation 1.415 nats/char on tinyshakespeare, below nanoGPT's 1.4697.
_GPU_RECIPE: dict[str, Any] = {"seq_len": 128, "batch_size": 128, "lr": 2e-3, "warmup_steps": 100}
_GPU_MODEL: dict[str, Any] = {"layers": 2, "hidden": 1024, "embed": 128}

# The presets' fixed numbers. On a CPU, a character-level run with a budget in minutes
# trains instead what training/presets/preset_fit.py fits to the machine and the budget (from the
# table in benchmarks/SWEEP.md); these stand for word and BPE levels, budgets in steps,
# distributed runs, budgets the table does not reach, and on a GPU. Quick's were tuned for
# the first minutes a person waits on a 2-core laptop CPU with bf16.
PRESETS: dict[str, Preset] = {
    "quick": Preset(
        "Quick",
        "about 1.5 minutes on a laptop CPU",
        model={"layers": 1, "hidden": 512, "embed": 128, "dropout": 0.0},
        # Sequence 64 doubles the updates a short budget gets, and the carried state still
        # reaches past it; lr 7e-3 with a 5 % cosine floor was best of those tried. At 60k
        # tokens/s 90 s is six passes over tinyshakespeare: weight decay 0.1 already pays.
        train={**_SHORT_RECIPE, "minutes": 1.5},
        # Given 5 minutes (16 passes) it overfits: 1.44-1.45 at 70k tokens/s, 1.41 with dropout.
        long_budget=(4.0, {"dropout": 0.2}),
        gpu_model={**_GPU_MODEL, "dropout": 0.25},
        gpu_train=_GPU_RECIPE,
    ),
    "balanced": Preset(
        "Balanced",
        "about 5 minutes",
        # Quick's model for five minutes (sixteen passes over tinyshakespeare): weight decay
        # does most of the work against overfitting; wider models learn less per second here.
        model={"layers": 1, "hidden": 512, "embed": 128, "dropout": 0.2},
        train={**_SHORT_RECIPE, "minutes": 5.0},
        gpu_model={**_GPU_MODEL, "dropout": 0.35},
        gpu_train=_GPU_RECIPE,
    ),
    "quality": Preset(
        "Quality",
        "about 20 minutes",
        # A wider single layer for the longer budget (a second layer halved the steps and
        # lost at 300 s), with more dropout for its size.
        model={"layers": 1, "hidden": 1024, "embed": 128, "dropout": 0.3},
        train={
            "seq_len": 64,
            "batch_size": 32,
            "lr": 4e-3,
            "weight_decay": 0.1,
            "warmup_steps": 100,
            "lr_floor": 0.05,
            "minutes": 20.0,
        },
        # Twenty GPU minutes are several hundred passes: a wider model, held back by more dropout.
        gpu_model={"layers": 2, "hidden": 1536, "embed": 256, "dropout": 0.45},
        gpu_train={**_GPU_RECIPE, "lr": 1.5e-3},
    ),
}


PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)
DEFAULT_PRESET = "quick"


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}") from None
