"""Corpus files in, a memory-mapped token file out: the streaming way every run reads text.

    files --scan--> fingerprint --stream--> tokenizer --stream--> tokens.bin (cached)
           (hash, encoding)      (chars, or a sample)    (chunked, exact ids)

The scan is ``ingest_scan``'s: files unchanged since scans.json saw them are not read.
Nothing holds the whole corpus: files are read a few megabytes at a time (a folder's small
files joined into pieces of ``text_stream.JOIN_CHARS``), and the ids go straight to a file in
the token cache (``training.data.token_cache``), so memory stays flat whatever the corpus
size. The next run on the same files with the same tokenizer (a resume, an evaluation, a
second run) maps that file and starts at once. Every stage reports progress with an ETA and
checks for cancel between chunks.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import Tokenizer, tokenizer_from_dict
from training.common.events import Event, EventCallback, IngestEvent, NoteEvent, WarningEvent, ignore_events
from training.data import cache_limit
from training.data import corpus_messages as say
from training.data import token_cache as cache
from training.data.cache_leftovers import prune_leftovers
from training.data.collector_pause import collector_paused
from training.data.corpus import MIN_CHARS, CorpusError, SourceFile, describe_files, encodings_of
from training.data.document_dedup import unique_documents
from training.data.document_stream import Document, stream_documents
from training.data.documents import DocumentMode
from training.data.heap_trim import HeapTrim
from training.data.ingest_documents import DocumentEncoder, mode_key, training_pieces
from training.data.ingest_scan import per_chunk, scan_corpus, stage_progress, without_duplicates
from training.data.read_progress import IngestCancelled as IngestCancelled  # run and the CLI catch it here
from training.data.text_stream import CHUNK_BYTES, ScannedFile, StreamReport, joined, stream_text
from training.data.token_encode import (
    SAMPLE_CHARS,
    encode_pieces,
    sample_pieces,
    train_char_tokenizer,
    train_hf_tokenizer,
)


@dataclass(frozen=True)
class IngestedCorpus:
    tokens: np.ndarray  # every token of the corpus, memory-mapped from the cache
    tokenizer: Tokenizer
    chars: int  # characters of the joined text
    files: tuple[SourceFile, ...]
    warnings: tuple[str, ...]
    fingerprint: str  # hex digest of the files' contents (see token_cache.fingerprint)
    reused: bool  # the tokens came from the cache
    documents: int | None = None  # in documents mode: how many, each ending with its end id
    file_ends: tuple[int, ...] | None = None  # a stream of several files: where each one's tokens end

    @property
    def encodings(self) -> str:
        return encodings_of(self.files)

    def describe(self) -> str:
        return describe_files(self.files, self.chars)


@collector_paused()  # its objects per file would start collections over the whole process
def ingest_corpus(
    paths: Sequence[str | Path],
    *,
    level: str = "char",
    tokenizer: Tokenizer | None = None,
    on_event: EventCallback = ignore_events,
    cancelled: Callable[[], bool] = lambda: False,
    cache_dir: Path | None = None,
    fallback_dir: Path | None = None,
    min_chars: int = MIN_CHARS,
    chunk_bytes: int = CHUNK_BYTES,
    mode: DocumentMode | None = None,
) -> IngestedCorpus:
    """Tokenise ``paths`` with ``tokenizer`` (or one trained at ``level``), through the cache.
    With a documents ``mode`` the text is cut into documents (``training.data.ingest_documents``)
    and the tokenizer is a DocumentTokenizer.

    Raises CorpusError naming the file for unusable input, IngestCancelled on cancel."""
    documents = mode is not None and not mode.is_stream
    limit = cache_limit.max_bytes()  # a mistyped LSTM_STUDIO_CACHE_MAX_GB is said before any reading
    root = cache.usable_root(cache_dir or cache.cache_root(), fallback_dir)
    prune_leftovers(root)
    heap = HeapTrim()
    scanned, skipped = scan_corpus(paths, root, on_event, cancelled, heap)
    if not scanned:
        raise CorpusError(say.no_readable_files(paths))
    scanned, duplicates = without_duplicates(scanned)
    if duplicates:
        skipped.append(say.duplicate_files(duplicates))
    if documents and mode is not None and mode.kind == "files":
        # Known before any text is read: each document is one of these files, or none.
        _check_documents(len(scanned), mode, [s.path for s, _ in scanned])
    corpus_fp = cache.fingerprint([s for s, _ in scanned])
    total = sum(s.size_bytes for s, _ in scanned)

    def stream(stage_name: str, report: StreamReport, file_starts: list[int] | None = None) -> Iterator[str]:
        stage = stage_progress(stage_name, total, on_event, cancelled)
        on_bytes = per_chunk(stage, heap)
        pieces = stream_text(
            scanned, report, chunk_bytes=chunk_bytes, on_bytes=on_bytes, file_starts=file_starts
        )
        # Documents mode cuts "files" where the pieces end: small files' pieces stay apart there.
        yield from pieces if documents else joined(pieces)
        stage.end()
        _check_length(report, min_chars)

    if tokenizer is None:
        tokenizer = _tokenizer_for(level, root, corpus_fp, total, stream, mode if documents else None)
    # The same tokenizer cuts the same files into other documents in another mode.
    key = cache.tokens_key(
        corpus_fp + (f":{mode_key(mode)}" if documents and mode else ""), tokenizer.to_dict()
    )
    lookup = cache.open_checked(root, key, vocab_size=tokenizer.vocab_size)
    found = lookup.found
    reused = found is not None
    if found is None:
        found = _encode_into_cache(
            tokenizer, root, key, scanned, skipped, stream, mode if documents else None
        )
        if lookup.damage is not None:
            on_event(_rebuilt(lookup.damage))
    else:
        on_event(IngestEvent("reusing tokens", total, total, 0.0, 0.0))
    # After the entry is there and locked as ours: room is made around it, never by deleting it.
    pruned = cache_limit.prune(root, using=key, limit=limit)
    if pruned.over_limit:
        on_event(NoteEvent(model="corpus", message=cache_limit.over_limit_note(pruned)))
    info = found.info
    # Characters per file, by content: a corpus moved to another folder still matches.
    files = tuple(
        SourceFile(s.path, s.encoding, info.file_chars[s.digest], s.size_bytes)
        for s, _ in scanned
        if s.digest in info.file_chars
    )
    for message in info.warnings:
        on_event(WarningEvent(model="corpus", message=message))
    return IngestedCorpus(
        tokens=found.tokens,
        tokenizer=tokenizer,
        chars=info.chars,
        files=files,
        warnings=info.warnings,
        fingerprint=corpus_fp,
        reused=reused,
        documents=info.documents,
        file_ends=info.file_ends,
    )


def _rebuilt(damage: say.CacheDamage) -> Event:
    # An entry from an older version is expected once after an upgrade: a note, not a warning.
    message = say.cache_rebuilt(damage)
    if damage == "unchecked":
        return NoteEvent(model="corpus", message=message)
    return WarningEvent(model="corpus", message=message)


def _encode_into_cache(
    tokenizer: Tokenizer,
    root: Path,
    key: str,
    scanned: Sequence[tuple[ScannedFile, bool]],
    skipped: Sequence[str],
    stream: Callable[..., Iterator[str]],
    mode: DocumentMode | None,
) -> cache.CachedTokens:
    report = StreamReport([], list(skipped))
    writer = cache.TokenWriter(root, key)
    documents: int | None = None
    file_starts: list[int] = []
    file_ends: list[int] = []
    try:
        if mode is None:
            pieces = stream("tokenising", report, file_starts)
            arrays = encode_pieces(tokenizer, pieces, file_starts=file_starts, file_ends=file_ends)
        else:
            if not isinstance(tokenizer, DocumentTokenizer):
                raise CorpusError("the run was trained without documents; it cannot go on with them")
            encoder = DocumentEncoder(tokenizer)
            documents_text = stream_documents(stream("tokenising", report), report, mode)
            arrays = encoder.encode(unique_documents(documents_text, report, spill_dir=root))
        for ids in arrays:
            writer.write(ids)
        if mode is not None:
            documents = encoder.count
            _check_documents(encoder.count, mode, [f.path for f in report.files])
    except OSError as err:
        writer.abandon()  # no half-written entry is left behind
        if err.errno in _DISK_FULL:
            full = OSError(cache_full(root))  # one argument: the message reads without "[Errno 28]"
            full.errno = err.errno
            raise full from err
        raise
    except BaseException:
        writer.abandon()
        raise
    digests = {s.path: s.digest for s, _ in scanned}
    several = mode is None and len(report.files) > 1 and len(file_ends) == len(report.files) - 1
    return writer.commit(
        chars=report.chars,
        warnings=report.warnings,
        file_chars={digests[f.path]: f.chars for f in report.files},
        documents=documents,
        file_ends=[*file_ends, writer.count] if several else None,
    )


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def cache_full(root: Path) -> str:
    """What to do when the disk of the token cache fills while a corpus is tokenised."""
    return (
        f"cannot write the token cache in {root}: the disk is full; free space there, or set "
        f"{cache.CACHE_ENV} to a folder on a disk with room (its tokens take 1 to 4 bytes a token)"
    )


def _check_documents(count: int, mode: DocumentMode, paths: Sequence[str], minimum: int = 2) -> None:
    # Training needs two documents: one to learn from, one to validate on.
    if count < minimum:
        raise CorpusError(say.too_few_documents(say.file_names(paths), mode.describe(), count, minimum))


def _counted(documents: Iterator[Document], count: list[int]) -> Iterator[Document]:
    """The documents, counted into ``count[0]`` as they pass."""
    for document in documents:
        count[0] += 1
        yield document


def _check_length(report: StreamReport, min_chars: int) -> None:
    if not report.files:
        raise CorpusError(say.no_readable_files())
    if report.chars < min_chars:
        raise CorpusError(say.too_short([f.path for f in report.files], report.chars, min_chars))


def _tokenizer_for(
    level: str,
    root: Path,
    corpus_fp: str,
    total: int,
    stream: Callable[[str, StreamReport], Iterator[str]],
    mode: DocumentMode | None,
) -> Tokenizer:
    """The tokenizer a fresh run on this corpus trains, from the cache when it was trained
    before. In documents mode it learns from the documents only (``training_pieces``)."""
    variant = level if mode is None else f"{level}-documents-{mode_key(mode)}"
    path = cache.tokenizer_path(root, corpus_fp, variant)
    stored = cache.read_json(path)
    if isinstance(stored, dict):
        try:
            return tokenizer_from_dict(stored)
        except (KeyError, ValueError):
            pass
    report = StreamReport([], [])
    pieces = stream("learning the vocabulary", report)
    count = [0]  # documents, repeated ones too
    if mode is not None:
        pieces = training_pieces(_counted(stream_documents(pieces, report, mode), count), level)
    if level == "char":
        tokenizer: Tokenizer = train_char_tokenizer(pieces)
    else:
        sample = sample_pieces(pieces, total_bytes=total, budget_chars=SAMPLE_CHARS[level])
        tokenizer = train_hf_tokenizer(level, sample)
    if mode is not None:
        # Too few documents are refused as this first read ends, not after a second one.
        _check_documents(count[0], mode, [f.path for f in report.files])
        tokenizer = DocumentTokenizer(tokenizer)
    cache.write_json(path, tokenizer.to_dict())
    return tokenizer
