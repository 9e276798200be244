"""Sharing the cores between models that generate at the same time.

At batch 1 a recurrent step is a few matrix-vector products bound by memory
bandwidth. One model alone gets its step split over every core; two models
generating together each get their share, so that both run at once instead of
taking turns on all the cores (measured in benchmarks/generation_speed.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


def share_of_threads(parts: int, total: int | None = None) -> int:
    """Kernel threads for one of `parts` jobs running at once on `total` (default: this
    thread's count)."""
    return max(1, (total or torch.get_num_threads()) // max(1, parts))


@contextmanager
def kernel_threads(count: int, *, restore: int) -> Iterator[None]:
    """Run the calling thread's torch kernels on `count` threads, then set `restore`.

    torch.set_num_threads also sets the count that threads started later begin with, so a
    worker cannot read "its" count on entry (a sibling may have changed it already): the
    thread that starts the workers reads it once and passes it in.
    """
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(restore)
