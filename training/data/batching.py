"""Token arrays and the stateful batch layout of truncated BPTT.

The token stream is cut into B equal streams, one per row, so that row b of
chunk k+1 continues exactly where row b of chunk k stopped, and the hidden
state can be carried from one chunk to the next:

    tokens: a b c d e f g h i j k l m n o p q r s t u v w x
    B = 3:  row 0: a b c d e f g h      chunk 0 (L = 3): x = a b c   y = b c d
            row 1: i j k l m n o p      chunk 1:         x = d e f   y = e f g
            row 2: q r s t u v w x
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

MMAP_THRESHOLD = 64 * 1024 * 1024  # tokens; above this the array lives in a file, not RAM


def compact_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned integer type that holds every id."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if vocab_size <= np.iinfo(dtype).max + 1:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def to_token_array(ids: Sequence[int], vocab_size: int) -> np.ndarray:
    """Store ids compactly; memory-mapped from a temporary file when very large."""
    dtype = compact_dtype(vocab_size)
    if len(ids) <= MMAP_THRESHOLD:
        return np.asarray(ids, dtype=dtype)
    fd, name = tempfile.mkstemp(prefix="lstm-studio-tokens-", suffix=".npy")
    os.close(fd)
    array = np.lib.format.open_memmap(name, mode="w+", dtype=dtype, shape=(len(ids),))
    step = 1 << 22
    for start in range(0, len(ids), step):
        array[start : start + step] = ids[start : start + step]
    array.flush()
    return array


class StreamBatcher:
    """Serves (x, y) chunks of shape (B, L) in order, wrapping at the end."""

    def __init__(self, tokens: np.ndarray, batch_size: int, seq_len: int) -> None:
        columns = (len(tokens) - 1) // batch_size
        if columns < seq_len + 1:
            raise ValueError(
                f"{len(tokens):,} tokens are too few for batch {batch_size} × sequence {seq_len}; "
                "use a smaller batch or sequence length, or more text"
            )
        # x and y are views of one (B, columns + 1) array: no copy until a chunk is taken.
        self.rows = tokens[: batch_size * columns + 1]
        self.batch_size = batch_size
        self.seq_len = seq_len
        self.columns = columns
        self.chunks_per_epoch = columns // seq_len

    def chunk(self, index: int) -> tuple[Tensor, Tensor, bool]:
        """Chunk number ``index`` (counting across epochs) and whether it starts an epoch."""
        k = index % self.chunks_per_epoch
        start = k * self.seq_len
        rows = self.rows[: self.batch_size * self.columns].reshape(self.batch_size, self.columns)
        nxt = self.rows[1 : self.batch_size * self.columns + 1].reshape(self.batch_size, self.columns)
        x = torch.from_numpy(rows[:, start : start + self.seq_len].astype(np.int64))
        y = torch.from_numpy(nxt[:, start : start + self.seq_len].astype(np.int64))
        return x, y, k == 0
