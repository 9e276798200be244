"""Documents through the token cache: ``doc <eod> doc <eod> ...`` streamed into the token file.

The corpus text is streamed as for a plain run (``training.data.text_stream``) and cut into
documents on the way (``training.data.document_stream``): at every line break ("lines"), at
a separator ("separator:TEXT"), or where one file's text ends and the next one's begins
("files"). Only a batch of short documents and a few pieces of a long one are in memory,
never the corpus nor a whole long document: a long one is de-duplicated
(``training.data.document_dedup``), learnt from and encoded a piece at a time, so a single
document of a gigabyte costs a few of the stream's pieces. The documents are those
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
from training.data.bpe_ids import BpeIds, plain_byte_level
from training.data.corpus import CorpusError, expand_paths, readable_files
from training.data.document_stream import LONG_DOCUMENT, Document, LongDocument, stream_documents
from training.data.documents import DocumentMode
from training.data.holdout import HOLDOUT_CAP
from training.data.ingest_words import WordIds
from training.data.text_stream import StreamReport, scan_file, stream_text
from training.data.token_encode import char_table

_BATCH_CHARS = 1 << 20  # documents encoded together: one Rust or numpy call per megabyte
# Characters of a long document learnt from or encoded at a time: a chunk's ids and code
# points (4 and up to 8 bytes a character) stay a few megabytes, whatever the document.
_SLICE_CHARS = 1 << 20
_BLOCK = 1 << 22  # tokens searched at a time for end-of-document ids


def mode_key(mode: DocumentMode) -> str:
    """A short name for the way a corpus is cut, for cache file names."""
    # "unique": the cut since duplicate documents are dropped; older entries are not reused.
    return hashlib.sha256(f"{mode.describe()}|unique".encode()).hexdigest()[:12]


def at_cuts(pieces: Iterable[str], size: int) -> Iterator[str]:
    """The text of ``pieces`` as ``split_at_cuts`` cuts it whole, without joining it: what
    follows the last cut found waits for the next piece (a text with no safe cut for a long
    stretch is held for that stretch). Each cut is the first safe one ``size`` characters or
    more after the one before, which the text up to it settles."""
    carry = ""
    for piece in pieces:
        carry += piece
        if len(carry) > size:
            parts = split_at_cuts(carry, size)
            carry = parts.pop()
            yield from parts
    if carry:
        yield carry


def _text_pieces(document: Document, *, cut: bool) -> Iterator[str]:
    """A document's text in pieces of about ``_SLICE_CHARS``, at safe cuts when ``cut``."""
    if isinstance(document, LongDocument):
        return at_cuts(document, _SLICE_CHARS) if cut else iter(document)
    if len(document) <= _SLICE_CHARS:
        return iter([document])
    return iter(split_at_cuts(document, _SLICE_CHARS) if cut else _slices(document))


def _slices(text: str, size: int = _SLICE_CHARS) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def training_pieces(documents: Iterable[Document], level: str) -> Iterator[str]:
    """The documents as a tokenizer learns from them: joined by nothing for characters (a
    joining line break would be a token the model never sees in training), by a line break
    for words and BPE (it keeps words apart, and each piece starts where a word may)."""
    joiner = "" if level == "char" else "\n"
    for index, document in enumerate(documents):
        # Words and BPE learn from pieces cut where no word spans them: the words of the whole.
        for number, piece in enumerate(_text_pieces(document, cut=level != "char")):
            yield joiner + piece if index and not number else piece


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
        # A long document's words, or byte-level BPE pieces, the way a plain stream encodes them.
        self.fast: WordIds | BpeIds | None = None
        if isinstance(self.base, HFTokenizerAdapter) and self.base.level == "word":
            self.fast = WordIds(self.base)
        elif isinstance(self.base, HFTokenizerAdapter) and plain_byte_level(self.base):
            self.fast = BpeIds(self.base)

    def encode(self, documents: Iterable[Document]) -> Iterator[np.ndarray]:
        batch: list[str] = []
        size = 0
        for document in documents:
            self.count += 1
            if isinstance(document, LongDocument) or len(document) >= LONG_DOCUMENT:
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

    def _long(self, document: Document) -> Iterator[np.ndarray]:
        """A long document's ids a piece at a time, then the end-of-document id. Characters
        may be cut anywhere; words and BPE only at safe cuts (``lstm_core.chunking``), where
        the ids of the pieces are those of the whole."""
        for part in _text_pieces(document, cut=self.table is None):
            if self.table is not None:
                yield self._chars(part)
            elif self.fast is not None:
                yield self.fast.encode(part).astype(self.dtype)
            else:
                yield np.asarray(self.base.encode(part)).astype(self.dtype)
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
