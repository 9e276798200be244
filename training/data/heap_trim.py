"""Handing freed memory back to the system while a corpus is read, so that the peak stays flat.

Reading a corpus allocates and frees blocks of megabytes for every chunk: the bytes read,
the decoded text and its copies, its code points, its ids. glibc keeps what is freed in its
heap, and under the settings training wants (``training.runtime.cpu_runtime``: no mmap,
never trim) the heap only grows: the small objects that outlive a chunk sit between its
big freed blocks and split them, so the next chunk's big blocks take fresh memory. The
first read of a corpus (character level, one file) thus peaked at 348 MB for 100 MB of text
and 491 MB for 400 MB, and more beyond. ``malloc_trim(0)`` returns the free pages inside the
heap as well as at its top; called whenever the process has grown by ``SLACK_BYTES`` since
the last call, it held the same reads at 304 and 329 MB.

Elsewhere (macOS, Windows, musl) this does nothing: their allocators return large blocks
themselves.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Callable

# Growth tolerated between trims: a few chunks' worth of blocks (a 4 MB chunk of text becomes
# 16 MB of code points), so that trimming, which costs page faults when the memory is taken
# again, runs only when the heap has really grown. Trimming every chunk cost a third more time.
SLACK_BYTES = 64 << 20


class HeapTrim:
    """Call ``check()`` once per chunk read: it trims the heap when the process has grown."""

    def __init__(self, slack_bytes: int = SLACK_BYTES) -> None:
        self._trim = _malloc_trim()
        self._slack = slack_bytes
        self._floor = _resident_anon_bytes() if self._trim is not None else None

    def check(self) -> None:
        if self._trim is None or self._floor is None:
            return
        now = _resident_anon_bytes()
        if now is None or now < self._floor + self._slack:
            return
        self._trim(0)
        # What is left is in use: the next trim waits until the process grows past it again.
        self._floor = _resident_anon_bytes() or now


def trim_heap() -> None:
    """Give the heap's free pages back now, once (glibc only): after a measurement ends."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc (musl, for one)
    return trim


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _resident_anon_bytes() -> int | None:
    """Resident memory that is not a file's pages (a memory-mapped token file is not the heap)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            fields = statm.read().split()
        return (int(fields[1]) - int(fields[2])) * _PAGE
    except (OSError, IndexError, ValueError):
        return None
