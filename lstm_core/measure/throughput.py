"""The sequential bottleneck, measured in tokens per second.

Three ways through the same weights: the explicit per-step cells (one Python
iteration and a handful of small ops per step), the fused kernel on one stream,
and the fused kernel on many streams at once. Steps of one stream can never run
in parallel, since h_t needs h_{t-1}; only independent streams can, which is why
the batched figure is the only one that grows with the hardware.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

from lstm_core.model import LanguageModel


@dataclass(frozen=True)
class Throughput:
    name: str
    cell: str
    explicit_tokens_per_s: float  # LanguageModel.inspect, batch 1
    fused_tokens_per_s: float  # fused kernel, batch 1
    fused_batch_tokens_per_s: float  # fused kernel, ``batch`` streams side by side
    batch: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(run: Callable[[], object], tokens: int, *, repeats: int) -> float:
    run()  # warm-up: first calls pay for allocation and kernel selection
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return tokens / max(best, 1e-9)


@torch.inference_mode()
def measure_throughput(
    model: LanguageModel, *, name: str | None = None, steps: int = 256, batch: int = 32, repeats: int = 3
) -> Throughput:
    """Tokens/s of the explicit cells and the fused kernel on random ids (the ids do not matter)."""
    was_training = model.training
    model.eval()
    try:
        generator = torch.Generator().manual_seed(0)
        vocab = model.config.vocab_size
        one = torch.randint(0, vocab, (1, steps), generator=generator).to(model.device)
        many = torch.randint(0, vocab, (batch, steps), generator=generator).to(model.device)
        explicit = _rate(lambda: model.inspect(one), steps, repeats=repeats)
        fused = _rate(lambda: model(one), steps, repeats=repeats)
        fused_batch = _rate(lambda: model(many), steps * batch, repeats=repeats)
    finally:
        model.train(was_training)
    return Throughput(name or model.config.cell, model.config.cell, explicit, fused, fused_batch, batch)
