"""Process-wide CPU settings, applied once at start-up before torch is imported.

Two things decide how fast an LSTM trains on a laptop CPU besides the kernels themselves
(measured in benchmarks/SWEEP.md, "Allocator and OpenMP"):

* glibc hands every freed block above its mmap threshold straight back to the kernel, so a
  training step that frees and reallocates its tens-of-megabytes activations pays for
  fresh zeroed pages each time: a third of the step was page faults. Keeping freed memory
  in the process makes the same step 1.5x faster.
* OpenMP worker threads that spin while they wait are fastest on an idle machine and
  collapse when another program shares the cores; threads that sleep at once lose a
  third on an idle machine. A short spin keeps most of both.

Nothing here imports torch; every setting a person already made in the environment wins.
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc mallopt() parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8

# Blocks up to this size come from the heap (glibc's own ceiling); larger ones too, since
# mmap is switched off below: oneDNN's LSTM training workspace alone is ~180 MB.
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
# Grow the heap in large steps and never trim it: resident memory stays at the peak a run
# reached, which a training run reaches again on its next step anyway.
TOP_PAD_BYTES = 512 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 2**31 - 1

# libgomp's spin iterations before a waiting thread sleeps (its default is 300,000).
OPENMP_SPIN_COUNT = "1000"

_MALLOC_ENV = (
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_MAX_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_TRIM_THRESHOLD_",
    "GLIBC_TUNABLES",
)


def configure_cpu_runtime() -> list[str]:
    """Apply the settings this platform supports; return the names of those applied."""
    applied = []
    if _bound_openmp_spin():
        applied.append("openmp-spin")
    if _keep_freed_memory():
        applied.append("malloc")
    return applied


def _bound_openmp_spin() -> bool:
    if "torch" in sys.modules:
        return False  # OpenMP has read its environment already
    if "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ:
        return False
    os.environ["GOMP_SPINCOUNT"] = OPENMP_SPIN_COUNT
    return True


def _keep_freed_memory() -> bool:
    if not sys.platform.startswith("linux") or any(name in os.environ for name in _MALLOC_ENV):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl, for one): its allocator has no such knobs
    # One arena: threads' own arenas ignore the top pad and trim settings, and training
    # runs on a worker thread in the window.
    settings = (
        (_M_ARENA_MAX, 1),
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
        (_M_MMAP_MAX, 0),
        (_M_TOP_PAD, TOP_PAD_BYTES),
        (_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
    )
    return all(mallopt(param, value) == 1 for param, value in settings)
