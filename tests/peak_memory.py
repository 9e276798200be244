"""A CLI command run in a process of its own, with the most memory it held."""

from __future__ import annotations

import json
import subprocess
import sys


def cli_peak(args: list[str], *, timeout: float = 60) -> tuple[int, float]:
    """(exit code, peak resident memory in MB) of ``lstm-studio ARGS`` in a fresh process."""
    script = (
        "import json, resource, sys\n"
        "from training.cli import main\n"
        f"code = main({args!r})\n"
        "print(json.dumps({'code': code, 'peak_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return int(report["code"]), report["peak_kb"] / 1024
