"""Corpus files in, a memory-mapped token file out: the streaming way every run reads text.

    files --scan--> fingerprint --stream--> tokenizer --stream--> tokens.bin (cached)
           (hash, encoding)      (chars, or a sample)    (chunked, exact ids)

Nothing holds the whole corpus: files are read a few megabytes at a time, and
the ids go straight to a file in the token cache (``training.data.token_cache``), so
memory stays flat whatever the corpus size. The next run on the same files with
the same tokenizer (a resume, an evaluation, a second run) maps that file and
starts at once. Every stage reports progress with an ETA and checks for cancel
between chunks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import Tokenizer, tokenizer_from_dict
from training.common.events import EventCallback, IngestEvent, WarningEvent, ignore_events
from training.data import token_cache as cache
from training.data.corpus import MIN_CHARS, CorpusError, SourceFile
from training.data.documents import DocumentMode
from training.data.ingest_documents import DocumentEncoder, mode_key, stream_documents, training_pieces
from training.data.text_stream import (
    CHUNK_BYTES,
    ScannedFile,
    StreamReport,
    expand_paths,
    scan_file,
    stream_text,
)
from training.data.token_encode import (
    SAMPLE_CHARS,
    encode_pieces,
    sample_pieces,
    train_char_tokenizer,
    train_hf_tokenizer,
)

_REPORT_EVERY_S = 0.1  # ten updates a second are plenty for a bar


class IngestCancelled(Exception):
    """The person stopped the run while its corpus was being read."""


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

    @property
    def encodings(self) -> str:
        return ", ".join(sorted({f.encoding for f in self.files}))

    def describe(self) -> str:
        names = ", ".join(Path(f.path).name for f in self.files[:3])
        more = f" and {len(self.files) - 3} more" if len(self.files) > 3 else ""
        return f"{names}{more} ({self.chars:,} characters)"


class _Stage:
    """Counts bytes through one stage, reports at most ten times a second, checks for cancel."""

    def __init__(self, name: str, total: int, on_event: EventCallback, cancelled: Callable[[], bool]) -> None:
        self.name, self.total, self.done = name, total, 0
        self.on_event, self.cancelled = on_event, cancelled
        self.started = self._last = time.perf_counter()
        self._emit()

    def _emit(self) -> None:
        elapsed = time.perf_counter() - self.started
        eta = elapsed * (self.total - self.done) / self.done if self.done and elapsed > 0.2 else None
        self.on_event(IngestEvent(self.name, self.done, self.total, elapsed, eta))

    def add(self, count: int) -> None:
        if self.cancelled():
            raise IngestCancelled("stopped while reading the corpus")
        self.done += count
        now = time.perf_counter()
        if now - self._last >= _REPORT_EVERY_S:
            self._last = now
            self._emit()

    def end(self) -> None:
        self.done = self.total
        self._emit()


def _scan(
    files: Sequence[tuple[Path, bool]], root: Path, on_event: EventCallback, cancelled: Callable[[], bool]
) -> tuple[list[tuple[ScannedFile, bool]], list[str]]:
    known = {path: cache.known_scan(root, path) for path, _ in files}
    todo = sum(path.stat().st_size for path, _ in files if known[path] is None)
    stage = _Stage("checking files", todo, on_event, cancelled)
    scanned: list[tuple[ScannedFile, bool]] = []
    skipped: list[str] = []
    for path, explicit in files:
        try:
            scan = known[path] or scan_file(path, on_bytes=stage.add)
        except CorpusError as err:
            if explicit:
                raise
            skipped.append(f"skipped {err}")
            continue
        scanned.append((scan, explicit))
    stage.end()
    if todo:
        cache.remember_scans(root, [s for s, _ in scanned])
    return scanned, skipped


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
    root = cache.usable_root(cache_dir or cache.cache_root(), fallback_dir)
    scanned, skipped = _scan(expand_paths(paths), root, on_event, cancelled)
    if not scanned:
        raise CorpusError(f"{', '.join(map(str, paths))}: holds no readable text files")
    corpus_fp = cache.fingerprint([s for s, _ in scanned])
    total = sum(s.size_bytes for s, _ in scanned)

    def stream(stage_name: str, report: StreamReport) -> Iterator[str]:
        stage = _Stage(stage_name, total, on_event, cancelled)
        yield from stream_text(scanned, report, chunk_bytes=chunk_bytes, on_bytes=stage.add)
        stage.end()
        _check_length(report, min_chars)

    if tokenizer is None:
        tokenizer = _tokenizer_for(level, root, corpus_fp, total, stream, mode if documents else None)
    # The same tokenizer cuts the same files into other documents in another mode.
    key = cache.tokens_key(
        corpus_fp + (f":{mode_key(mode)}" if documents and mode else ""), tokenizer.to_dict()
    )
    found = cache.open_tokens(root, key)
    reused = found is not None
    if found is None:
        found = _encode_into_cache(
            tokenizer, root, key, scanned, skipped, stream, mode if documents else None
        )
    else:
        on_event(IngestEvent("reusing tokens", total, total, 0.0, 0.0))
    info = found.info
    # Characters per file, by content: a corpus moved to another folder still matches.
    file_chars: dict[str, int] = info["file_chars"]
    files = tuple(
        SourceFile(s.path, s.encoding, int(file_chars[s.digest]), s.size_bytes)
        for s, _ in scanned
        if s.digest in file_chars
    )
    warnings = tuple(str(w) for w in info["warnings"])
    for message in warnings:
        on_event(WarningEvent(model="corpus", message=message))
    return IngestedCorpus(
        tokens=found.tokens,
        tokenizer=tokenizer,
        chars=int(info["chars"]),
        files=files,
        warnings=warnings,
        fingerprint=corpus_fp,
        reused=reused,
        documents=info.get("documents"),
    )


def _encode_into_cache(
    tokenizer: Tokenizer,
    root: Path,
    key: str,
    scanned: Sequence[tuple[ScannedFile, bool]],
    skipped: Sequence[str],
    stream: Callable[[str, StreamReport], Iterator[str]],
    mode: DocumentMode | None,
) -> cache.CachedTokens:
    report = StreamReport([], list(skipped))
    writer = cache.TokenWriter(root, key)
    info: dict[str, Any] = {}
    try:
        if mode is None:
            arrays = encode_pieces(tokenizer, stream("tokenising", report))
        else:
            if not isinstance(tokenizer, DocumentTokenizer):
                raise CorpusError("the run was trained without documents; it cannot go on with them")
            encoder = DocumentEncoder(tokenizer)
            arrays = encoder.encode(stream_documents(stream("tokenising", report), report, mode))
        for ids in arrays:
            writer.write(ids)
        if mode is not None:
            info["documents"] = encoder.count
            _check_documents(encoder.count, mode, report)
    except BaseException:
        writer.abandon()
        raise
    digests = {s.path: s.digest for s, _ in scanned}
    info |= {
        "chars": report.chars,
        "warnings": report.warnings,
        "file_chars": {digests[f.path]: f.chars for f in report.files},
    }
    return writer.commit(info)


def _check_documents(count: int, mode: DocumentMode, report: StreamReport, minimum: int = 2) -> None:
    # Training needs two documents: one to learn from, one to validate on.
    if count < minimum:
        names = ", ".join(Path(f.path).name for f in report.files)
        raise CorpusError(
            f"{names}: splitting by {mode.describe()} gives {count} document(s); at least {minimum} needed"
        )


def _check_length(report: StreamReport, min_chars: int) -> None:
    if not report.files:
        raise CorpusError("the corpus holds no readable text files")
    if report.chars < min_chars:
        names = ", ".join(Path(f.path).name for f in report.files)
        raise CorpusError(
            f"{names}: too short to learn from ({report.chars:,} characters; at least {min_chars:,} needed)"
        )


def _tokenizer_for(
    level: str,
    root: Path,
    corpus_fp: str,
    total: int,
    stream: Callable[[str, StreamReport], Iterator[str]],
    mode: DocumentMode | None,
) -> Tokenizer:
    """The tokenizer a fresh run on this corpus trains, from the cache when it was trained
    before. In documents mode it learns from the documents only, as ``document_tokenizer``."""
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
    if mode is not None:
        pieces = training_pieces(stream_documents(pieces, report, mode), level)
    if level == "char":
        tokenizer: Tokenizer = train_char_tokenizer(pieces)
    else:
        sample = sample_pieces(pieces, total_bytes=total, budget_chars=SAMPLE_CHARS[level])
        tokenizer = train_hf_tokenizer(level, sample)
    if mode is not None:
        tokenizer = DocumentTokenizer(tokenizer)
    cache.write_json(path, tokenizer.to_dict())
    return tokenizer
