"""Documents through the token cache: ``doc <eod> doc <eod> ...`` streamed into the token file.

The corpus text is streamed as for a plain run (``training.data.text_stream``) and cut into
documents on the way: at every line break ("lines"), at a separator ("separator:TEXT"),
or where one file's text ends and the next one's begins ("files"). Only the document
being cut and a batch of finished ones are in memory, never the corpus: a document's text is
held whole (the largest document bounds memory, not the corpus), but it is hashed, learnt
from and encoded a bounded slice at a time, so a single file of a gigabyte costs about its
own text once, not the twenty-odd bytes per character of holding its ids. The documents are those
``training.data.documents.split_documents`` cuts from the whole text, and the tokenizer and
ids those of the whole text too (tests/training/data/test_ingest_documents.py holds both
ways side by side); the token file holds each document's ids and then the end-of-document id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_core.chunking import split_at_cuts
from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import CharTokenizer, HFTokenizerAdapter, Tokenizer
from training.data import corpus_messages as say
from training.data.batching import compact_dtype
from training.data.corpus import CorpusError, expand_paths, readable_files
from training.data.documents import DocumentMode
from training.data.holdout import HOLDOUT_CAP
from training.data.ingest_words import WordIds
from training.data.text_stream import StreamReport, scan_file, stream_text
from training.data.token_encode import char_table

_BATCH_CHARS = 1 << 20  # documents encoded together: one Rust or numpy call per megabyte
_LONG_DOCUMENT = 1 << 16  # a document this long is encoded on its own, in chunks
# Characters of a long document hashed, learnt from or encoded at a time: a chunk's ids and
# code points (4 and up to 8 bytes a character) stay a few megabytes, whatever the document.
_SLICE_CHARS = 1 << 20
_BLOCK = 1 << 22  # tokens searched at a time for end-of-document ids


# Exact duplicate documents are dropped up to this many distinct ones (a set of their hashes,
# about 100 bytes each); beyond it every document is kept, so memory stays bounded.
DEDUPLICATE_UP_TO = 2_000_000


def mode_key(mode: DocumentMode) -> str:
    """A short name for the way a corpus is cut, for cache file names."""
    # "unique": the cut since duplicate documents are dropped; older entries are not reused.
    return hashlib.sha256(f"{mode.describe()}|unique".encode()).hexdigest()[:12]


def stream_documents(pieces: Iterable[str], report: StreamReport, mode: DocumentMode) -> Iterator[str]:
    """The documents of the streamed text, without empty ones and without their surrounding
    line breaks, as ``split_documents`` cuts the whole text."""
    if mode.kind == "files":
        yield from _file_documents(pieces, report)
        return
    held = ""  # the text since the last cut
    separator = "\n" if mode.kind == "lines" else mode.separator
    for piece in pieces:
        parts = (held + piece).split(separator)
        held = parts.pop()
        yield from _kept(parts)
    yield from _kept([held])


def _file_documents(pieces: Iterable[str], report: StreamReport) -> Iterator[str]:
    """One document per file. A file's pieces are joined once, when it ends: adding each
    piece to a growing string could copy a large file's text once per piece."""
    files_seen = len(report.files)
    held: list[str] = []  # the pieces of the file being read
    for piece in pieces:
        # A file ended before this piece: it starts with the blank line that joins files.
        if len(report.files) > files_seen:
            files_seen = len(report.files)
            yield from _kept(["".join(held)])
            held, piece = [], piece[2:]
        held.append(piece)
    yield from _kept(["".join(held)])


def _slices(text: str, size: int = _SLICE_CHARS) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def _digest(document: str) -> bytes:
    """The document's hash, fed a slice at a time: its UTF-8 bytes are never all held at once."""
    digest = hashlib.blake2b(digest_size=12)
    for part in _slices(document):
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.digest()


def unique_documents(documents: Iterable[str], report: StreamReport) -> Iterator[str]:
    """Each document's text once (a repeated one would put copies on both sides of the held-out
    split); how many were left out goes into the report's warnings."""
    seen: set[bytes] = set()
    dropped = 0
    for document in documents:
        digest = _digest(document)
        if digest in seen:
            dropped += 1
            continue
        if len(seen) < DEDUPLICATE_UP_TO:
            seen.add(digest)
        yield document
    if dropped:
        report.warnings.append(say.duplicate_documents(dropped))


def _kept(parts: list[str]) -> Iterator[str]:
    for part in parts:
        if part.strip():
            yield part.strip("\n")


def training_pieces(documents: Iterable[str], level: str) -> Iterator[str]:
    """The documents as a tokenizer learns from them: joined by nothing for characters (a
    joining line break would be a token the model never sees in training), by a line break
    for words and BPE (it keeps words apart, and each piece starts where a word may)."""
    joiner = "" if level == "char" else "\n"
    for index, document in enumerate(documents):
        # A long document in slices cut where no word spans them: the same words, bounded memory.
        pieces = split_at_cuts(document, _SLICE_CHARS) if len(document) > _SLICE_CHARS else [document]
        if index:
            pieces[0] = joiner + pieces[0]
        yield from pieces


class DocumentEncoder:
    """Each document's ids followed by the end-of-document id, a batch of documents at a time."""

    def __init__(self, tokenizer: DocumentTokenizer) -> None:
        self.base: Tokenizer = tokenizer.base
        self.eod = tokenizer.vocab_size - 1
        self.dtype = compact_dtype(tokenizer.vocab_size)
        self.count = 0  # documents encoded so far
        # In the stored dtype: looking up a long document's characters makes no 8-byte ids.
        self.table = (
            char_table(self.base).astype(self.dtype) if isinstance(self.base, CharTokenizer) else None
        )
        word = isinstance(self.base, HFTokenizerAdapter) and self.base.level == "word"
        self.words = WordIds(self.base) if word and isinstance(self.base, HFTokenizerAdapter) else None

    def encode(self, documents: Iterable[str]) -> Iterator[np.ndarray]:
        batch: list[str] = []
        size = 0
        for document in documents:
            self.count += 1
            if len(document) >= _LONG_DOCUMENT:
                yield from self._flush(batch)
                batch, size = [], 0
                yield from self._long(document)
                continue
            batch.append(document)
            size += len(document)
            if size >= _BATCH_CHARS:
                yield from self._flush(batch)
                batch, size = [], 0
        yield from self._flush(batch)

    def _long(self, document: str) -> Iterator[np.ndarray]:
        """A long document's ids a slice at a time, then the end-of-document id. Characters
        may be cut anywhere; words and BPE only at safe cuts (``lstm_core.chunking``), where
        the ids of the pieces are those of the whole."""
        if self.table is not None:
            for part in _slices(document):
                yield self._chars(part)
        else:
            for part in split_at_cuts(document, _SLICE_CHARS):
                ids = self.words.encode(part) if self.words is not None else self.base.encode(part)
                yield np.asarray(ids).astype(self.dtype)
        yield np.array([self.eod], dtype=self.dtype)

    def _chars(self, text: str) -> np.ndarray:
        assert self.table is not None
        return self.table[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")]

    def _flush(self, batch: list[str]) -> Iterator[np.ndarray]:
        if not batch:
            return
        if self.table is not None:
            # Characters do not depend on their neighbours: encode the batch as one text.
            ids = self._chars("".join(batch))
            ends = np.cumsum([len(d) for d in batch])
            yield np.insert(ids, ends, self.eod).astype(self.dtype)
            return
        assert isinstance(self.base, HFTokenizerAdapter)
        parts = [[*enc.ids, self.eod] for enc in self.base.hf.encode_batch(batch)]
        yield np.array([i for part in parts for i in part], dtype=self.dtype)


@dataclass(frozen=True)
class DocumentTokens:
    tokens: np.ndarray  # memory-mapped: each document's ids, then the end-of-document id
    chars: int  # characters of the joined text
    documents: int


def write_document_tokens(
    paths: Sequence[str | Path],
    tokenizer: DocumentTokenizer,
    mode: DocumentMode,
    path: Path,
    *,
    on_bytes: Callable[[int], None] | None = None,
    min_chars: int = 2,
) -> DocumentTokens:
    """Every document of ``paths`` into the token file ``path``, a batch at a time, read back
    memory-mapped. Repeated documents are all kept (a text being scored is scored whole) and
    one document is enough: unlike a run's cache entry, this needs nothing to hold out."""
    warnings: list[str] = []
    scanned = list(readable_files(expand_paths(paths), scan_file, warnings))
    if not scanned:
        raise CorpusError(say.no_readable_files(paths))
    report = StreamReport([], warnings)
    encoder = DocumentEncoder(tokenizer)
    count = 0
    with path.open("wb") as out:
        documents = stream_documents(stream_text(scanned, report, on_bytes=on_bytes), report, mode)
        for ids in encoder.encode(documents):
            out.write(ids.tobytes())
            count += len(ids)
    if report.chars < min_chars:
        raise CorpusError(say.too_short([f.path for f in report.files], report.chars, min_chars))
    if encoder.count == 0:
        where = say.file_names([f.path for f in report.files])
        raise CorpusError(say.too_few_documents(where, mode.describe(), 0, 1))
    tokens = np.memmap(path, dtype=encoder.dtype, mode="r", shape=(count,))
    return DocumentTokens(tokens, report.chars, encoder.count)


def document_holdout(
    tokens: np.ndarray, eod: int, documents: int, val_fraction: float, *, cap: int = HOLDOUT_CAP
) -> int:
    """Where the held-out documents begin: the last val_fraction of them (at least one, and
    at least one left to train on), but no more whole documents than fit in ``cap`` tokens
    (the stream's rule, ``training.data.holdout``), found by counting end-of-document ids from
    the end."""
    held = min(documents - 1, max(1, round(documents * val_fraction)))
    total, passed, best = len(tokens), 0, 0
    stop = total
    while stop > 0:
        start = max(0, stop - _BLOCK)
        ends = np.flatnonzero(np.asarray(tokens[start:stop]) == eod)
        for end in (ends[::-1] + start).tolist():
            passed += 1  # the first one from the end closes the last document
            if passed == 1:
                continue
            boundary = end + 1  # after it: the last passed - 1 documents
            if best and total - boundary > cap:
                return best
            best = boundary
            if passed - 1 == held:
                return best
        stop = start
    return best
