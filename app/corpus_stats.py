"""What the corpus panel shows about a corpus, computed off the GUI thread."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lstm_core.tokenizers import train_tokenizer, vocabulary_size_estimate
from training.corpus import Corpus, load_corpus

PREVIEW_CHARS = 4000
_WORDS = re.compile(r" ?\w+| ?[^\w\s]| +|\r?\n|\s")  # the word tokenizer's own pattern
BPE_SAMPLE_CHARS = 2_000_000  # training BPE on more than this for a preview takes too long


@dataclass(frozen=True)
class CorpusStats:
    level: str
    vocab_size: int
    tokens: int
    estimated: bool  # True when tokens were counted on a sample and scaled


def corpus_stats(corpus: Corpus, level: str) -> CorpusStats:
    text = corpus.text
    if level == "char":
        return CorpusStats(level, vocabulary_size_estimate("char", text), len(text), False)
    if level == "word":
        return CorpusStats(level, vocabulary_size_estimate("word", text), len(_WORDS.findall(text)), False)
    sample = text[:BPE_SAMPLE_CHARS]
    tokenizer = train_tokenizer("bpe", sample)
    tokens = len(tokenizer.encode(sample))
    scaled = round(tokens * len(text) / max(1, len(sample)))
    return CorpusStats(level, tokenizer.vocab_size, scaled, len(sample) < len(text))


@dataclass(frozen=True)
class LoadedCorpus:
    paths: tuple[str, ...]
    corpus: Corpus
    stats: CorpusStats


def read_corpus(paths: tuple[str, ...], level: str) -> LoadedCorpus:
    """Runs on a pool thread: raises CorpusError for the person to read."""
    corpus = load_corpus(paths)
    return LoadedCorpus(paths, corpus, corpus_stats(corpus, level))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
