"""Helpers shared by the benchmarks: timing, data and printing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from lstm_core.hardware import cpu_model, cpu_supports_bf16

# Beside the repository, unless LSTM_STUDIO_SHAKESPEARE names the file.
_BESIDE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"
SHAKESPEARE = Path(os.environ.get("LSTM_STUDIO_SHAKESPEARE", _BESIDE))


def time_per_call(fn: Callable[[], object], *, repeats: int, warmup: int = 2) -> float:
    """Median seconds per call of fn after warmup calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def interleaved(fns: dict[str, Callable[[], object]], *, rounds: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds per call for each fn, measured in alternation so that noise from a
    shared machine falls on all of them alike."""
    return interleaved_clocks(fns, rounds=rounds, warmup=warmup)[0]


def interleaved_clocks(
    fns: dict[str, Callable[[], object]], *, rounds: int, warmup: int = 2
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall-clock and median CPU seconds (this process, all threads) per call.

    On a machine other programs share, wall-clock time also counts the time the cores
    were busy elsewhere; CPU time counts only the work done, which is what a comparison of
    two loops doing the same kernels wants to see."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    median = statistics.median
    return {n: median(s) for n, s in wall.items()}, {n: median(s) for n, s in cpu.items()}


def synchronize(device: torch.device) -> None:
    """Wait for a GPU's queued kernels, so that a timing counts the work, not its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def row(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>22}   {target}", flush=True)


def hardware_line() -> str:
    """Which class of machine a figure belongs to: the CPU, whether it has native bf16, threads."""
    bf16 = "native bf16" if cpu_supports_bf16() else "no native bf16 (training runs float32)"
    return f"{cpu_model()}, {bf16}, {torch.get_num_threads()} threads, torch {torch.__version__}"
