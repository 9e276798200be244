"""The held-out overlap of a cached corpus, kept beside its tokens so that it is measured once.

Finding which held-out spans also occur in training hashes every training position (up to
64 M of them): seconds on a large corpus, on every run, for an answer that depends only on
the tokens and the split. Its mask is stored, one bit per held-out token, in the cache entry
the tokens were read from (``seen-<key>.npy``), keyed by a hash of the held-out tokens, the
training length and the span, so a run with the same split reads it back in milliseconds.
An entry's tokens never change once written, and whatever cannot be read back is measured
again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from training.data.overlap import SCANNED_UP_TO

PREFIX = "seen-"


def entry_folder(tokens: np.ndarray) -> Path | None:
    """The cache entry `tokens` are memory-mapped from, or None for tokens in memory."""
    base: object = tokens
    while not isinstance(base, np.memmap) and isinstance(getattr(base, "base", None), np.ndarray):
        base = getattr(base, "base", None)  # a slice of the entry's map
    name = getattr(base, "filename", None) if isinstance(base, np.memmap) else None
    return Path(name).parent if name else None


def _key(train: np.ndarray, held: np.ndarray, span: int) -> str:
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{len(train)}:{len(held)}:{held.dtype}:{span}:{SCANNED_UP_TO}".encode())
    digest.update(np.ascontiguousarray(held).data)
    return digest.hexdigest()


def remembered_seen_mask(
    folder: Path | None,
    train: np.ndarray,
    held: np.ndarray,
    span: int,
    measure: Callable[[], tuple[np.ndarray, bool]],
) -> tuple[np.ndarray, bool]:
    """``measure()``'s (mask over `held`, whether all of training was compared), read from
    `folder` when an earlier run stored it there, else measured and stored."""
    if folder is None:
        return measure()
    path = folder / f"{PREFIX}{_key(train, held, span)}.npy"
    try:
        stored = np.load(path, allow_pickle=False)
        complete, packed = bool(stored[0]), stored[1:]
        if len(packed) == (len(held) + 7) // 8:
            return np.unpackbits(packed, count=len(held)).astype(bool), complete
    except (OSError, ValueError):
        pass  # not there yet, or damaged: measured again
    mask, complete = measure()
    _store(path, np.concatenate([[np.uint8(complete)], np.packbits(mask)]))
    return mask, complete


def _store(path: Path, values: np.ndarray) -> None:
    """Written whole or not at all; a cache folder that cannot be written only costs the
    next run the measurement."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".seen-", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, values, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
