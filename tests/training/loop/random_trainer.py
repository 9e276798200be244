"""A trainer on random tokens, for tests of what one training step does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.common.config import TrainConfig
from training.data.holdout import DataSplit
from training.demo.tiny import TINY_TRAIN, tiny_model
from training.loop.trainer import Trainer


def random_token_trainer(out: Path, tokens: int = 50_000, **train: Any) -> Trainer:
    """A tiny float32 LSTM on the CPU over ``tokens`` random ids below 20, with ``train``
    over the tiny demo's training options."""
    ids = np.random.default_rng(0).integers(0, 20, tokens).astype(np.uint8)
    config = TrainConfig.from_dict({**TINY_TRAIN, "precision": "fp32", **train})
    return Trainer(
        name="lstm",
        model=tiny_model(20),
        tokenizer=None,
        data=DataSplit(ids, ids[:2000], 2000),
        config=config,
        device=torch.device("cpu"),
        out_path=out / "m",
    )
