"""Trainer tokens/s against a bare nn.LSTM loop of the same configuration, at a small and a
large shape, and the model FLOP utilisation against this machine's own matrix-multiply
throughput.

On a GPU the trainer is measured three ways beside the bare loop, in alternation: its steps
launched eagerly, its whole step replayed from a CUDA graph (what training does there,
``training.loop.graph_step``), and its model under ``torch.compile(mode="reduce-overhead")``
with eager optimizer steps."""

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
from training.common.events import Event, NoteEvent, ignore_events
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
# torch.compile is timed where launches bound the step: compiling takes tens of seconds a
# shape, and the large shape's step is its matrix products, whoever launches them.
COMPILED_SHAPES = CUDA_SHAPES[:2]


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


class MarkedSteps(nn.Module):
    """The compiled model, each call marked as a new training step for torch.compile's CUDA
    graphs, so that they may reuse the previous step's outputs (the loss is read by then)."""

    def __init__(self, compiled: Callable[..., object]) -> None:
        super().__init__()
        self.compiled = compiled

    def forward(self, *args: object) -> object:
        torch.compiler.cudagraph_mark_step_begin()
        return self.compiled(*args)


def _trainer(
    shape: Shape,
    device: torch.device,
    precision: str,
    out: Path,
    on_event: Callable[[Event], None] = ignore_events,
) -> Trainer:
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
        on_event=on_event,
    )


def _stepping(trainer: Trainer, per_call: int, device: torch.device) -> Callable[[], None]:
    def steps() -> None:
        for _ in range(per_call):
            trainer.train_step()
        synchronize(device)

    return steps


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:90]


def _gpu_variants(
    shape: Shape, device: torch.device, precision: str, out: Path, per_call: int
) -> tuple[dict[str, Trainer], dict[str, Callable[[], None]], dict[str, str]]:
    """The trainer with its step in a CUDA graph, and with its model compiled: (trainers,
    their timed calls, why a variant is missing). Each runs one call first, untimed: the
    graph's warm-up steps and capture, or the compilation. A variant that fails there is a
    row saying so, not the end of the benchmark."""
    trainers: dict[str, Trainer] = {}
    failed: dict[str, str] = {}
    notes: list[str] = []
    graphed = _trainer(shape, device, precision, out / "graph", on_event=_collect_notes(notes))
    if graphed.graph_step is None:
        failed["graph"] = "not used: this run is not eligible (see training.loop.graph_step)"
    else:
        _stepping(graphed, per_call, device)()
        if graphed.graph_step is None:
            failed["graph"] = f"capture failed: {notes[-1] if notes else 'no reason given'}"
        else:
            trainers["graph"] = graphed
    if shape in COMPILED_SHAPES:
        compiled = _trainer(shape, device, precision, out / "compiled")
        compiled.graph_step = None  # the model's graphs are torch.compile's own here
        try:
            compiled.step_model = MarkedSteps(torch.compile(compiled.model, mode="reduce-overhead"))
            _stepping(compiled, per_call, device)()
            trainers["compiled"] = compiled
        except Exception as err:  # a compiler's failure is a figure of its own
            failed["compiled"] = f"failed: {type(err).__name__}: {_first_line(err)}"
    else:
        failed["compiled"] = "not measured at this shape (bound by its matrix products)"
    steps = {name: _stepping(trainer, per_call, device) for name, trainer in trainers.items()}
    return trainers, steps, failed


def _collect_notes(notes: list[str]) -> Callable[[Event], None]:
    def on_event(event: Event) -> None:
        if isinstance(event, NoteEvent):
            notes.append(event.message)

    return on_event


def measure(
    shape: Shape, device: torch.device, precision: str, rounds: int
) -> tuple[dict[str, float], dict[str, str]]:
    """(figures, why a GPU variant has none)."""
    amp = autocast_dtype(device, precision)
    # On a GPU one call is a block of steps ended by a synchronisation, so that queued
    # kernels are counted where they run and the trainer's periodic read-back is included.
    per_call = 32 if device.type == "cuda" else 1
    with TemporaryDirectory() as tmp:
        trainer = _trainer(shape, device, precision, Path(tmp) / "eager")
        trainer.graph_step = None  # steps launched one kernel at a time, as before graphs
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

        matmul = matmul_call(torch.float32 if amp is None else amp, device)
        flops = matmul()
        trainers, steps, failed = {"trainer": trainer}, {}, {}
        if device.type == "cuda":
            variants, steps, failed = _gpu_variants(shape, device, precision, Path(tmp), per_call)
            trainers.update(variants)
        steps = {
            "trainer": _stepping(trainer, per_call, device),
            "bare": bare_steps,
            "matmul": matmul,
            **steps,
        }
        times, cpu_times = interleaved_clocks(steps, rounds=rounds)
        for each in trainers.values():
            each.flush()
        if "compiled" in trainers:
            torch.compiler.reset()  # its graphs and their memory go with this shape
    tokens = shape.batch * shape.seq * per_call
    trainer_tps, bare_tps = tokens / times["trainer"], tokens / times["bare"]
    peak = flops / times["matmul"]
    # Utilisation of the trainer as a run uses it: with its CUDA graph where it has one.
    used_tps = tokens / times["graph"] if "graph" in times else trainer_tps
    result = {
        "trainer_tokens_per_s": trainer_tps,
        "bare_tokens_per_s": bare_tps,
        "ratio": trainer_tps / bare_tps,
        "cpu_time_ratio": cpu_times["bare"] / cpu_times["trainer"],
        "peak_flops": peak,
        "mfu": used_tps * training_flops_per_token(shape) / peak,
    }
    for name in ("graph", "compiled"):
        if name in times:
            result[f"{name}_tokens_per_s"] = tokens / times[name]
            result[f"{name}_ratio"] = tokens / times[name] / bare_tps
    return result, failed


def run(device: torch.device, precision: str = "auto", rounds: int = 12) -> list[dict[str, float]]:
    amp = autocast_dtype(device, precision)
    label = {torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast"}.get(amp, "fp32")
    bare_kind = "cuDNN nn.LSTM" if device.type == "cuda" else "nn.LSTM"
    results = []
    on_gpu = device.type == "cuda"
    trainer_label = "trainer, eager steps" if on_gpu else "trainer"
    for shape in CUDA_SHAPES if on_gpu else CPU_SHAPES:
        result, failed = measure(shape, device, precision, rounds)
        print(f"Training throughput, {shape.describe()}, {label}, {device}")
        row(f"{trainer_label} tokens/s", f"{result['trainer_tokens_per_s']:,.0f}")
        row(f"bare {bare_kind} + AdamW loop tokens/s", f"{result['bare_tokens_per_s']:,.0f}")
        row(
            f"ratio {trainer_label} / bare (wall clock)",
            f"{result['ratio']:.3f}",
            "" if on_gpu else "target >= 0.95",
        )
        if on_gpu:
            _variant_rows(result, failed)
        else:  # a GPU step's CPU time is its launches, not its work
            row("ratio trainer / bare (CPU time of this process)", f"{result['cpu_time_ratio']:.3f}")
        row("machine matmul GFLOP/s (same precision)", f"{result['peak_flops'] / 1e9:,.0f}")
        row("model FLOP utilisation", f"{100 * result['mfu']:.1f} %")
        results.append(result)
    return results


# Per variant: (what it is, its short name in the ratio's row, the target).
VARIANTS = {
    "graph": ("trainer, step replayed from a CUDA graph", "trainer, CUDA graph", "target >= 0.95"),
    "compiled": ('trainer, torch.compile "reduce-overhead"', "trainer, torch.compile", ""),
}


def _variant_rows(result: dict[str, float], failed: dict[str, str]) -> None:
    for name, (label, short, target) in VARIANTS.items():
        if name in failed:
            row(label, "-", failed[name])
            continue
        row(f"{label} tokens/s", f"{result[f'{name}_tokens_per_s']:,.0f}")
        row(f"ratio {short} / bare (wall clock)", f"{result[f'{name}_ratio']:.3f}", target)
