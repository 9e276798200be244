"""Launch-to-window time: from starting the program to its main window first shown,
readable and taking typing, and on to its engine (torch, every panel) ready.

    python -m benchmarks.startup_time                                  # from source
    python -m benchmarks.startup_time --exe dist/lstm-studio/lstm-studio   # the frozen bundle
    python -m benchmarks.startup_time --loaded --x11                   # + a training beside it, + Xvfb

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

``--loaded`` measures again with one ``lstm-studio train`` running beside the launches (the
case of a person who starts the window while a run trains); ``import torch`` is timed beside
the same training, so the ratio compares like with like. ``--x11`` measures under a real X
server as well: the one in $DISPLAY, else a fresh Xvfb with openbox when they are installed.
The engine-ready target is the same in every case: at most 2× ``import torch`` measured beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.startup_beside import training_beside, x_server

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "scripts" / "lstm_studio_entry.py"
PROBE_ENV = "LSTM_STUDIO_EXIT_AFTER_SHOW"
PROBE_PREFIX = "startup-probe: window shown at"
READY_PREFIX = "startup-probe: engine ready at"
STALL_PREFIX = "startup-probe: longest stall while loading"
TARGET_S = 1.5  # to a window a person can read and type into
READY_TARGET = 2.0  # engine ready, in units of a plain `import torch` timed in the same conditions


def _stamp(lines: list[str], prefix: str) -> float | None:
    found = [line.removeprefix(prefix).split()[0] for line in lines if line.startswith(prefix)]
    return float(found[0]) if found else None


def import_torch_once(python: str, *, timeout: float) -> float:
    """Seconds for a fresh ``python -c "import torch"``: the yardstick for this machine now."""
    start = time.time()
    subprocess.run([python, "-c", "import torch"], check=True, timeout=timeout, capture_output=True)
    return time.time() - start


def launch_once(
    command: list[str], *, timeout: float, display: str | None = None
) -> tuple[float, float, float, float]:
    """(seconds to window shown, to engine ready, to process exit; longest stall in ms);
    offscreen, or on the X server ``display`` names."""
    with tempfile.TemporaryDirectory(prefix="lstm-studio-startup-") as data_dir:
        platform = (
            {"QT_QPA_PLATFORM": "offscreen"}
            if display is None
            else {"QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
        )
        env = {**os.environ, **platform, PROBE_ENV: "1"}
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


def measure(
    command: list[str], python: str, *, runs: int, timeout: float, display: str | None
) -> tuple[tuple[float, float, float, float], list[tuple[float, float, float, float]], list[float]]:
    """The first launch, then ``runs`` launches each beside an ``import torch``."""
    cold = launch_once(command, timeout=timeout, display=display)
    warm, torch_s = [], []
    for _ in range(runs):  # interleaved: both see the same load on the machine
        torch_s.append(import_torch_once(python, timeout=timeout))
        warm.append(launch_once(command, timeout=timeout, display=display))
    return cold, warm, torch_s


def report(what: str, cold: tuple[float, ...], warm: list[tuple[float, ...]], torch_s: list[float]) -> bool:
    """Print one case; True when the engine was ready within READY_TARGET × import torch."""
    runs = warm or [cold]
    shown = statistics.median(r[0] for r in runs)
    ready = statistics.median(r[1] for r in runs)
    stall = statistics.median(r[3] for r in runs)
    print(f"launch, {what}:")
    print(f"  first (cold cache): window {cold[0]:.2f} s, engine ready {cold[1]:.2f} s")
    if not warm:
        return True
    torch_median = statistics.median(torch_s)
    ratio = ready / torch_median
    print(f"  warm, median of {len(warm)} runs:")
    print(f"    python -c 'import torch'   {torch_median:.2f} s")
    print(
        f"    window shown, readable      {shown:.2f} s = {shown / torch_median:.2f} x import torch"
        f"   (target <= {TARGET_S:.1f} s, about {TARGET_S / 2.4:.2f} x import torch)"
    )
    met = "met" if ratio <= READY_TARGET else "NOT met"
    print(
        f"    engine ready                {ready:.2f} s = {ratio:.2f} x import torch"
        f"   (target <= {READY_TARGET:.1f} x: {met})"
    )
    print(f"    longest event-loop stall while the engine loads: {stall:.0f} ms")
    return ratio <= READY_TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.startup_time", description=__doc__.split(".")[0]
    )
    parser.add_argument("--exe", type=Path, help="the bundle's executable (default: run from source)")
    parser.add_argument("--runs", type=int, default=5, help="launches after the first (cold) one")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a launch counts as hung")
    parser.add_argument("--loaded", action="store_true", help="also with one training process running beside")
    parser.add_argument("--x11", action="store_true", help="also under a real X server ($DISPLAY or Xvfb)")
    parser.add_argument(
        "--fail-above", type=float, metavar="S", help="exit 1 when the warm median exceeds S seconds"
    )
    args = parser.parse_args(argv)
    command = [str(args.exe)] if args.exe else [sys.executable, str(ENTRY)]
    what = args.exe or "source (python scripts/lstm_studio_entry.py)"
    displays: list[tuple[str, str | None]] = [("offscreen", None)]
    with contextlib.ExitStack() as stack:
        if args.x11:
            display = stack.enter_context(x_server())
            if display is None:
                print("launch under X: skipped (no $DISPLAY, and Xvfb or openbox is not installed)")
            else:
                displays.append((f"X server {display}", display))
        cases = [(name, display, False) for name, display in displays]
        if args.loaded:
            cases += [(name, display, True) for name, display in displays]
        all_met, first_shown = True, None
        for name, display, loaded in cases:
            with training_beside() if loaded else contextlib.nullcontext():
                cold, warm, torch_s = measure(
                    command, sys.executable, runs=args.runs, timeout=args.timeout, display=display
                )
            beside = ", one training process beside it" if loaded else ", quiet"
            all_met &= report(f"{what}, {name}{beside}", cold, warm, torch_s)
            if first_shown is None:
                first_shown = statistics.median(r[0] for r in (warm or [cold]))
    print(
        f"engine ready <= {READY_TARGET:.1f} x import torch in every case: {'met' if all_met else 'NOT met'}"
    )
    if args.fail_above is not None and first_shown is not None and first_shown > args.fail_above:
        print(f"startup_time: median {first_shown:.2f} s is above {args.fail_above:.2f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
