"""Each document's text once, a long one checked without holding it.

A repeated document would put copies on both sides of the held-out split, so a document
whose text was met before is left out. A document is known by a hash of its UTF-8 bytes,
fed a slice or a piece at a time (the hash of the pieces is the hash of the whole). A long
one (``document_stream.LongDocument``) is passed on while it is still being read, so
whether it is a copy must be known from its start: every kept document of at least
``LONG_DOCUMENT`` characters also leaves the hash of its first ``LONG_DOCUMENT`` characters,
and a long document that starts as none of them is new. One that does start as an earlier
one (rare: a copy, or a shared header of 64 K characters) is written to a temporary file
while it is hashed, and read back from there when it turns out to be new.
"""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from collections.abc import Generator, Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import IO

from training.data import corpus_messages as say
from training.data.document_stream import LONG_DOCUMENT, Document, LongDocument
from training.data.text_stream import StreamReport

# Exact duplicate documents are dropped up to this many distinct ones (a set of their hashes,
# about 100 bytes each); beyond it every document is kept, so memory stays bounded.
DEDUPLICATE_UP_TO = 2_000_000
_SLICE_CHARS = 1 << 20  # hashed at a time: a slice's UTF-8 bytes stay a few megabytes
_SPILL_READ = 4 << 20  # bytes read back at a time from a spilled document
_UTF8 = "surrogatepass"  # a lone surrogate (from a mis-encoded file) is hashed, not an error


def _hash() -> hashlib.blake2b:
    return hashlib.blake2b(digest_size=12)


def _feed(digest: hashlib.blake2b, text: str) -> None:
    for start in range(0, len(text), _SLICE_CHARS):
        digest.update(text[start : start + _SLICE_CHARS].encode("utf-8", _UTF8))


def _digest(text: str) -> bytes:
    digest = _hash()
    _feed(digest, text)
    return digest.digest()


class _Seen:
    """The hashes of the documents kept, and of the starts of the long ones among them."""

    def __init__(self) -> None:
        self.whole: set[bytes] = set()
        self.starts: set[bytes] = set()  # of the first LONG_DOCUMENT characters

    def keep(self, whole: bytes, start: bytes | None) -> None:
        if len(self.whole) < DEDUPLICATE_UP_TO:
            self.whole.add(whole)
            if start is not None:
                self.starts.add(start)


def unique_documents(
    documents: Iterable[Document], report: StreamReport, *, spill_dir: Path | None = None
) -> Iterator[Document]:
    """Each document's text once; how many were left out goes into the report's warnings.
    ``spill_dir``: where a long document that may be a copy is written while it is read (the
    system's temporary folder when None)."""
    seen = _Seen()
    dropped = 0
    for document in documents:
        if isinstance(document, LongDocument):
            kept = yield from _unique_long(document, seen, spill_dir)
        else:
            kept = yield from _unique_text(document, seen)
        dropped += not kept
    if dropped:
        report.warnings.append(say.duplicate_documents(dropped))


def _unique_text(text: str, seen: _Seen) -> Generator[str, None, bool]:
    whole = _digest(text)
    if whole in seen.whole:
        return False
    seen.keep(whole, _digest(text[:LONG_DOCUMENT]) if len(text) >= LONG_DOCUMENT else None)
    yield text
    return True


def _unique_long(
    document: LongDocument, seen: _Seen, spill_dir: Path | None
) -> Generator[Document, None, bool]:
    pieces = iter(document)
    head: list[str] = []
    size = 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size >= LONG_DOCUMENT:
            break
    first = "".join(head)
    del head
    if size < LONG_DOCUMENT:  # it ended sooner than a long document does: a string after all
        return (yield from _unique_text(first, seen))
    start = _digest(first[:LONG_DOCUMENT])
    digest = _hash()
    if start not in seen.starts:
        # No kept document starts as this one does, so it is no copy of one: passed on as read.
        hashed = LongDocument(_hashed(chain([first], pieces), digest))
        del first
        yield hashed
        hashed.skip()
        seen.keep(digest.digest(), start)
        return True
    with tempfile.TemporaryFile(dir=spill_dir) as spill:
        for piece in chain([first], pieces):
            for start_at in range(0, len(piece), _SLICE_CHARS):
                data = piece[start_at : start_at + _SLICE_CHARS].encode("utf-8", _UTF8)
                digest.update(data)
                spill.write(data)
        del first
        whole = digest.digest()
        if whole in seen.whole:
            return False
        seen.keep(whole, start)
        spill.seek(0)
        again = LongDocument(_read_back(spill))
        yield again
        again.skip()
    return True


def _hashed(pieces: Iterable[str], digest: hashlib.blake2b) -> Iterator[str]:
    for piece in pieces:
        _feed(digest, piece)
        yield piece


def _read_back(spill: IO[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")(_UTF8)
    while data := spill.read(_SPILL_READ):
        if text := decoder.decode(data):
            yield text
    if text := decoder.decode(b"", final=True):
        yield text
