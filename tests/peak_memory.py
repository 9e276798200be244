"""Code run in a process of its own, with the most memory that process held.

The peak is the kernel's high-water mark of the process's own memory (VmHWM), which starts
afresh when the process starts. ``ru_maxrss`` does not: Linux carries it over from the
process that started it, so under a full test run every child "peaked" at pytest's size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PEAK_KB = "int(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')))"


def run_with_peak(code: str, *, timeout: float = 60) -> tuple[dict, float]:
    """Run ``code`` (which sets ``result``, a JSON-able value) in a fresh process: (result,
    peak resident memory in MB)."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("the peak memory of a process is read from /proc (Linux)")
    script = f"{code}\nimport json\nprint(json.dumps({{'result': result, 'peak_kb': {PEAK_KB}}}))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["result"], report["peak_kb"] / 1024


def cli_peak(args: list[str], *, timeout: float = 60) -> tuple[int, float]:
    """(exit code, peak resident memory in MB) of ``lstm-studio ARGS`` in a fresh process."""
    code, peak = run_with_peak(f"from training.cli import main\nresult = main({args!r})", timeout=timeout)
    return int(code), peak
