"""What the corpus panel shows about a corpus: vocabulary and token counts per level.

Plain Python over the corpus reader and the tokenizers; the window runs it off
the GUI thread and displays the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from lstm_core.tokenizers import train_tokenizer, vocabulary_size_estimate, word_pieces
from training.corpus import Corpus, load_corpus

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
        return CorpusStats(level, vocabulary_size_estimate("word", text), len(word_pieces(text)), False)
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
    """Read and count in one go; raises CorpusError, whose message names the file and the reason."""
    corpus = load_corpus(paths)
    return LoadedCorpus(paths, corpus, corpus_stats(corpus, level))
