"""Running one call of the calling thread on one kernel thread, without touching the others.

``torch.set_num_threads`` sets the calling thread's OpenMP team and also the count that
threads started later begin with: a generation thread that lowered it around a step would
leave a training thread started meanwhile on one core. The OpenMP runtime's own
``omp_set_num_threads`` changes the calling thread alone. torch ships that runtime among
its libraries (libgomp on Linux, libomp on macOS, libiomp5 on Windows); it is used only
once it has shown that it is the one torch's kernels read. Where none is found, calls run
on the team as it is.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

T = TypeVar("T")

_LIBRARY_PATTERNS = ("libgomp*.so*", "libomp*.dylib", "libiomp5*.dll", "libomp*.so*", "libiomp5*.so")


def _answers(library: ctypes.CDLL) -> bool:
    """Whether setting this runtime's team changes the team torch reports for this thread."""
    try:
        set_team = library.omp_set_num_threads
    except AttributeError:
        return False
    before = torch.get_num_threads()
    probe = 2 if before == 1 else 1
    set_team(probe)
    answered = torch.get_num_threads() == probe
    set_team(before)
    return answered and torch.get_num_threads() == before


@functools.cache
def _runtime() -> ctypes.CDLL | None:
    torch.get_num_threads()  # torch sets up this thread's team on first use: let it go first
    for pattern in _LIBRARY_PATTERNS:
        for path in sorted((Path(torch.__file__).parent / "lib").glob(pattern)):
            try:
                library = ctypes.CDLL(str(path))
            except OSError:
                continue
            if _answers(library):
                return library
    return None


def can_run_alone() -> bool:
    """Whether ``on_one_thread`` can lower the team here (else it runs calls as they are)."""
    return _runtime() is not None


def on_one_thread(call: Callable[..., T], *args: object) -> T:
    """``call(*args)`` with the calling thread's torch kernels on one thread; its team is
    restored after, and no other thread's is changed."""
    library = _runtime()
    if library is None:
        return call(*args)
    team = torch.get_num_threads()  # also sets up a new thread's team before it is changed
    library.omp_set_num_threads(1)
    try:
        return call(*args)
    finally:
        library.omp_set_num_threads(team)
