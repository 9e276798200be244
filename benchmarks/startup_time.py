"""Launch-to-window time: from starting the program to its main window first shown.

    python -m benchmarks.startup_time                                  # from source
    python -m benchmarks.startup_time --exe dist/lstm-studio/lstm-studio   # the frozen bundle

Each run starts the program offscreen with LSTM_STUDIO_EXIT_AFTER_SHOW=1 (handled in
scripts/lstm_studio_entry.py): the program prints the wall-clock time at which the event
loop first turned with the window shown, then quits. The figure is that time minus the
moment just before the process was spawned, so it includes the bootloader, imports
(torch, Qt, pyqtgraph), building the window and loading the default models.
The first run is reported apart: it is the one with a cold file cache.
Standard library only, so it runs with any Python next to a bundle.
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
TARGET_S = 3.0


def launch_once(command: list[str], *, timeout: float) -> tuple[float, float]:
    """(seconds to window shown, seconds to process exit) for one launch."""
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
    shown = [line for line in proc.stdout.splitlines() if line.startswith(PROBE_PREFIX)]
    if proc.returncode != 0 or not shown:
        raise RuntimeError(
            f"{' '.join(command)} exited {proc.returncode} without showing the window:\n"
            f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return float(shown[0].removeprefix(PROBE_PREFIX)) - start, ended


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

    cold_shown, cold_exit = launch_once(command, timeout=args.timeout)
    warm = [launch_once(command, timeout=args.timeout) for _ in range(args.runs)]
    shown = [s for s, _ in warm] or [cold_shown]
    median = statistics.median(shown)
    what = args.exe or "source (python scripts/lstm_studio_entry.py)"
    print(f"launch to window shown, {what}, offscreen:")
    print(f"  first (cold cache): {cold_shown:.2f} s   (process exit {cold_exit:.2f} s)")
    if warm:
        print(
            f"  warm, {len(warm)} runs: median {median:.2f} s, best {min(shown):.2f} s, "
            f"worst {max(shown):.2f} s   (target <= {TARGET_S:.0f} s)"
        )
    if args.fail_above is not None and median > args.fail_above:
        print(f"startup_time: median {median:.2f} s is above {args.fail_above:.2f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
