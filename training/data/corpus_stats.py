"""What the corpus panel shows about a corpus, read a chunk at a time.

Nothing here holds a whole corpus: opening a 1 GB file costs a few MB. ``read_corpus``
checks every file with the streaming reader's rules (``training.data.text_stream.scan_file``:
encoding, binary, empty), then streams the text once for the counts at one level and the
first few KB for the preview. Counts are of the files' own characters, line ends read as
"\\n": the blank line that joins files into one training text is not counted, so one
file's count is what ``wc -m`` says and several files' is the sum of theirs. Plain Python,
no Qt: the window runs it off the GUI thread, with progress and a stop flag.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lstm_core.chunking import last_cut
from lstm_core.tokenizers import DEFAULT_VOCAB, train_tokenizer, vocabulary_size_estimate, word_pieces
from training.data import corpus_messages as say
from training.data.corpus import (
    MIN_CHARS,
    Corpus,
    CorpusError,
    SourceFile,
    describe_files,
    encodings_of,
    expand_paths,
    readable_files,
)
from training.data.read_progress import IngestCancelled, ReadProgress, Stopped
from training.data.text_stream import ScannedFile, scan_file

PREVIEW_CHARS = 4000  # the preview shows the corpus's start; more would only cost memory
BPE_SAMPLE_CHARS = 2_000_000  # training BPE on more than this for a preview takes too long
READ_BYTES = 1 << 20
# Every C-level step over text (a set update, a regex) holds the GIL while it runs, and the
# window's thread waits for each one on every return into Python (a layout pass makes about
# a hundred). At 64K characters the word regex and its Counter update held it 3-7 ms each,
# which added up to 100 ms stalls while a corpus was counted by words; slices of 8K
# characters hold it under half a millisecond.
SLICE_CHARS = 1 << 13
FILE_JOINER = "\n\n"  # as training.data.corpus joins several files

Progress = Callable[[float], None]  # the fraction done, 0 to 1


@dataclass(frozen=True)
class CorpusStats:
    level: str
    vocab_size: int
    tokens: int
    estimated: bool  # True when tokens were counted on a sample and scaled


@dataclass(frozen=True)
class CorpusSummary:
    """A corpus without its text: the files, their counts and the start of the text."""

    files: tuple[SourceFile, ...]
    scanned: tuple[ScannedFile, ...]  # how each file decodes, for counting again at another level
    warnings: tuple[str, ...]
    chars: int
    preview: str

    @property
    def encodings(self) -> str:
        return encodings_of(self.files)

    @property
    def size_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)

    def describe(self) -> str:
        return describe_files(self.files, self.chars)


@dataclass(frozen=True)
class LoadedCorpus:
    paths: tuple[str, ...]
    corpus: CorpusSummary
    stats: CorpusStats


def _ticker(total_bytes: int, progress: Progress | None, stopped: Stopped | None) -> ReadProgress:
    """Progress for the panel's bar, once per per-mille; a Stop raises IngestCancelled, which
    the functions below turn into their None."""
    report = None if progress is None else lambda tick: progress(tick.per_mille / 1000)
    return ReadProgress(total_bytes, report, stopped=stopped)


class _LevelCount:
    """Vocabulary and tokens at one level, fed the text a slice at a time."""

    def __init__(self, level: str) -> None:
        self.level = level
        self.chars = 0
        self.distinct: set[str] = set()
        self.words: Counter[str] = Counter()
        self.tail = ""  # word level: text after the last safe cut, waiting for the rest of its piece
        self.sample: list[str] = []  # BPE level: the start of the text
        self.sampled = 0

    def feed(self, text: str) -> None:
        self.chars += len(text)
        self.distinct.update(text)
        if self.level == "word":
            text = self.tail + text
            cut = last_cut(text) if len(text) < 16 * SLICE_CHARS else len(text)
            self.words.update(word_pieces(text[:cut]))
            self.tail = text[cut:]
        elif self.level == "bpe" and self.sampled < BPE_SAMPLE_CHARS:
            self.sample.append(text[: BPE_SAMPLE_CHARS - self.sampled])
            self.sampled += len(self.sample[-1])

    def end_file(self) -> None:
        if self.tail:
            self.words.update(word_pieces(self.tail))
            self.tail = ""
        if self.level == "bpe" and self.sampled < BPE_SAMPLE_CHARS:
            self.sample.append(FILE_JOINER)
            self.sampled += len(FILE_JOINER)

    def result(self) -> CorpusStats:
        if self.level == "char":  # the model's vocabulary adds one token for unseen characters
            return CorpusStats("char", len(self.distinct) + 1, self.chars, False)
        if self.level == "word":
            seen_twice = sum(1 for count in self.words.values() if count >= 2)
            vocab = 1 + min(DEFAULT_VOCAB["word"], seen_twice)  # as vocabulary_size_estimate
            return CorpusStats("word", vocab, sum(self.words.values()), False)
        sample = "".join(self.sample).rstrip("\n")
        tokenizer = train_tokenizer("bpe", sample)
        tokens = len(tokenizer.encode(sample))
        scaled = round(tokens * self.chars / max(1, len(sample)))
        return CorpusStats("bpe", tokenizer.vocab_size, scaled, self.chars > len(sample))


def _file_text(info: ScannedFile, tick: ReadProgress) -> Iterator[str]:
    """One file's text in slices, line ends as "\\n" (a "\\r" ending a chunk waits for the next)."""
    decoder = codecs.getincrementaldecoder(info.codec)()
    carry = ""
    with Path(info.path).open("rb") as handle:
        while True:
            raw = handle.read(READ_BYTES)
            text = carry + decoder.decode(raw, final=not raw)
            carry = ""
            if raw and text.endswith("\r"):
                text, carry = text[:-1], "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            for start in range(0, len(text), SLICE_CHARS):
                tick.check()
                yield text[start : start + SLICE_CHARS]
            if not raw:
                return
            tick.add(len(raw))


def _count(
    scanned: Sequence[ScannedFile], level: str, tick: ReadProgress, preview: list[str] | None = None
) -> tuple[_LevelCount, list[int]]:
    """Stream the files once: the level's counts, each file's characters, and the preview."""
    count = _LevelCount(level)
    per_file: list[int] = []
    shown = 0
    for index, info in enumerate(scanned):
        before = count.chars
        if preview is not None and index and shown < PREVIEW_CHARS:
            preview.append(FILE_JOINER)
            shown += len(FILE_JOINER)
        for piece in _file_text(info, tick):
            count.feed(piece)
            if preview is not None and shown < PREVIEW_CHARS:
                preview.append(piece[: PREVIEW_CHARS - shown])
                shown += len(preview[-1])
        count.end_file()
        per_file.append(count.chars - before)
    return count, per_file


def read_corpus(
    paths: tuple[str, ...], level: str, *, progress: Progress | None = None, stopped: Stopped | None = None
) -> LoadedCorpus | None:
    """Check, count and preview, a chunk at a time; None when stopped. Raises CorpusError,
    whose message names the file and the reason."""
    found = expand_paths(paths)
    tick = _ticker(2 * sum(p.stat().st_size for p, _ in found), progress, stopped)
    scanned: list[ScannedFile] = []
    warnings: list[str] = []

    def scan(path: Path) -> ScannedFile:
        return scan_file(path, chunk_bytes=READ_BYTES, on_bytes=tick.add)

    def skip(path: Path) -> None:
        tick.add(path.stat().st_size)  # the second pass skips it

    try:
        for info, _ in readable_files(found, scan, warnings, on_skip=skip):
            scanned.append(info)
            if info.warning:
                warnings.append(info.warning)
        if not scanned:
            raise CorpusError(say.no_readable_files(paths))
        preview: list[str] = []
        count, per_file = _count(scanned, level, tick, preview)
        stats = count.result()
    except IngestCancelled:
        return None
    files = tuple(
        SourceFile(s.path, s.encoding, n, s.size_bytes) for s, n in zip(scanned, per_file, strict=True)
    )
    if count.chars < MIN_CHARS:
        raise CorpusError(say.too_short([f.path for f in files], count.chars, MIN_CHARS))
    summary = CorpusSummary(files, tuple(scanned), tuple(warnings), count.chars, "".join(preview))
    return LoadedCorpus(tuple(paths), summary, stats)


def count_level(
    summary: CorpusSummary, level: str, *, progress: Progress | None = None, stopped: Stopped | None = None
) -> CorpusStats | None:
    """The counts at another level, streaming the files again; None when stopped."""
    tick = _ticker(sum(s.size_bytes for s in summary.scanned), progress, stopped)
    try:
        count, _ = _count(summary.scanned, level, tick)
        return count.result()
    except IngestCancelled:
        return None


def corpus_stats(corpus: Corpus, level: str) -> CorpusStats:
    """The counts for a corpus already in memory (the CLI and tests have one)."""
    text = corpus.text
    if level == "char":
        return CorpusStats(level, vocabulary_size_estimate("char", text), len(text), False)
    if level == "word":
        return CorpusStats(level, vocabulary_size_estimate("word", text), len(word_pieces(text)), False)
    sample = text[:BPE_SAMPLE_CHARS]
    tokenizer = train_tokenizer("bpe", sample)
    tokens = len(tokenizer.encode(sample))
    scaled = round(tokens * len(text) / max(1, len(sample)))
    return CorpusStats(level, tokenizer.vocab_size, scaled, len(sample) < len(text))
