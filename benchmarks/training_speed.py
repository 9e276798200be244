"""Trainer tokens/s against a bare nn.LSTM loop of the same configuration, and the
model FLOP utilisation against this machine's own matrix-multiply throughput."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import torch
from torch import nn

from benchmarks.common import interleaved, row
from lstm_core import LanguageModel, ModelConfig
from lstm_core.hardware import autocast, autocast_dtype, pick_device
from training.config import TrainConfig
from training.trainer import DataSplit, Trainer

VOCAB, LAYERS, HIDDEN, EMBED, BATCH, SEQ = 65, 2, 512, 128, 64, 128


class BareLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, VOCAB)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.emb(x))
        return nn.functional.cross_entropy(self.head(out).float().flatten(0, 1), y.flatten())


MATMUL_N, MATMULS_PER_CALL = 2048, 4


def matmul_call(dtype: torch.dtype) -> Callable[[], object]:
    """A few n x n matmuls, timed in alternation with the training steps so that the
    machine's peak and the trainer are measured under the same conditions."""
    a, b = torch.randn(MATMUL_N, MATMUL_N, dtype=dtype), torch.randn(MATMUL_N, MATMUL_N, dtype=dtype)

    def call() -> None:
        for _ in range(MATMULS_PER_CALL):
            torch.mm(a, b)

    return call


def lstm_training_flops_per_token() -> float:
    """Matmul FLOPs of one token through forward and backward (backward ≈ 2× forward)."""
    recurrent = sum(4 * HIDDEN * ((EMBED if layer == 0 else HIDDEN) + HIDDEN) for layer in range(LAYERS))
    head = HIDDEN * VOCAB
    return 3 * 2 * (recurrent + head)


def run(rounds: int = 12) -> dict[str, float]:
    device = pick_device("auto")
    amp = autocast_dtype(device, "auto")
    tokens = np.random.default_rng(0).integers(0, VOCAB, 2_000_000).astype(np.uint8)
    config = TrainConfig(
        seq_len=SEQ,
        batch_size=BATCH,
        steps=10**9,
        minutes=None,
        eval_every_s=1e9,
        sample_every_s=1e9,
        checkpoint_every_s=1e9,
    )
    with TemporaryDirectory() as tmp:
        model = LanguageModel(ModelConfig(vocab_size=VOCAB, layers=LAYERS, hidden=HIDDEN, embed=EMBED))
        trainer = Trainer(
            name="lstm",
            model=model,
            tokenizer=None,
            data=DataSplit(tokens, tokens[:10000], 10000),
            config=config,
            device=device,
            out_path=Path(tmp),
        )
        bare = BareLSTM().to(device)
        optimizer = torch.optim.AdamW(bare.parameters(), lr=1e-3)
        x = torch.randint(0, VOCAB, (BATCH, SEQ), device=device)
        y = torch.randint(0, VOCAB, (BATCH, SEQ), device=device)

        def bare_step() -> None:
            with autocast(device, amp):
                loss = bare(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        matmul = matmul_call(torch.bfloat16 if amp == torch.bfloat16 else torch.float32)
        steps = {"trainer": trainer.train_step, "bare": bare_step, "matmul": matmul}
        times = interleaved(steps, rounds=rounds)
    per_step = BATCH * SEQ
    trainer_tps, bare_tps = per_step / times["trainer"], per_step / times["bare"]
    peak = MATMULS_PER_CALL * 2 * MATMUL_N**3 / times["matmul"]
    mfu = trainer_tps * lstm_training_flops_per_token() / peak
    precision = "bf16 autocast" if amp == torch.bfloat16 else str(amp or "fp32")
    print(
        f"Training throughput, {LAYERS}x{HIDDEN} char LSTM, batch {BATCH}, seq {SEQ}, {precision}, {device}"
    )
    row("trainer tokens/s", f"{trainer_tps:,.0f}")
    row("bare nn.LSTM + AdamW loop tokens/s", f"{bare_tps:,.0f}")
    row("ratio trainer / bare", f"{trainer_tps / bare_tps:.3f}", "target >= 0.95")
    row("machine matmul GFLOP/s (2048^2, same precision)", f"{peak / 1e9:,.0f}")
    row("model FLOP utilisation", f"{100 * mfu:.1f} %", "target >= 65 %")
    return {
        "trainer_tokens_per_s": trainer_tps,
        "bare_tokens_per_s": bare_tps,
        "ratio": trainer_tps / bare_tps,
        "mfu": mfu,
    }
