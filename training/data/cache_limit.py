"""How much the token cache may hold, and deleting the least recently used entries beyond it.

A person sets the limit in gigabytes with ``LSTM_STUDIO_CACHE_MAX_GB`` (``0`` keeps only what
a run is using); every ingestion reads it when it prunes, so the window, the command line and
torchrun's processes all follow the same setting. Entries go least recently used first
(``open_tokens`` touches an entry's info.json each time a run opens it) while the cache holds
more than the limit or more than ``KEEP_ENTRIES`` entries. An entry is never deleted while a
process uses it (``entry_lock``): not the one this run builds or reads, even when it alone
is larger than the limit (the run is told so once, ``over_limit_note``), and not one that
another run is training on. Only token files count: tokenizers and scans.json are small.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from training.data import entry_lock
from training.data.token_cache import discard

CACHE_MAX_ENV = "LSTM_STUDIO_CACHE_MAX_GB"
# A fixed size, not a share of the disk's free space: a limit that moved with what else is
# on the disk would delete a corpus's tokens because of an unrelated download, and cost its
# next run the whole tokenising again, with no way to tell when. 20 GB holds the ids of a
# 10 GB text at character level (2 bytes a character), or of some 50 GB at BPE, with room
# for a few smaller corpora beside it.
DEFAULT_MAX_GB = 20.0
KEEP_ENTRIES = 6  # entries kept at most, whatever their size: the least recently used go first
GB = 1_000_000_000


def max_bytes(environ: Mapping[str, str] = os.environ) -> int:
    """The limit in bytes: ``LSTM_STUDIO_CACHE_MAX_GB`` when set, else ``DEFAULT_MAX_GB``.
    Raises ValueError naming the variable for a value that is not a number of gigabytes."""
    raw = environ.get(CACHE_MAX_ENV, "").strip()
    if not raw:
        return int(DEFAULT_MAX_GB * GB)
    try:
        gigabytes = float(raw)
    except ValueError:
        gigabytes = math.nan
    if not math.isfinite(gigabytes) or gigabytes < 0:
        raise ValueError(
            f"{CACHE_MAX_ENV}={raw!r}: the token cache's limit is a number of gigabytes, such as 20 or 0.5"
        )
    return int(gigabytes * GB)


@dataclass(frozen=True)
class Entry:
    key: str
    folder: Path
    size: int  # bytes of its files
    used: float  # when a run last opened it (info.json's mtime)


@dataclass(frozen=True)
class Pruned:
    """What pruning left: the limit, and how much the run's own entry holds."""

    limit: int  # bytes
    held: int  # bytes the cache's entries hold after pruning
    own: int  # bytes of the entry this run uses (0 when it was not found)
    deleted: tuple[str, ...]  # keys of the entries deleted

    @property
    def over_limit(self) -> bool:
        """The run's own entry alone is larger than the limit: it stays while the run uses it."""
        return self.own > self.limit


def entries(root: Path) -> list[Entry]:
    """The cache's entries, least recently used first."""
    found = []
    for folder in root.glob("tokens-*"):
        try:
            used = (folder / "info.json").stat().st_mtime
            size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        except OSError:
            continue  # half an entry, or one being deleted by another process
        found.append(Entry(folder.name.removeprefix("tokens-"), folder, size, used))
    return sorted(found, key=lambda e: e.used)


def prune(root: Path, *, using: str | None, limit: int | None = None, keep: int = KEEP_ENTRIES) -> Pruned:
    """Delete the least recently used entries until the cache holds at most ``limit`` bytes
    (``max_bytes()`` by default) and ``keep`` entries; never ``using``, this run's entry, nor
    any entry another process has locked as in use."""
    limit = max_bytes() if limit is None else limit
    found = entries(root)
    held, count = sum(e.size for e in found), len(found)
    own = next((e.size for e in found if e.key == using), 0)
    deleted = []
    for entry in found:
        if held <= limit and count <= keep:
            break
        if entry.key == using:
            continue
        lock = entry_lock.take(entry.folder)
        if lock is None:
            continue  # in use by another run: it goes once that run ends and a later one prunes
        try:
            discard(root, entry.key)
        finally:
            lock.release()
        if not entry.folder.exists():
            held, count = held - entry.size, count - 1
            deleted.append(entry.key)
    return Pruned(limit, held, own, tuple(deleted))


def over_limit_note(pruned: Pruned) -> str:
    """The one line a run is told when its own entry is larger than the whole limit."""
    return (
        f"the token cache keeps this corpus's {pruned.own / GB:.1f} GB of tokens although that is more "
        f"than its limit of {pruned.limit / GB:g} GB ({CACHE_MAX_ENV}): they stay while a run uses them, "
        "and the next run on other text deletes them"
    )
