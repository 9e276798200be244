"""Launch-to-window time: from starting the program to its main window first shown,
readable and taking typing, and on to its engine (torch, every panel) ready.

    python -m benchmarks.startup_time                                  # from source
    python -m benchmarks.startup_time --exe dist/lstm-studio/lstm-studio   # the frozen bundle

Each run starts the program offscreen with LSTM_STUDIO_EXIT_AFTER_SHOW=1 (handled in
scripts/lstm_studio_entry.py): the program prints the wall-clock time at which the event
loop first turned with the window shown, then the time its engine was ready (torch, the
plots and every panel built, the default models loaded), then quits. Each figure is that
time minus the moment just before the process was spawned, so it includes the bootloader
and the imports. The window comes first; torch loads behind it on a background thread.

``python -c "import torch"`` is timed in the same run, launch for launch: on a shared or
slow machine the ratio to it says more than the seconds (the target assumes torch imports
in about 2.4 s, as on a 2-core Zen 3 laptop CPU). The first run is reported apart: it is
the one with a cold file cache. Standard library only, so it runs with any Python next to a bundle.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "scripts" / "lstm_studio_entry.py"
PROBE_ENV = "LSTM_STUDIO_EXIT_AFTER_SHOW"
PROBE_PREFIX = "startup-probe: window shown at"
READY_PREFIX = "startup-probe: engine ready at"
STALL_PREFIX = "startup-probe: longest stall while loading"
TARGET_S = 1.5  # to a window a person can read and type into


def _stamp(lines: list[str], prefix: str) -> float | None:
    found = [line.removeprefix(prefix).split()[0] for line in lines if line.startswith(prefix)]
    return float(found[0]) if found else None


def import_torch_once(python: str, *, timeout: float) -> float:
    """Seconds for a fresh ``python -c "import torch"``: the yardstick for this machine now."""
    start = time.time()
    subprocess.run([python, "-c", "import torch"], check=True, timeout=timeout, capture_output=True)
    return time.time() - start


def launch_once(command: list[str], *, timeout: float) -> tuple[float, float, float, float]:
    """(seconds to window shown, to engine ready, to process exit; longest stall in ms)."""
    with tempfile.TemporaryDirectory(prefix="lstm-studio-startup-") as data_dir:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", PROBE_ENV: "1"}
        start = time.time()
        proc = subprocess.run(
            [*command, "--data-dir", data_dir],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        ended = time.time() - start
    lines = proc.stdout.splitlines()
    shown, ready, stall = (_stamp(lines, p) for p in (PROBE_PREFIX, READY_PREFIX, STALL_PREFIX))
    if proc.returncode != 0 or shown is None or ready is None:
        raise RuntimeError(
            f"{' '.join(command)} exited {proc.returncode} without showing the window and its engine:\n"
            f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return shown - start, ready - start, ended, stall or 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.startup_time", description=__doc__.split(".")[0]
    )
    parser.add_argument("--exe", type=Path, help="the bundle's executable (default: run from source)")
    parser.add_argument("--runs", type=int, default=5, help="launches after the first (cold) one")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a launch counts as hung")
    parser.add_argument(
        "--fail-above", type=float, metavar="S", help="exit 1 when the warm median exceeds S seconds"
    )
    args = parser.parse_args(argv)
    command = [str(args.exe)] if args.exe else [sys.executable, str(ENTRY)]

    cold = launch_once(command, timeout=args.timeout)
    warm, torch_s = [], []
    for _ in range(args.runs):  # interleaved: both see the same load on the machine
        torch_s.append(import_torch_once(sys.executable, timeout=args.timeout))
        warm.append(launch_once(command, timeout=args.timeout))
    runs = warm or [cold]
    shown = statistics.median(r[0] for r in runs)
    ready = statistics.median(r[1] for r in runs)
    stall = statistics.median(r[3] for r in runs)
    what = args.exe or "source (python scripts/lstm_studio_entry.py)"
    print(f"launch, {what}, offscreen:")
    print(f"  first (cold cache): window {cold[0]:.2f} s, engine ready {cold[1]:.2f} s")
    if warm:
        torch_median = statistics.median(torch_s)
        print(f"  warm, median of {len(warm)} runs:")
        print(f"    python -c 'import torch'   {torch_median:.2f} s")
        print(
            f"    window shown, readable      {shown:.2f} s = {shown / torch_median:.2f} x import torch"
            f"   (target <= {TARGET_S:.1f} s, about {TARGET_S / 2.4:.2f} x import torch)"
        )
        print(f"    engine ready                {ready:.2f} s = {ready / torch_median:.2f} x import torch")
        print(f"    longest event-loop stall while the engine loads: {stall:.0f} ms")
    if args.fail_above is not None and shown > args.fail_above:
        print(f"startup_time: median {shown:.2f} s is above {args.fail_above:.2f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
