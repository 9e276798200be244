"""A CPU preset's model and recipe fitted to this machine and the time it is given.

Applies when a run can use it: a fresh character-level run on a CPU with a budget in
minutes, where the person chose none of what the rule decides (shape, dropout, batch,
sequence length, learning rate, optimizer). Otherwise the preset's own numbers stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from lstm_core.hardware import pick_device
from training.common.config import TrainConfig
from training.common.events import EventCallback, NoteEvent, ignore_events
from training.presets.calibration import calibrate
from training.presets.preset_rule import CANDIDATES, Choice, choose, for_corpus

# What the rule decides; a person's own value for any of them keeps the rule out.
RULE_MODEL_OPTIONS = ("layers", "hidden", "embed", "dropout")
RULE_TRAIN_OPTIONS = ("lr", "batch_size", "seq_len", "optimizer", "weight_decay", "warmup_steps", "lr_floor")


@dataclass(frozen=True)
class Fitted:
    choice: Choice
    model: dict[str, Any]  # ModelConfig fields
    train: TrainConfig

    def describe(self, preset_name: str) -> str:
        r = self.choice.recipe
        optimizer = "Muon + AdamW" if r.optimizer == "muon" else "AdamW"
        return (
            f"{preset_name} on this machine: {r.layers}×{r.hidden} LSTM, batch {r.batch_size}, "
            f"sequence {r.seq_len}, {optimizer} lr {r.lr:g}"
            + (f", dropout {r.dropout:g}" if r.dropout else "")
            + f" (about {self.choice.tokens / 1e6:.1f} M training tokens in the budget"
            + (f", {self.choice.passes:.0f} passes over this text" if self.choice.passes else "")
            + ")"
        )


def applies(
    *,
    level: str,
    device: torch.device,
    train: TrainConfig,
    model_options: Mapping[str, Any],
    train_options: Mapping[str, Any],
) -> bool:
    return (
        level == "char"
        and device.type == "cpu"
        and train.budget.minutes is not None
        and not any(k in model_options for k in RULE_MODEL_OPTIONS)
        and not any(k in train_options for k in RULE_TRAIN_OPTIONS)
    )


def fit(
    *,
    vocab_size: int,
    corpus_tokens: int,
    device: torch.device,
    train: TrainConfig,
    on_event: EventCallback = ignore_events,
) -> Fitted | None:
    """The rule's choice for ``train``'s budget on a corpus of ``corpus_tokens``, or None when
    no candidate's table reaches it."""
    assert train.budget.minutes is not None

    def say(count: int) -> None:
        message = f"timing {count} model shapes on this machine for the presets (once, a few seconds)"
        on_event(NoteEvent(model="run", message=message))

    rates = calibrate(
        CANDIDATES, vocab_size=vocab_size, device=device, precision=train.precision, before_measuring=say
    )
    choice = choose(rates, 60.0 * train.budget.minutes)
    if choice is None:
        return None
    choice = for_corpus(choice, corpus_tokens)
    recipe = choice.recipe
    options = {**recipe.train_options(), **choice.train_extra}
    return Fitted(choice, recipe.model_options(), train.with_options(options))


def fitted_settings(
    *,
    level: str,
    model_fields: dict[str, Any],
    train: TrainConfig,
    model_options: Mapping[str, Any],
    train_options: Mapping[str, Any],
    vocab_size: int,
    corpus_tokens: int,
    preset_name: str,
    on_event: EventCallback = ignore_events,
) -> tuple[dict[str, Any], TrainConfig]:
    """The preset's settings with the fitted recipe in place where the rule applies (said in
    a note), else as they are."""
    device = pick_device(train.device)
    given = {"model_options": model_options, "train_options": train_options}
    if not applies(level=level, device=device, train=train, **given):
        return model_fields, train
    fitted = fit(
        vocab_size=vocab_size, corpus_tokens=corpus_tokens, device=device, train=train, on_event=on_event
    )
    if fitted is None:
        return model_fields, train
    on_event(NoteEvent(model="run", message=fitted.describe(preset_name)))
    return {**model_fields, **fitted.model}, fitted.train
