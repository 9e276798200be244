"""Trainer tokens/s against a bare nn.LSTM loop of the same configuration, at a small and a
large shape, and the model FLOP utilisation against this machine's own matrix-multiply
throughput."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import torch
from torch import nn

from benchmarks.common import interleaved_clocks, row, synchronize
from lstm_core import LanguageModel, ModelConfig
from lstm_core.hardware import autocast, autocast_dtype
from training.common.config import TrainConfig
from training.data.holdout import DataSplit
from training.loop.trainer import Trainer

VOCAB, EMBED = 65, 128


@dataclass(frozen=True)
class Shape:
    layers: int
    hidden: int
    batch: int
    seq: int

    def describe(self) -> str:
        return f"{self.layers}x{self.hidden} char LSTM, batch {self.batch}, seq {self.seq}"


# The small shape is where per-step overhead shows: a step is a few milliseconds of kernels.
CPU_SHAPES = (Shape(2, 128, 50, 50), Shape(2, 512, 64, 128))
CUDA_SHAPES = (Shape(2, 128, 50, 50), Shape(2, 512, 64, 128), Shape(2, 1024, 256, 128))


class BareLSTM(nn.Module):
    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, shape.hidden, shape.layers, batch_first=True)
        self.head = nn.Linear(shape.hidden, VOCAB)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.emb(x))
        return nn.functional.cross_entropy(self.head(out).float().flatten(0, 1), y.flatten())


def matmul_call(dtype: torch.dtype, device: torch.device) -> Callable[[], object]:
    """A few n x n matmuls, timed in alternation with the training steps so that the
    machine's peak and the trainer are measured under the same conditions."""
    n, calls = (8192, 8) if device.type == "cuda" else (2048, 4)
    a = torch.randn(n, n, dtype=dtype, device=device)
    b = torch.randn(n, n, dtype=dtype, device=device)

    def call() -> int:
        for _ in range(calls):
            torch.mm(a, b)
        synchronize(device)
        return calls * 2 * n**3

    return call


def training_flops_per_token(shape: Shape) -> float:
    """Matmul FLOPs of one token through forward and backward (backward ≈ 2× forward)."""
    recurrent = sum(
        4 * shape.hidden * ((EMBED if layer == 0 else shape.hidden) + shape.hidden)
        for layer in range(shape.layers)
    )
    return 3 * 2 * (recurrent + shape.hidden * VOCAB)


def _trainer(shape: Shape, device: torch.device, precision: str, out: Path) -> Trainer:
    tokens = np.random.default_rng(0).integers(0, VOCAB, 4_000_000).astype(np.uint8)
    config = TrainConfig.from_dict(
        {
            "seq_len": shape.seq,
            "batch_size": shape.batch,
            "steps": 10**9,
            "precision": precision,
            "eval_every_s": 1e9,
            "sample_every_s": 1e9,
            "first_checkpoint_s": 1e9,
            "checkpoint_every_s": 1e9,
        }
    )
    model = LanguageModel(
        ModelConfig(vocab_size=VOCAB, layers=shape.layers, hidden=shape.hidden, embed=EMBED)
    )
    return Trainer(
        name="lstm",
        model=model,
        tokenizer=None,  # never samples: sample_every_s is huge
        data=DataSplit(tokens, tokens[:10000], 10000),
        config=config,
        device=device,
        out_path=out,
    )


def measure(shape: Shape, device: torch.device, precision: str, rounds: int) -> dict[str, float]:
    amp = autocast_dtype(device, precision)
    # On a GPU one call is a block of steps ended by a synchronisation, so that queued
    # kernels are counted where they run and the trainer's periodic read-back is included.
    per_call = 32 if device.type == "cuda" else 1
    with TemporaryDirectory() as tmp:
        trainer = _trainer(shape, device, precision, Path(tmp))
        bare = BareLSTM(shape).to(device)
        optimizer = torch.optim.AdamW(bare.parameters(), lr=1e-3)
        x = torch.randint(0, VOCAB, (shape.batch, shape.seq), device=device)
        y = torch.randint(0, VOCAB, (shape.batch, shape.seq), device=device)

        def bare_steps() -> None:
            for _ in range(per_call):
                with autocast(device, amp):
                    loss = bare(x, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            synchronize(device)

        def trainer_steps() -> None:
            for _ in range(per_call):
                trainer.train_step()
            synchronize(device)

        matmul = matmul_call(torch.float32 if amp is None else amp, device)
        flops = matmul()
        steps = {"trainer": trainer_steps, "bare": bare_steps, "matmul": matmul}
        times, cpu_times = interleaved_clocks(steps, rounds=rounds)
        trainer.flush()
    tokens = shape.batch * shape.seq * per_call
    trainer_tps, bare_tps = tokens / times["trainer"], tokens / times["bare"]
    peak = flops / times["matmul"]
    return {
        "trainer_tokens_per_s": trainer_tps,
        "bare_tokens_per_s": bare_tps,
        "ratio": trainer_tps / bare_tps,
        "cpu_time_ratio": cpu_times["bare"] / cpu_times["trainer"],
        "peak_flops": peak,
        "mfu": trainer_tps * training_flops_per_token(shape) / peak,
    }


def run(device: torch.device, precision: str = "auto", rounds: int = 12) -> list[dict[str, float]]:
    amp = autocast_dtype(device, precision)
    label = {torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast"}.get(amp, "fp32")
    bare_kind = "cuDNN nn.LSTM" if device.type == "cuda" else "nn.LSTM"
    results = []
    for shape in CUDA_SHAPES if device.type == "cuda" else CPU_SHAPES:
        result = measure(shape, device, precision, rounds)
        print(f"Training throughput, {shape.describe()}, {label}, {device}")
        row("trainer tokens/s", f"{result['trainer_tokens_per_s']:,.0f}")
        row(f"bare {bare_kind} + AdamW loop tokens/s", f"{result['bare_tokens_per_s']:,.0f}")
        row("ratio trainer / bare (wall clock)", f"{result['ratio']:.3f}", "target >= 0.95")
        if device.type == "cpu":  # a GPU step's CPU time is its launches, not its work
            row("ratio trainer / bare (CPU time of this process)", f"{result['cpu_time_ratio']:.3f}")
        row("machine matmul GFLOP/s (same precision)", f"{result['peak_flops'] / 1e9:,.0f}")
        row("model FLOP utilisation", f"{100 * result['mfu']:.1f} %")
        results.append(result)
    return results
