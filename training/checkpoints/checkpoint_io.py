"""Checkpoint files on disk: written atomically beside the previous one, checked by a
checksum when read, and refused early when they are not a regular file or their header is
out of all proportion.

A run folder holds ``checkpoint.safetensors`` and, from the second save on, the one
before it as ``checkpoint-previous.safetensors``: a file damaged after it was written
(a bad sector, a copy cut short) still leaves a good checkpoint beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from torch import Tensor

from training.checkpoints.tensor_file import host_bytes

PREVIOUS_SUFFIX = "-previous"
TEMP_PREFIX = ".checkpoint-"
TEMP_SUFFIX = ".tmp"
CHECKSUM_KEY = "checksum"
# Written beside the checksum by every version that always writes one. Checkpoints saved
# before then may lack the checksum and still load, unverified; one that carries this key
# but no checksum lost it to damage or an edit (a flipped bit in the key's own name is enough).
CHECKSUM_REQUIRED_KEY = "checksum_required"
# Our headers hold a tokenizer of at most a few MB (a 50k-word vocabulary is ~2 MB of JSON);
# anything far above that is damage or a crafted file, refused before any of it is read.
MAX_HEADER_BYTES = 64 * 1024 * 1024


def previous_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}{PREVIOUS_SUFFIX}{path.suffix}")


def checksum(meta: Mapping[str, Any], tensors: Mapping[str, Tensor]) -> str:
    """A hash of the metadata (less the checksum itself) and of every tensor's name, type,
    shape and bytes, in name order: any flipped bit in either changes it."""
    digest = hashlib.blake2b(digest_size=16)
    body = {k: v for k, v in meta.items() if k != CHECKSUM_KEY}
    digest.update(json.dumps(body, sort_keys=True).encode())
    for name, tensor, data in host_bytes(tensors):  # hashed where they lie: no copy of the weights
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}".encode())
        digest.update(data)
    return digest.hexdigest()


def not_a_file(path: Path) -> str | None:
    """What an existing `path` is when it is not a regular file ("is a folder, not a checkpoint
    file"), or None. Checked before the file is opened: opening a named pipe waits for a
    writer that may never come, and a device can be read forever."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"))
    kind = next((name for is_kind, name in kinds if is_kind(mode)), "a device")
    return f"is {kind}, not a checkpoint file"


def header_size(path: Path) -> int:
    """The JSON header's length as the file declares it (safetensors' first 8 bytes)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if len(head) < 8:
        return -1
    return int(struct.unpack("<Q", head)[0])


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """`write` fills a temp file in the same folder, fsync, then the current file becomes the
    previous one and the temp file the current one. A crash or an error at any point (a full
    disk, no memory left) leaves at least one whole checkpoint and no temp file."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.replace(path, previous_path(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_leftover_temp_files(folder: Path) -> list[Path]:
    """Temp files a killed save left behind; only call while holding the folder's run lock."""
    removed = []
    for leftover in folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
