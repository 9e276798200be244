"""A sample taken during training steps with the weights of the step just taken, also where
the fused AdamW writes them without moving torch's version counters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from lstm_core.step_weights import _lay_out, step_weights
from training.common.config import TrainConfig
from training.data.holdout import DataSplit
from training.demo.tiny import TINY_TRAIN, tiny_model
from training.loop.trainer import Trainer


def test_the_step_layout_is_made_again_after_each_training_step(tmp_path: Path) -> None:
    tokens = np.random.default_rng(0).integers(0, 20, 20_000).astype(np.uint8)
    config = TrainConfig.from_dict({**TINY_TRAIN, "optimizer": "adamw", "precision": "fp32"})
    trainer = Trainer(
        name="lstm",
        model=tiny_model(20),
        tokenizer=None,
        data=DataSplit(tokens, tokens[:2000], 2000),
        config=config,
        device=torch.device("cpu"),
        out_path=tmp_path / "m",
    )
    assert trainer.optimizer.defaults.get("fused")  # the update that moves no version counter
    trainer.train_step()
    before = step_weights(trainer.model, int8=False)
    trainer.train_step()
    after = step_weights(trainer.model, int8=False)
    assert after is not before
    assert torch.equal(after.input_table, _lay_out(trainer.model, False).input_table)
