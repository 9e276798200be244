"""How to train: one dataclass, stored in every checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    seq_len: int = 128  # BPTT chunk; the carried state reaches further back than this
    batch_size: int = 32  # streams trained side by side
    lr: float = 3e-3  # peak AdamW learning rate
    warmup_steps: int = 50
    lr_floor: float = 0.1  # cosine ends at this fraction of the peak
    weight_decay: float = 0.01  # on weight matrices only
    grad_clip: float | None = 1.0  # global-norm threshold; None trains unclipped
    steps: int | None = None  # budget in optimizer steps ...
    minutes: float | None = 1.5  # ... or in minutes of training time (pauses excluded)
    eval_every_s: float = 15.0
    eval_tokens: int = 65536  # cap during training; the final evaluation scores everything
    sample_every_s: float = 20.0
    sample_tokens: int = 200
    checkpoint_every_s: float = 25.0  # a crash loses at most this much work
    device: str = "auto"
    precision: str = "auto"  # auto | bf16 | fp16 | fp32
    seed: int = 1337
    val_fraction: float = 0.1

    def __post_init__(self) -> None:
        if self.seq_len < 1 or self.batch_size < 1:
            raise ValueError("sequence length and batch must be positive")
        if self.lr <= 0:
            raise ValueError("learning rate must be positive")
        if self.steps is None and self.minutes is None:
            raise ValueError("give a budget: steps or minutes")
        if self.steps is not None and self.steps < 1:
            raise ValueError("steps must be positive")
        if self.minutes is not None and self.minutes <= 0:
            raise ValueError("minutes must be positive")
        if self.grad_clip is not None and self.grad_clip <= 0:
            raise ValueError("the clipping threshold must be positive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
