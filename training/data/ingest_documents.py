"""Documents through the token cache: ``doc <eod> doc <eod> ...`` streamed into the token file.

The corpus text is streamed as for a plain run (``training.data.text_stream``) and cut into
documents on the way: at every line break ("lines"), at a separator ("separator:TEXT"),
or where one file's text ends and the next one's begins ("files"). Only the document
being cut and a batch of finished ones are in memory, never the corpus: a document is
held whole (the largest document bounds memory, not the corpus). The documents are those
``training.data.documents.split_documents`` cuts from the whole text, and the tokenizer and
ids those of the whole text too (tests/training/data/test_ingest_documents.py holds both
ways side by side); the token file holds each document's ids and then the end-of-document id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import numpy as np

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import CharTokenizer, HFTokenizerAdapter, Tokenizer
from training.data import corpus_messages as say
from training.data.batching import compact_dtype
from training.data.documents import DocumentMode
from training.data.holdout import HOLDOUT_CAP
from training.data.ingest_words import WordIds
from training.data.text_stream import StreamReport
from training.data.token_encode import char_table

_BATCH_CHARS = 1 << 20  # documents encoded together: one Rust or numpy call per megabyte
_LONG_DOCUMENT = 1 << 16  # a document this long is encoded on its own, in chunks
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
    files_seen = len(report.files)
    held = ""  # the text since the last cut
    separator = "\n" if mode.kind == "lines" else mode.separator
    for piece in pieces:
        if mode.kind == "files":
            # A file ended before this piece: it starts with the blank line that joins files.
            if len(report.files) > files_seen:
                files_seen = len(report.files)
                yield from _kept([held])
                held, piece = "", piece[2:]
            held += piece
            continue
        parts = (held + piece).split(separator)
        held = parts.pop()
        yield from _kept(parts)
    yield from _kept([held])


def unique_documents(documents: Iterable[str], report: StreamReport) -> Iterator[str]:
    """Each document's text once (a repeated one would put copies on both sides of the held-out
    split); how many were left out goes into the report's warnings."""
    seen: set[bytes] = set()
    dropped = 0
    for document in documents:
        digest = hashlib.blake2b(document.encode("utf-8", "surrogatepass"), digest_size=12).digest()
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
        yield document if index == 0 else joiner + document


class DocumentEncoder:
    """Each document's ids followed by the end-of-document id, a batch of documents at a time."""

    def __init__(self, tokenizer: DocumentTokenizer) -> None:
        self.base: Tokenizer = tokenizer.base
        self.eod = tokenizer.vocab_size - 1
        self.dtype = compact_dtype(tokenizer.vocab_size)
        self.count = 0  # documents encoded so far
        self.table = char_table(self.base).astype(np.int64) if isinstance(self.base, CharTokenizer) else None
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
                yield self._long(document)
                continue
            batch.append(document)
            size += len(document)
            if size >= _BATCH_CHARS:
                yield from self._flush(batch)
                batch, size = [], 0
        yield from self._flush(batch)

    def _long(self, document: str) -> np.ndarray:
        if self.words is not None:
            ids = self.words.encode(document)
        elif self.table is not None:
            ids = self._chars(document)
        else:
            ids = np.array(self.base.encode(document), dtype=np.int64)
        return np.append(ids, self.eod).astype(self.dtype)

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
