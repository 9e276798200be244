from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# LSTM training steps on a worker thread, as the window's trainer runs them; the gate
# activations (134 MB here) are above glibc's mmap ceiling. Prints the page faults that
# steps 3 to 6 cost, once the heap has grown to its working size.
FAULTS_SCRIPT = """
import resource, sys, threading
if sys.argv[1] == "tuned":
    from training.runtime.cpu_runtime import configure_cpu_runtime
    print(",".join(configure_cpu_runtime()))
else:
    print("untuned")
import torch

lstm = torch.nn.LSTM(32, 256)
x = torch.randn(512, 64, 32)

def work():
    for step in range(6):
        if step == 2:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        out, _ = lstm(x)
        out.sum().backward()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)

thread = threading.Thread(target=work)
thread.start()
thread.join()
"""

CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("MALLOC_", "GOMP_", "OMP_WAIT_POLICY", "GLIBC_TUNABLES"))
}


def _run(mode: str) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", FAULTS_SCRIPT, mode],
        capture_output=True,
        text=True,
        timeout=300,
        env=CLEAN_ENV,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert out.returncode == 0, out.stderr
    applied, faults = out.stdout.split()
    return applied, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator settings")
def test_freed_training_memory_is_reused_without_page_faults() -> None:
    applied, tuned = _run("tuned")
    assert applied == "openmp-spin,malloc"
    _, untuned = _run("untuned")
    gate_pages = 512 * 64 * 4 * 256 * 4 // 4096
    assert untuned > 4 * gate_pages  # without the settings every step faults its pages in again
    assert tuned < untuned // 20


def test_settings_a_person_made_win() -> None:
    code = (
        "import os\n"
        "from training.runtime.cpu_runtime import configure_cpu_runtime\n"
        "applied = configure_cpu_runtime()\n"
        "print('openmp-spin' in applied, os.environ.get('GOMP_SPINCOUNT'))\n"
    )
    env = dict(CLEAN_ENV, OMP_WAIT_POLICY="PASSIVE")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "None"]
