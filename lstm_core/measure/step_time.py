"""The sequential bottleneck, measured as time per training step against sequence length.

For each cell a fresh model of one shape takes full training steps (forward,
backward, AdamW) on random ids at each sequence length, batch held fixed, so the
time per step grows with the length for every cell. What differs is how: the
RNN and the LSTM (torch's fused kernels) run one step of the recurrence after
another; minGRU computes its gates for all positions in one matrix multiply and
runs the recurrence as a chunked scan of about 2√T tensor operations (``lstm_core.mingru``). Whether that wins
depends on the machine: on a GPU the scan's parallelism is free, on two CPU cores
the fused kernel's tight loop may still be faster. The page shows whichever it is.

The cells are timed in alternation at each length, so the noise of a shared
machine falls on all of them alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from lstm_core.config import ModelConfig
from lstm_core.model import LanguageModel

CELLS = ("rnn", "lstm", "mingru")
SEQ_LENS = (64, 128, 256, 512, 1024, 2048)


@dataclass(frozen=True)
class StepTimes:
    shape: str  # "1×512, embed 128, batch 16"
    seconds: dict[str, dict[int, float]]  # cell -> sequence length -> median seconds per step
    # cell -> sequence length -> seconds of each round, in the order the rounds ran
    samples: dict[str, dict[int, list[float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "seconds": {cell: {str(t): s for t, s in row.items()} for cell, row in self.seconds.items()},
            "samples": {cell: {str(t): s for t, s in row.items()} for cell, row in self.samples.items()},
        }

    def ratio(self, cell: str, against: str, seq_len: int) -> float:
        """How many times longer a step of ``cell`` takes than one of ``against``: the median of
        the rounds' ratios, each of two steps run one right after the other, so a burst of
        load from another program falls on both sides of one ratio rather than on one median."""
        mine, theirs = self.samples.get(cell, {}).get(seq_len), self.samples.get(against, {}).get(seq_len)
        if not mine or not theirs:
            return self.seconds[cell][seq_len] / self.seconds[against][seq_len]
        return statistics.median(m / t for m, t in zip(mine, theirs, strict=True))


def _trainer(model: LanguageModel, batch: int, seq_len: int) -> Callable[[], None]:
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (batch, seq_len + 1), generator=generator)
    x, y = ids[:, :-1].to(model.device), ids[:, 1:].to(model.device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = model(x, targets=y).loss
        assert loss is not None
        loss.backward()
        optimizer.step()
        if x.device.type == "cuda":
            torch.cuda.synchronize()

    return step


def measure_step_times(
    *,
    cells: Sequence[str] = CELLS,
    seq_lens: Sequence[int] = SEQ_LENS,
    hidden: int = 512,
    embed: int = 128,
    vocab: int = 65,
    batch: int = 16,
    rounds: int = 3,
    device: torch.device | None = None,
    progress: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> StepTimes:
    """Median seconds per training step of each cell at each sequence length.

    ``stop`` is polled between steps; when it returns True the lengths measured so far
    are returned.
    """
    seconds: dict[str, dict[int, float]] = {cell: {} for cell in cells}
    kept: dict[str, dict[int, list[float]]] = {cell: {} for cell in cells}
    models = {}
    for cell in cells:
        torch.manual_seed(0)
        config = ModelConfig(vocab_size=vocab, cell=cell, hidden=hidden, embed=embed)  # type: ignore[arg-type]
        models[cell] = LanguageModel(config).to(device or torch.device("cpu")).train()
    for i, seq_len in enumerate(seq_lens):
        steps = {cell: _trainer(model, batch, seq_len) for cell, model in models.items()}
        for step in steps.values():
            step()  # warm-up: allocation and kernel choice
        samples: dict[str, list[float]] = {cell: [] for cell in cells}
        for _ in range(rounds):
            for cell, step in steps.items():
                if stop is not None and stop():
                    return StepTimes(_shape(hidden, embed, batch), seconds, kept)
                started = time.perf_counter()
                step()
                samples[cell].append(time.perf_counter() - started)
        for cell in cells:
            seconds[cell][seq_len] = statistics.median(samples[cell])
            kept[cell][seq_len] = samples[cell]
        if progress is not None:
            progress((i + 1) / len(seq_lens))
    return StepTimes(_shape(hidden, embed, batch), seconds, kept)


def _shape(hidden: int, embed: int, batch: int) -> str:
    return f"1×{hidden}, embed {embed}, batch {batch}"


def format_step_times(times: StepTimes) -> str:
    """Milliseconds per step: one row per cell, one column per length."""
    lens = sorted({t for row in times.seconds.values() for t in row})
    lines = [f"{'seq len':<10}" + "".join(f"{t:>9}" for t in lens)]
    for cell, row in times.seconds.items():
        lines.append(
            f"{cell:<10}" + "".join(f"{row[t] * 1000:>9.1f}" if t in row else f"{'–':>9}" for t in lens)
        )
    return "\n".join(lines)
