"""A lower CPU priority for the thread that trains, so the window's thread wins a contended core.

On a machine with few cores the training thread keeps one core busy all the time, and the
window's thread, its painting helpers and every other program share what is left. At equal
priority the window's thread, when it wakes to draw, waits in the run queue behind them about
as long as it then runs: that wait doubled its pauses (benchmarks/gui_stall.py). A thread with
a lower priority yields the core as soon as the window needs it and still has it whenever the
window is idle, so training loses only the few milliseconds a redraw takes.

Linux keeps a niceness per thread; other systems set it per process, which would lower the
window too, so there nothing is changed.
"""

from __future__ import annotations

import os
import sys
import threading

# Niceness added to the training thread: at +5 the kernel weighs it about a third of a thread
# at 0 (each step of niceness is ~1.25x), enough for the window's thread to be picked first.
TRAINING_NICENESS = 5
MAX_NICENESS = 19


def lower_this_thread(increment: int = TRAINING_NICENESS) -> int | None:
    """Raise the calling thread's niceness by ``increment`` (capped at 19); return the niceness
    it now has, or None where a thread's priority cannot be set on its own. A thread cannot
    raise its priority again without privileges: call this only on a thread that ends with its work."""
    if not sys.platform.startswith("linux") or increment <= 0:
        return None
    thread_id = threading.get_native_id()
    try:
        niceness = min(MAX_NICENESS, os.getpriority(os.PRIO_PROCESS, thread_id) + increment)
        os.setpriority(os.PRIO_PROCESS, thread_id, niceness)
    except OSError:
        return None  # a sandbox that forbids it: training runs at the usual priority
    return niceness
