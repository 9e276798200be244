"""The longest event-loop stall of the window during a short training run.

A 5 ms QTimer records the gap between its ticks while the dashboard trains
(offscreen); a gap much longer than 5 ms is time the window could not react.
Target: the longest stall at or below 50 ms.

    python benchmarks/gui_stall.py [--hidden 256] [--steps 150]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training.cpu_runtime import configure_cpu_runtime

configure_cpu_runtime()  # as the app does, before torch loads

import torch  # noqa: F401  (before PySide6, as the app does)
from PySide6.QtCore import Qt, QTimer

from app import resources
from app.launch import make_application
from app.main_window import MainWindow
from app.wait_for_signal import wait_for
from training.tiny import write_fallback_corpus

TARGET_MS = 50.0


class StallMeter:
    def __init__(self, interval_ms: int = 5) -> None:
        self.gaps_ms: list[float] = []
        self.when: list[float] = []
        self._last: float | None = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps_ms.append((now - self._last) * 1000)
            self.when.append(now)
        self._last = now

    def start(self) -> None:
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--corpus", help="a text file (default: the demo corpus, else a generated one)")
    args = parser.parse_args()

    app = make_application(["gui_stall"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(args.corpus) if args.corpus else resources.demo_corpus()
        corpus = corpus or write_fallback_corpus(Path(tmp) / "corpus.txt", repeats=200)
        window = MainWindow(data_dir=Path(tmp) / "data", load_defaults=False)
        window.resize(1500, 950)
        window.show()
        wait_for(window.corpus.loaded, 60, start=lambda: window.open_corpus([str(corpus)]))
        window.dashboard.options.set_tiny(hidden=args.hidden, steps=args.steps, seq_len=64, batch=16)
        meter = StallMeter()
        meter.start()
        started = time.perf_counter()
        (results,) = wait_for(window.training.finished, 600, start=window.dashboard.start)
        seconds = time.perf_counter() - started
        meter.stop()
        window.close()
    gaps = sorted(meter.gaps_ms)
    worst = gaps[-1] if gaps else float("nan")
    p99 = gaps[int(0.99 * (len(gaps) - 1))] if gaps else float("nan")
    steps = sum(r.steps for r in results)
    print(
        f"training {steps} steps (LSTM + RNN, hidden {args.hidden}) in {seconds:.1f} s; "
        f"{len(gaps)} ticks; median gap {statistics.median(gaps):.1f} ms, p99 {p99:.1f} ms, "
        f"longest stall {worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms): "
        f"{'ok' if worst <= TARGET_MS else 'OVER'}"
    )
    del app
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
