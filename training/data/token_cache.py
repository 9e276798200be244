"""The token cache: a corpus tokenised once, memory-mapped by every run that follows.

Layout under the cache folder (``cache_root()``)::

    scans.json                    path, size, mtime -> the file's sha256 and encoding
    tokenizer-<fp>-<level>.json   a tokenizer trained on that corpus (fresh runs reuse it)
    tokens-<key>/tokens.bin       the ids, raw, in the smallest integer type that fits
    tokens-<key>/info.json        count, dtype, characters, files and warnings

``<fp>`` is the corpus fingerprint: a hash of every file's bytes in order, so a changed
file (or an added one) makes a new entry; ``<key>`` hashes the fingerprint with the
tokenizer's JSON. Entries appear with one rename, so a reader never sees half of one,
and two builders racing for the same entry both end with a whole one.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.data.text_stream import ScannedFile

CACHE_ENV = "LSTM_STUDIO_CACHE"  # where the cache lives, when set
FORMAT = 1  # bump when the text rules or the file layout change: old entries are then ignored
KEEP_ENTRIES = 6  # token files kept; the least recently used go first
MAX_SCANS = 200_000  # files scans.json remembers (about 250 bytes each); the oldest go first


def cache_root() -> Path:
    """The per-user cache folder: $LSTM_STUDIO_CACHE, or the platform's cache location."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "lstm-studio" / "cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "lstm-studio"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "lstm-studio"


def usable_root(preferred: Path, fallback: Path | None) -> Path:
    """``preferred`` when it can be written to, else ``fallback`` (beside the run), else a
    temporary folder."""
    for candidate in (preferred, fallback):
        if candidate is None:
            continue
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            probe = candidate / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
            return candidate
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="lstm-studio-cache-"))


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ---- scans: skip re-hashing files that have not changed -----------------------------------
def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def known_scans(root: Path) -> dict[str, Any]:
    """Everything scans.json remembers, read once for a whole corpus (a folder of 50,000
    files would otherwise parse the file 50,000 times)."""
    data = read_json(root / "scans.json")
    return data if isinstance(data, dict) else {}


def known_scan(known: Mapping[str, Any], path: Path) -> ScannedFile | None:
    """``path``'s remembered scan from ``known_scans``, when the file has not changed since."""
    entry = known.get(str(path.resolve()))
    try:
        if isinstance(entry, dict) and entry.get("stat") == _stat_key(path):
            return ScannedFile(**{k: v for k, v in entry.items() if k != "stat"})
    except (OSError, TypeError):
        pass
    return None


def remember_scans(root: Path, scans: Sequence[ScannedFile], known: dict[str, Any] | None = None) -> None:
    """Add ``scans`` to scans.json, as its most recent entries; the oldest beyond
    ``MAX_SCANS`` are forgotten, so the file stays a few tens of megabytes at most."""
    known = dict(known_scans(root) if known is None else known)
    for scan in scans:
        path = Path(scan.path)
        with contextlib.suppress(OSError):
            key = str(path.resolve())
            known.pop(key, None)  # re-added at the end: insertion order is recency
            known[key] = {**asdict(scan), "stat": _stat_key(path)}
    for key in list(itertools.islice(known, max(0, len(known) - MAX_SCANS))):
        del known[key]
    with contextlib.suppress(OSError):
        write_json(root / "scans.json", known)


def fingerprint(scans: Sequence[ScannedFile]) -> str:
    """A hex digest of the corpus: every file's bytes, their order and how they are read."""
    digest = hashlib.sha256(f"lstm-studio corpus {FORMAT}".encode())
    for scan in scans:
        digest.update(f"\0{scan.digest}:{scan.codec}".encode())
    return digest.hexdigest()


# ---- tokenizers and token files -------------------------------------------------------------
def tokenizer_path(root: Path, corpus_fingerprint: str, level: str) -> Path:
    return root / f"tokenizer-{corpus_fingerprint[:32]}-{level}.json"


def tokens_key(corpus_fingerprint: str, tokenizer: dict[str, Any]) -> str:
    text = json.dumps(tokenizer, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{corpus_fingerprint}\0{text}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class TokenInfo:
    """What an entry's info.json says about its token file and the text it came from."""

    count: int  # ids in tokens.bin
    dtype: str  # their numpy type, e.g. "uint16"
    chars: int  # characters of the joined text
    warnings: tuple[str, ...]  # what the person was told while it was read
    file_chars: Mapping[str, int]  # each file's characters, by the sha256 of its bytes
    documents: int | None = None  # documents mode: how many; absent from the file otherwise
    # Where each file's tokens end, in stream order, when the stream holds several files;
    # absent from entries written before it was kept (their runs hold out stripes).
    file_ends: tuple[int, ...] | None = None

    @classmethod
    def from_dict(cls, data: Any) -> TokenInfo:
        """Lenient for entries already on disk: keys it does not know are ignored. Raises
        ValueError for another FORMAT, KeyError / TypeError / ValueError for a missing or
        malformed field: either way the entry is a cache miss."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a token cache entry of this format")
        documents, file_ends = data.get("documents"), data.get("file_ends")
        return cls(
            count=int(data["count"]),
            dtype=str(data["dtype"]),
            chars=int(data["chars"]),
            warnings=tuple(str(w) for w in data["warnings"]),
            file_chars={str(k): int(v) for k, v in data["file_chars"].items()},
            documents=None if documents is None else int(documents),
            file_ends=None if file_ends is None else tuple(int(e) for e in file_ends),
        )

    def to_dict(self) -> dict[str, Any]:
        """The keys info.json has always had, "documents" only in documents mode, "file_ends"
        only for a stream of several files."""
        data: dict[str, Any] = {} if self.documents is None else {"documents": self.documents}
        if self.file_ends is not None:
            data["file_ends"] = list(self.file_ends)
        return data | {
            "chars": self.chars,
            "warnings": list(self.warnings),
            "file_chars": dict(self.file_chars),
            "format": FORMAT,
            "count": self.count,
            "dtype": self.dtype,
        }


@dataclass(frozen=True)
class CachedTokens:
    tokens: np.ndarray  # read-only memory map
    info: TokenInfo


def open_tokens(root: Path, key: str) -> CachedTokens | None:
    folder = root / f"tokens-{key}"
    try:
        info = TokenInfo.from_dict(read_json(folder / "info.json"))
        dtype = np.dtype(info.dtype)
        if (folder / "tokens.bin").stat().st_size != dtype.itemsize * info.count or info.count < 1:
            return None
        tokens = np.memmap(folder / "tokens.bin", dtype=dtype, mode="r", shape=(info.count,))
        os.utime(folder / "info.json")  # recently used: pruned last
    except (OSError, AttributeError, KeyError, TypeError, ValueError):
        return None
    return CachedTokens(tokens, info)


class TokenWriter:
    """Appends id arrays to a new entry's file; ``commit`` makes the entry appear at once."""

    def __init__(self, root: Path, key: str) -> None:
        self.root, self.key = root, key
        self.folder = Path(tempfile.mkdtemp(prefix=f".tokens-{key}-", dir=root))
        self._file = (self.folder / "tokens.bin").open("wb")
        self.count = 0
        self.dtype: np.dtype | None = None

    def write(self, ids: np.ndarray) -> None:
        self.dtype = ids.dtype
        self._file.write(ids.tobytes())
        self.count += len(ids)

    def commit(
        self,
        *,
        chars: int,
        warnings: Sequence[str],
        file_chars: Mapping[str, int],
        documents: int | None = None,
        file_ends: Sequence[int] | None = None,
    ) -> CachedTokens:
        """Write info.json beside the ids and make the entry appear; what it holds besides the
        ids' count and type is the caller's (see TokenInfo)."""
        self._file.close()
        ends = None if file_ends is None else tuple(file_ends)
        info = TokenInfo(self.count, str(self.dtype), chars, tuple(warnings), file_chars, documents, ends)
        write_json(self.folder / "info.json", info.to_dict())
        final = self.root / f"tokens-{self.key}"
        try:
            os.replace(self.folder, final)
        except OSError:  # another process got there first: its entry is as good as ours
            shutil.rmtree(self.folder, ignore_errors=True)
        prune(self.root)
        opened = open_tokens(self.root, self.key)
        if opened is None:
            raise OSError(f"{final}: the token cache could not be read back")
        return opened

    def abandon(self) -> None:
        self._file.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def prune(root: Path, keep: int = KEEP_ENTRIES) -> None:
    """Delete all but the ``keep`` most recently used token files."""
    entries = sorted(
        (p for p in root.glob("tokens-*") if (p / "info.json").is_file()),
        key=lambda p: (p / "info.json").stat().st_mtime,
        reverse=True,
    )
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
