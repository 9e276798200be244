"""What a finished measurement freed, handed back to the system.

Two things kept the Explain page's memory after its measurements had ended (the window went
from 875 MB to 1.30 GB and stayed there):

* The cell timings build three fresh models, each trained a few steps with AdamW. The first
  timing in a process left the measurement's frame, and with it the models, their gradients
  and Adam's state, in a reference cycle (torch keeps something of its first optimizer
  step): only Python's cycle collector frees that, whenever it next runs a full pass.
* The window runs with glibc told to keep what is freed (``training.runtime.cpu_runtime``:
  no mmap, never trim, so a training step reuses its memory instead of faulting in fresh
  pages). A measurement's peak thus stayed resident long after its tensors were gone: with
  the demo models, Explain left 794 MB resident where 544 MB were in use.

``release_memory`` runs the collector and trims the heap, once, when a measurement's result
has ended. A run training meanwhile pays one step's page faults to take its memory back.
Elsewhere than glibc (macOS, Windows, musl) the trim is skipped: their allocators return
large blocks themselves.
"""

from __future__ import annotations

import gc

from training.data.heap_trim import trim_heap


def release_memory() -> None:
    """Free what only the cycle collector can, then give the heap's free pages back."""
    gc.collect()
    trim_heap()
