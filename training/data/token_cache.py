"""The token cache: a corpus tokenised once, memory-mapped by every run that follows.

Layout under the cache folder (``cache_root()``)::

    scans.json                    path, stat -> the file's sha256 and encoding (token_scans)
    tokenizer-<fp>-<level>.json   a tokenizer trained on that corpus (fresh runs reuse it)
    tokens-<key>/tokens.bin       the ids, raw, in the smallest integer type that fits
    tokens-<key>/info.json        count, dtype, characters, files and warnings
    tokens-<key>/check.json       the key it was built for and a crc32 of tokens.bin
    tokens-<key>/lock             locked (shared) by every process using the entry (entry_lock)
    .tokens-<key>-<host>-<pid>-*  an entry being written (or deleted) by that process

``<fp>`` is the corpus fingerprint: a hash of every file's bytes in order, so a changed
file (or an added one) makes a new entry; ``<key>`` hashes the fingerprint with the
tokenizer's JSON. Entries appear with one rename, so a reader never sees half of one,
and two builders racing for the same entry both end with a whole one. An entry that fails
its check (``open_checked``) is deleted and built again; so is the temporary folder of a
writer that died (``cache_leftovers.prune_leftovers``). Entries beyond the cache's size
limit go least recently used first (``cache_limit.prune``), except those in use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import weakref
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.data import entry_lock
from training.data.cache_leftovers import temporary_prefix
from training.data.cache_stamp import crc_and_top, file_stamp
from training.data.corpus_messages import CacheDamage
from training.data.text_stream import ScannedFile

CACHE_ENV = "LSTM_STUDIO_CACHE"  # where the cache lives, when set
FORMAT = 1  # bump when the text rules or the file layout change: old entries are then not found


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


def _entry_info(folder: Path) -> TokenInfo:
    """info.json, when tokens.bin is as long as it says; raises OSError, KeyError,
    TypeError or ValueError otherwise."""
    info = TokenInfo.from_dict(read_json(folder / "info.json"))
    if (folder / "tokens.bin").stat().st_size != np.dtype(info.dtype).itemsize * info.count or info.count < 1:
        raise ValueError("tokens.bin is not as long as info.json says")
    return info


def open_tokens(
    root: Path, key: str, lock: entry_lock.EntryLock | None = None, info: TokenInfo | None = None
) -> CachedTokens | None:
    """The entry as it stands, its length checked but not its ids (see ``open_checked``).

    The entry stays locked as in use (``entry_lock``: ``lock`` when the caller holds it
    already) for as long as its tokens, or any view of them, are alive: no process prunes it
    from under a run. ``info`` is its info.json when the caller has just read it under that
    lock (50,000 files' characters take a tenth of a second to parse)."""
    folder = root / f"tokens-{key}"
    lock = lock or entry_lock.share(folder)
    if lock is None:
        return None
    try:
        info = info or _entry_info(folder)
        tokens = np.memmap(folder / "tokens.bin", dtype=np.dtype(info.dtype), mode="r", shape=(info.count,))
        os.utime(folder / "info.json")  # recently used: pruned last
    except (OSError, AttributeError, KeyError, TypeError, ValueError):
        lock.release()
        return None
    weakref.finalize(tokens, lock.release)
    return CachedTokens(tokens, info)


# ---- checks: a damaged or misplaced entry is rebuilt, never trained on ----------------------
@dataclass(frozen=True)
class Lookup:
    found: CachedTokens | None  # None: build the entry
    damage: CacheDamage | None  # why an entry that was there was deleted, when one was


def open_checked(root: Path, key: str, *, vocab_size: int) -> Lookup:
    """The entry for a run, when it is whole, was built for ``key`` and holds only ids below
    ``vocab_size``. One that is not (damaged, cut short, another corpus's, of another format,
    written before entries were checked) is deleted, so that it is built again rather than
    trained on or refused for good. Entries from before check.json are thus rebuilt once."""
    folder = root / f"tokens-{key}"
    lock = entry_lock.share(folder) if folder.exists() else None
    if lock is None:
        return Lookup(None, None)
    info = None
    try:
        info = _entry_info(folder)
        damage = _damage(folder, key, info, vocab_size)
    except (OSError, AttributeError, KeyError, TypeError, ValueError):
        damage = "damaged"
    if damage is None:
        return Lookup(open_tokens(root, key, lock, info), None)
    lock.release()
    discard(root, key)
    return Lookup(None, damage)


def _damage(folder: Path, key: str, info: TokenInfo, vocab_size: int) -> CacheDamage | None:
    # Beside info.json, not in it: info.json keeps the keys it has always had.
    if not (folder / "check.json").exists():
        return "unchecked"
    check = read_json(folder / "check.json")
    if not isinstance(check, dict):
        return "damaged"
    if check.get("key") != key:  # a folder renamed or swapped: another text's ids
        return "another corpus"
    tokens = folder / "tokens.bin"
    top = check.get("top")
    if check.get("verified") == file_stamp(tokens) and isinstance(top, int):
        return None if top < vocab_size else "damaged"  # untouched since its crc was last checked
    crc, top = crc_and_top(tokens, np.dtype(info.dtype))
    if crc != check.get("crc32") or top >= vocab_size:
        return "damaged"
    with contextlib.suppress(OSError):  # a read-only cache checks again next time
        write_json(folder / "check.json", {**check, "top": top, "verified": file_stamp(tokens)})
    return None


def discard(root: Path, key: str) -> None:
    """Delete an entry. It is renamed out of the way first, so no reader finds half of it,
    to a writer's temporary name, so that a kill while deleting leaves a leftover that
    ``prune_leftovers`` clears."""
    aside = root / f"{temporary_prefix(key)}discarded"
    shutil.rmtree(aside, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.replace(root / f"tokens-{key}", aside)
    shutil.rmtree(aside, ignore_errors=True)


class TokenWriter:
    """Appends id arrays to a new entry's file; ``commit`` makes the entry appear at once."""

    def __init__(self, root: Path, key: str) -> None:
        self.root, self.key = root, key
        self.folder = Path(tempfile.mkdtemp(prefix=temporary_prefix(key), dir=root))
        # Taken before the entry appears and kept by the run that reads it: no other process
        # prunes it in between, however large it is.
        self._lock = entry_lock.share(self.folder)
        self._file = (self.folder / "tokens.bin").open("wb")
        self._crc = 0  # of what is written so far
        self._top = -1  # the largest id written so far
        self.count = 0
        self.dtype: np.dtype | None = None

    def write(self, ids: np.ndarray) -> None:
        self.dtype = ids.dtype
        data = np.ascontiguousarray(ids).data  # the array's own bytes, not a copy of them
        self._crc = zlib.crc32(data, self._crc)
        if len(ids):
            self._top = max(self._top, int(ids.max()))
        self._file.write(data)
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
        """Write info.json and check.json beside the ids and make the entry appear; what
        info.json holds besides the ids' count and type is the caller's (see TokenInfo)."""
        self._file.close()
        ends = None if file_ends is None else tuple(file_ends)
        info = TokenInfo(self.count, str(self.dtype), chars, tuple(warnings), file_chars, documents, ends)
        write_json(self.folder / "info.json", info.to_dict())
        # Verified as written: later opens check the file's stamp, and its crc only if it moved.
        check = {
            "key": self.key,
            "crc32": self._crc,
            "top": self._top,
            "verified": file_stamp(self.folder / "tokens.bin"),
        }
        write_json(self.folder / "check.json", check)
        opened = open_tokens(self.root, self.key, self._lock) if self._publish() else None
        opened = opened or open_tokens(self.root, self.key)  # another builder's, as good as ours
        if opened is None:
            raise OSError(f"{self.root / f'tokens-{self.key}'}: the token cache could not be read back")
        return opened

    def _publish(self) -> bool:
        """Rename the folder into place: True when ours is the entry. An entry already there is
        another builder's when it opens (ours is dropped: theirs is as good), else a damaged
        one, which ours replaces."""
        for _ in range(2):
            try:
                os.replace(self.folder, self.root / f"tokens-{self.key}")
                return True
            except OSError:
                if open_tokens(self.root, self.key) is not None:  # dropped at once: a look only
                    break
                discard(self.root, self.key)
        self.abandon()
        return False

    def abandon(self) -> None:
        self._file.close()
        if self._lock is not None:
            self._lock.release()
        shutil.rmtree(self.folder, ignore_errors=True)
