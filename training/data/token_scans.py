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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.data.folder_walk import ListedFile
from training.data.text_stream import ScannedFile
from training.data.token_cache import read_json, write_json

MAX_SCANS = 200_000  # files scans.json remembers (about 250 bytes each); the oldest go first
# A file changed this close before its scan began may change again within the same
# timestamp tick, unseen by its stat (FAT keeps mtimes to 2 s): its scan is not trusted.
SETTLE_NS = 2_000_000_000
# An entry of scans.json, by the file's resolved path: a list, not a dict (50,000 entries
# parse in 0.05 s instead of 0.09 s, and the file is 10 MB instead of 17).
_ENTRY = ("stat", "scanned_ns", *ScannedFile._fields[1:])


def _stat_key(st: os.stat_result) -> str:
    # ctime and inode too: a same-size rewrite with its mtime put back still moves ctime,
    # and a file replaced by a rename is another inode. Keys of the older "size:mtime"
    # form never match, so those files are hashed once more.
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


@dataclass(frozen=True)
class FileStamp:
    """A file's stat before it was hashed, and when its bytes began to be read."""

    stat: str  # see _stat_key
    taken_ns: int  # wall clock, ns


def stamp(listed: ListedFile) -> FileStamp:
    """Call just before ``listed``'s bytes are read. Its stat is the walk's, taken earlier: a
    change since then either shows in the stat after the read (``remember_scans`` then drops
    the scan) or, hidden within the last change's timestamp tick, came before the read and
    is in the digest. A change after the read is seen when the read began ``SETTLE_NS``
    after the last one."""
    return FileStamp(_stat_key(listed.stat), time.time_ns())


def known_scans(root: Path) -> dict[str, Any]:
    """Everything scans.json remembers, read once for a whole corpus (a folder of 50,000
    files would otherwise parse the file 50,000 times)."""
    data = read_json(root / "scans.json")
    return data if isinstance(data, dict) else {}


def known_scan(known: Mapping[str, Any], listed: ListedFile) -> ScannedFile | None:
    """``listed``'s remembered scan from ``known_scans``, when the file's stat as it was found
    is the one it was hashed with and it had settled (``SETTLE_NS``) before it was hashed.
    The stat is the walk's own: no file is opened, stat'ed again or resolved here (this runs
    once a file on every start, 50,000 times for a folder of 50,000 files)."""
    entry = known.get(listed.real)
    st = listed.stat
    # An entry of an older form (a dict) is not one: that file is hashed once more.
    if not isinstance(entry, list) or len(entry) != len(_ENTRY) or entry[0] != _stat_key(st):
        return None
    _, scanned_ns, *fields = entry
    try:
        if max(st.st_mtime_ns, st.st_ctime_ns) > int(scanned_ns) - SETTLE_NS:
            return None
    except (TypeError, ValueError):
        return None
    # As the file is named now: a run reaching it by another path records that one.
    return ScannedFile(listed.path, *fields)


def remember_scans(
    root: Path,
    scans: Sequence[tuple[ListedFile, ScannedFile]],
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
    for listed, scan in scans:
        entry = known.pop(listed.real, None)  # re-added at the end: insertion order is recency
        fresh = stamps.get(listed.path)
        if fresh is None:
            if entry is not None:
                known[listed.real] = entry
            continue
        try:
            now = _stat_key(os.stat(listed.path))
        except OSError:
            continue
        if now == fresh.stat:
            known[listed.real] = [fresh.stat, fresh.taken_ns, *scan[1:]]
    for key in list(itertools.islice(known, max(0, len(known) - MAX_SCANS))):
        del known[key]
    with contextlib.suppress(OSError):
        write_json(root / "scans.json", known)
