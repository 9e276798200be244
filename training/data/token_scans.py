"""scans.json in the token cache: which files have not changed since they were hashed.

Hashing a corpus's bytes is what makes its cache key (``token_cache.fingerprint``), and on
a warm cache it would be most of the time to the first step. So each file's scan (its
sha256 and encoding) is remembered by its stat, read once per corpus, and trusted only
while the stat is unchanged and the file had settled before it was hashed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from training.data.text_stream import ScannedFile
from training.data.token_cache import read_json, write_json

MAX_SCANS = 200_000  # files scans.json remembers (about 250 bytes each); the oldest go first
# A file changed this close before its scan began may change again within the same
# timestamp tick, unseen by its stat (FAT keeps mtimes to 2 s): its scan is not trusted.
SETTLE_NS = 2_000_000_000
_SCAN_FIELDS = tuple(f.name for f in fields(ScannedFile))


def _stat_key(st: os.stat_result) -> str:
    # ctime and inode too: a same-size rewrite with its mtime put back still moves ctime,
    # and a file replaced by a rename is another inode. Keys of the older "size:mtime"
    # form never match, so those files are hashed once more.
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


@dataclass(frozen=True)
class FileStamp:
    """A file's stat just before it was hashed, and when that was."""

    stat: str  # see _stat_key
    taken_ns: int  # wall clock, ns


def stamp(path: Path) -> FileStamp:
    return FileStamp(_stat_key(path.stat()), time.time_ns())


def known_scans(root: Path) -> dict[str, Any]:
    """Everything scans.json remembers, read once for a whole corpus (a folder of 50,000
    files would otherwise parse the file 50,000 times)."""
    data = read_json(root / "scans.json")
    return data if isinstance(data, dict) else {}


def known_scan(known: Mapping[str, Any], path: Path) -> ScannedFile | None:
    """``path``'s remembered scan from ``known_scans``, when the file has not changed since
    and had settled (``SETTLE_NS``) before it was hashed."""
    entry = known.get(str(path.resolve()))
    try:
        st = path.stat()
        if isinstance(entry, dict) and entry.get("stat") == _stat_key(st):
            settled = max(st.st_mtime_ns, st.st_ctime_ns) <= int(entry["scanned_ns"]) - SETTLE_NS
            if settled:
                # As the file is named now: a run reaching it by another path records that one.
                return ScannedFile(**{**{name: entry[name] for name in _SCAN_FIELDS}, "path": str(path)})
    except (OSError, KeyError, TypeError, ValueError):
        pass
    return None


def remember_scans(
    root: Path,
    scans: Sequence[ScannedFile],
    stamps: Mapping[str, FileStamp],
    known: dict[str, Any] | None = None,
) -> None:
    """Add ``scans`` to scans.json, as its most recent entries; the oldest beyond
    ``MAX_SCANS`` are forgotten, so the file stays a few tens of megabytes at most.

    A scan with a stamp (by its path) was just hashed: it is kept only when its file's stat
    is still the stamp's, since a file written while it was read would otherwise be
    remembered, for good, with the digest of what was there before. A scan without one came
    from scans.json and keeps its entry."""
    known = dict(known_scans(root) if known is None else known)
    for scan in scans:
        path = Path(scan.path)
        with contextlib.suppress(OSError):
            key = str(path.resolve())
            entry = known.pop(key, None)  # re-added at the end: insertion order is recency
            fresh = stamps.get(scan.path)
            if fresh is None:
                if entry is not None:
                    known[key] = entry
            elif _stat_key(path.stat()) == fresh.stat:
                known[key] = {**asdict(scan), "stat": fresh.stat, "scanned_ns": fresh.taken_ns}
    for key in list(itertools.islice(known, max(0, len(known) - MAX_SCANS))):
        del known[key]
    with contextlib.suppress(OSError):
        write_json(root / "scans.json", known)
