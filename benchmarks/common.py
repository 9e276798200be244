"""Helpers shared by the benchmarks: timing, data and printing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

SHAKESPEARE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"


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
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def row(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>22}   {target}", flush=True)
