"""The window's thread gets the GIL back sooner while a background job loops in Python.

A job that counts or reads a corpus runs pure-Python loops that hold the GIL, and the
window's thread waits the interpreter's switch interval (5 ms) for it on every return from
Qt into Python. One layout pass through the window's Python-made layouts made ~100 such
returns: a stall of half a second while a corpus was counted by words
(benchmarks/gui_stall.py). While such a job runs, the interval is 0.1 ms.

Only for those jobs: a training run spends its time in torch's kernels, and a short
interval there hands the GIL back to its thread between kernels while the window paints,
which made the paints longer.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

BRISK_SWITCH_INTERVAL_S = 0.0001

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_running = 0  # jobs inside run_briskly now
_usual = sys.getswitchinterval()


def run_briskly(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)`` with the short switch interval, the usual one restored after
    the last such job ends."""
    global _running, _usual
    with _lock:
        if _running == 0:
            _usual = sys.getswitchinterval()
            sys.setswitchinterval(BRISK_SWITCH_INTERVAL_S)
        _running += 1
    try:
        return work(*args, **kwargs)
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                sys.setswitchinterval(_usual)
