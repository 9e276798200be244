"""What tells an untouched token file from a damaged one: its stamp, and its crc32 read once.

A token cache entry's check.json records both when the entry is written; an open compares the
file's stamp, and reads the file whole only when the stamp moved (``token_cache._damage``).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

# The check (crc32 and the largest id) ran at 3,200 MB/s over a 200 MB token file in the
# page cache (crc32 alone 4,200 MB/s, blake2b 950 MB/s): seconds for a 10 GB text, and all
# of it read. So it runs when the file's stamp (size, times, inode) is not the one recorded
# when it was last checked or written: any write to it moves the stamp. It finds damage,
# not tampering.
CHECK_CHUNK = 16 << 20  # bytes read at a time by the check


def file_stamp(path: Path) -> str:
    """What any write to the file changes: its size, its times (ctime too, which no tool sets
    back) and its inode (a file replaced by another)."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def crc_and_top(path: Path, dtype: np.dtype) -> tuple[int, int]:
    """The file's crc32 and its largest id, read a chunk at a time into one buffer: a memory
    map of it all would count every page read as this process's memory (10 GB for a 10 GB
    text) until it closed. Run once per entry, when it was written by something else than
    its builder; the stamp in check.json lets every later open skip it."""
    buffer = np.empty(CHECK_CHUNK // dtype.itemsize, dtype=dtype)
    crc, top = 0, -1
    with open(path, "rb") as f:
        while count := f.readinto(buffer.data.cast("B")):
            chunk = buffer[: count // dtype.itemsize]
            crc = zlib.crc32(chunk.data, crc)
            if len(chunk):
                top = max(top, int(chunk.max()))
    return crc, top
