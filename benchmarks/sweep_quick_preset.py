"""Wall-clock-budgeted char-LSTM trainer used to pick the "Quick preset".

Trains one config for a fixed number of seconds on a CPU and prints one JSON
line (config, steps, tokens/s, final validation loss in nats/char).  With
``--throughput`` it instead measures LSTM training tokens/s (fp32 vs bf16),
2048x2048 matmul GFLOP/s and the resulting model FLOP utilisation.

Self-contained on purpose (bare PyTorch + numpy) so results do not depend on
the rest of the project.  See benchmarks/SWEEP.md for the recorded sweep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from benchmarks.common import SHAKESPEARE

DEFAULT_DATA = str(SHAKESPEARE)  # ../shared/data beside the repository


class CharLSTM(nn.Module):
    def __init__(
        self,
        vocab: int,
        embed: int,
        hidden: int,
        layers: int,
        dropout: float,
        tie: bool,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        # nn.LSTM applies `dropout` only between stacked layers.
        self.lstm = nn.LSTM(
            embed,
            hidden,
            num_layers=layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab)
        if tie:
            if embed != hidden:
                raise ValueError("weight tying needs embed == hidden")
            self.head.weight = self.embed.weight

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        out, state = self.lstm(self.embed(x), state)
        return self.head(self.drop(out)), state


def load_data(path: str) -> tuple[np.ndarray, np.ndarray, int]:
    text = Path(path).read_text(encoding="utf-8")
    chars = sorted(set(text))
    lut = {c: i for i, c in enumerate(chars)}
    ids = np.fromiter((lut[c] for c in text), dtype=np.int64, count=len(text))
    split = int(len(ids) * 0.9)  # train = first 90%, val = last 10%
    return ids[:split], ids[split:], len(chars)


def streams(ids: np.ndarray, batch: int) -> torch.Tensor:
    """Lay the text out as `batch` contiguous streams: a (batch, N) tensor."""
    n = len(ids) // batch
    return torch.from_numpy(ids[: n * batch].reshape(batch, n).copy())


def make_optimizer(model: nn.Module, lr: float, wd: float) -> torch.optim.Optimizer:
    # Decay only matrices inside LSTM/head; biases and embeddings are left
    # alone (decaying a char embedding just shrinks rarely-seen rows).
    emb = {id(p) for p in model.embed.parameters()}
    decay, no_decay = [], []
    for p in model.parameters():
        if p.dim() >= 2 and id(p) not in emb:
            decay.append(p)
        else:
            no_decay.append(p)
    groups = [
        {"params": decay, "weight_decay": wd},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99), fused=False)


def lr_at(progress: float, peak: float, warmup: float, floor: float) -> float:
    """Linear warm-up then cosine to `floor*peak`; progress in [0, 1] of time."""
    if progress < warmup:
        return peak * max(progress / warmup, 0.02)
    t = min((progress - warmup) / max(1.0 - warmup, 1e-9), 1.0)
    return peak * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * t)))


def autocast(bf16: bool) -> contextlib.AbstractContextManager[object]:
    if bf16:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def evaluate(
    model: CharLSTM,
    val: np.ndarray,
    bf16: bool,
    batch: int = 16,
    seq: int = 256,
) -> float:
    """Mean NLL (nats/char) over the whole val split, batched and stateful."""
    model.eval()
    ids = torch.from_numpy(val)
    n = (len(val) - 1) // batch
    # Each stream predicts n targets; the leftover (< batch) chars at the
    # end are scored by a final batch-of-one pass so every char counts.
    x_all = ids[: n * batch].reshape(batch, n)
    y_all = ids[1 : n * batch + 1].reshape(batch, n)
    total, count = 0.0, 0
    state = None
    for i in range(0, n, seq):
        x, y = x_all[:, i : i + seq], y_all[:, i : i + seq]
        with autocast(bf16):
            logits, state = model(x, state)
        total += nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)),
            y.reshape(-1),
            reduction="sum",
        ).item()
        count += y.numel()
    tail_x = ids[n * batch : len(val) - 1]
    if len(tail_x):
        # Warm the tail's state on the preceding chars of the last stream.
        ctx = ids[max(0, n * batch - seq) : len(val) - 1].unsqueeze(0)
        with autocast(bf16):
            logits, _ = model(ctx, None)
        k = len(tail_x)
        total += nn.functional.cross_entropy(
            logits.float()[0, -k:],
            ids[n * batch + 1 : len(val)],
            reduction="sum",
        ).item()
        count += k
    model.train()
    return total / count


def train(args: argparse.Namespace) -> dict[str, object]:
    torch.manual_seed(args.seed)
    train_ids, val_ids, vocab = load_data(args.data)
    data = streams(train_ids, args.batch)
    embed = args.embed or args.hidden
    model = CharLSTM(vocab, embed, args.hidden, args.layers, args.dropout, args.tie)
    opt = make_optimizer(model, args.lr, args.wd)
    n_params = sum(p.numel() for p in model.parameters())

    b, t = args.batch, args.seq
    cols = data.size(1) - 1
    pos, steps, state = 0, 0, None
    # Clock starts only now: data loading and model build are excluded.
    start = time.perf_counter()
    cpu0 = time.process_time()
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= args.budget:
            break
        lr = lr_at(elapsed / args.budget, args.lr, args.warmup, args.lr_floor)
        for g in opt.param_groups:
            g["lr"] = lr
        if pos + t > cols:  # wrap: restart streams and their state
            pos, state = 0, None
        x = data[:, pos : pos + t]
        y = data[:, pos + 1 : pos + t + 1]
        pos += t
        if state is not None:
            # Truncated BPTT: keep the values, cut the graph.
            state = (state[0].detach(), state[1].detach())
        with autocast(args.bf16):
            logits, state = model(x, state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, vocab).float(), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        steps += 1
    train_time = time.perf_counter() - start
    # CPU-seconds per wall-second (2.0 = both cores ours): flags runs that
    # were slowed by other jobs on this shared machine.
    cpu_util = (time.process_time() - cpu0) / train_time
    t0 = time.perf_counter()
    val_loss = evaluate(model, val_ids, args.bf16)
    return {
        "config": {
            "layers": args.layers,
            "hidden": args.hidden,
            "embed": embed,
            "seq": t,
            "batch": b,
            "lr": args.lr,
            "warmup": args.warmup,
            "lr_floor": args.lr_floor,
            "wd": args.wd,
            "dropout": args.dropout,
            "tie": args.tie,
            "bf16": args.bf16,
            "budget": args.budget,
            "seed": args.seed,
        },
        "params": n_params,
        "steps": steps,
        "train_s": round(train_time, 1),
        "tokens_per_s": round(steps * b * t / train_time),
        "epochs": round(steps * b * t / len(train_ids), 2),
        "last_train_loss": round(loss.item(), 4),
        "val_loss": round(val_loss, 4),
        "cpu_util": round(cpu_util, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "eval_s": round(time.perf_counter() - t0, 1),
    }


def matmul_gflops(dtype: torch.dtype, n: int = 2048, secs: float = 3.0) -> float:
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    for _ in range(3):
        a @ b  # warm-up: oneDNN/MKL kernel selection
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < secs:
        a @ b
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


def throughput() -> dict[str, object]:
    vocab, b, t, layers, hidden = 65, 64, 128, 2, 512
    out: dict[str, object] = {
        "model": f"{layers}x{hidden} char LSTM, batch {b}, seq {t}",
    }
    # Matmul params (used once per token): LSTM W_ih + W_hh, head; embedding
    # is a lookup, biases/elementwise gates ignored.
    lstm_mm = sum(4 * hidden * (hidden + hidden) for _ in range(layers))
    mm_params = lstm_mm + hidden * vocab
    flops_per_token = 6 * mm_params  # 2 (MAC) x 3 (fwd + 2x bwd)
    out["matmul_params"] = mm_params
    out["train_flops_per_token"] = flops_per_token
    for name, dt in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        out[f"matmul_2048_gflops_{name}"] = round(matmul_gflops(dt), 1)
    for bf16 in (False, True):
        torch.manual_seed(0)
        model = CharLSTM(vocab, hidden, hidden, layers, 0.0, False)
        opt = make_optimizer(model, 3e-3, 0.0)
        x = torch.randint(0, vocab, (b, t))
        y = torch.randint(0, vocab, (b, t))
        state = None
        tok, start, steps = 0, 0.0, 0
        for i in range(3 + 10_000):
            if i == 3:  # first steps are warm-up (allocator, kernels)
                start = time.perf_counter()
            if i >= 3 and time.perf_counter() - start > 15:
                break
            if state is not None:
                state = (state[0].detach(), state[1].detach())
            with autocast(bf16):
                logits, state = model(x, state)
                loss = nn.functional.cross_entropy(logits.reshape(-1, vocab).float(), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if i >= 3:
                steps += 1
                tok += b * t
        tps = tok / (time.perf_counter() - start)
        name = "bf16" if bf16 else "fp32"
        out[f"tokens_per_s_{name}"] = round(tps)
        out[f"achieved_gflops_{name}"] = round(tps * flops_per_token / 1e9, 1)
    peak = float(out["matmul_2048_gflops_bf16"])  # type: ignore[arg-type]
    for name in ("fp32", "bf16"):
        ach = float(out[f"achieved_gflops_{name}"])  # type: ignore[arg-type]
        out[f"mfu_vs_bf16_matmul_{name}"] = round(ach / peak, 3)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--budget", type=float, default=90.0, help="train seconds")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--embed", type=int, default=0, help="0 = same as hidden")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=float, default=0.03, help="warm-up as a fraction of the time budget")
    p.add_argument("--lr-floor", type=float, default=0.05, help="final LR as a fraction of peak")
    p.add_argument("--wd", type=float, default=0.01)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--tie", action="store_true")
    p.add_argument("--fp32", dest="bf16", action="store_false")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--throughput", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    result = throughput() if args.throughput else train(args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
