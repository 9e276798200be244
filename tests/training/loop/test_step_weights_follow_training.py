"""A sample taken during training steps with the weights of the step just taken, also where
the fused AdamW writes them without moving torch's version counters."""

from __future__ import annotations

from pathlib import Path

import torch

from lstm_core.step_weights import _lay_out, step_weights
from tests.training.loop.random_trainer import random_token_trainer


def test_the_step_layout_is_made_again_after_each_training_step(tmp_path: Path) -> None:
    trainer = random_token_trainer(tmp_path, tokens=20_000, optimizer="adamw")
    assert trainer.optimizer.defaults.get("fused")  # the update that moves no version counter
    trainer.train_step()
    before = step_weights(trainer.model, int8=False)
    trainer.train_step()
    after = step_weights(trainer.model, int8=False)
    assert after is not before
    assert torch.equal(after.input_table, _lay_out(trainer.model, False).input_table)
