"""Which token cache entries are in use: each user holds a shared lock on the entry, and a
process pruning the cache deletes only an entry whose lock it can take alone.

The lock is ``flock`` on the file ``lock`` inside the entry's folder. The kernel drops it
when its holder ends, however it ends, so a killed run never leaves an entry locked for
good. A builder takes it in its temporary folder, which keeps the file (and the lock) as it
is renamed into place, so a new entry is never without one. Locks taken by one process on
two descriptors conflict (``flock`` locks belong to the open file), so a process that prunes
also leaves alone the entries that it uses itself.

Without ``fcntl`` (Windows) there is no lock file: an entry in use is safe there because
Windows refuses to rename a folder that holds a mapped file, and an entry is deleted only
after it has been renamed aside (``token_cache.discard``).
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "lock"


class EntryLock:
    """A lock held on one entry until ``release`` (or until the process ends)."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd  # None where there are no lock files (see the module's docstring)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


def _open(folder: Path) -> int | None:
    # Read-only will do where the file is there but not ours to write (a shared cache folder).
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            return os.open(folder / LOCK_NAME, flags, 0o644)
        except OSError:
            continue
    return None  # the folder has gone (pruned, discarded), or is not ours to write in


def share(folder: Path) -> EntryLock | None:
    """A user's lock on the entry in ``folder``, waiting while a pruner deletes it; None when
    the folder is gone (then, or once the pruner has moved it aside)."""
    if fcntl is None:
        return EntryLock(None) if folder.is_dir() else None
    fd = _open(folder)
    if fd is None:
        # Gone; or another user's entry from before lock files, which we may read but not lock:
        # read as before locks (that user's prune could delete it; ours leaves it alone).
        return EntryLock(None) if folder.is_dir() else None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        # A pruner that held the lock while we waited has renamed the folder away since: the
        # file we hold is then no longer the one in ``folder``.
        if os.path.samestat(os.fstat(fd), os.stat(folder / LOCK_NAME)):
            return EntryLock(fd)
    except OSError:
        pass
    os.close(fd)
    return None


def take(folder: Path) -> EntryLock | None:
    """The pruner's lock on the entry in ``folder``, without waiting: None when any process
    (this one included) uses it."""
    if fcntl is None:
        return EntryLock(None)
    fd = _open(folder)
    if fd is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return EntryLock(fd)
