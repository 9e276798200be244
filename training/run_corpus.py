"""A run's text as tokens: a stream goes through the token cache (memory-mapped, any size);
a set of documents is read whole and each document ends with its end-of-document token.

Either way the run gets its tokenizer (the resumed run's own, or one trained here), a
description for its metadata, and a train/held-out split once it knows its val_fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import Tokenizer
from training import checkpoint as ckpt
from training.batching import to_token_array
from training.control import TrainingControl
from training.corpus import CorpusError, load_corpus
from training.distributed import DistContext, builder_first
from training.documents import DocumentMode, document_split, document_tokenizer, split_documents
from training.events import EventCallback, WarningEvent, ignore_events
from training.holdout import count_chars, split_holdout
from training.ingest import ingest_corpus
from training.resume_check import text_fingerprint
from training.run_meta import CorpusInfo
from training.trainer import DataSplit


def split_data(tokenizer: Tokenizer, tokens: np.ndarray, val_fraction: float) -> DataSplit:
    """Training and held-out views of ``tokens`` (see ``training.holdout`` for the rule)."""
    train, val = split_holdout(tokens, val_fraction)
    return DataSplit(train, val, max(1, count_chars(tokenizer, val)))


def encode_split(tokenizer: Tokenizer, text: str, val_fraction: float) -> DataSplit:
    """For text already in memory (the demo builder): encode it all, then split."""
    return split_data(tokenizer, to_token_array(tokenizer.encode(text), tokenizer.vocab_size), val_fraction)


@dataclass
class RunCorpus:
    tokenizer: Tokenizer
    info: CorpusInfo
    reused: bool  # the tokens came from the token cache
    tokens: np.ndarray | None = None  # a stream's tokens
    documents: list[str] | None = None  # or the documents, split at training time

    def split(self, val_fraction: float) -> DataSplit:
        if self.documents is None:
            assert self.tokens is not None
            return split_data(self.tokenizer, self.tokens, val_fraction)
        if not isinstance(self.tokenizer, DocumentTokenizer):
            raise CorpusError("the run was trained without documents; it cannot go on with them")
        return document_split(self.tokenizer, self.documents, val_fraction)


def read_run_corpus(
    paths: Sequence[str],
    *,
    level: str,
    mode: DocumentMode,
    resumed: ckpt.LoadedCheckpoint | None,
    out_dir: Path,
    dist_ctx: DistContext,
    on_event: EventCallback,
    control: TrainingControl | None,
) -> RunCorpus:
    tokenizer = ckpt.build_tokenizer(resumed) if resumed is not None else None
    if not mode.is_stream:
        return _read_documents(paths, level=level, mode=mode, tokenizer=tokenizer, on_event=on_event)
    cancelled = control.is_cancelled if control is not None else (lambda: False)
    # Under torchrun each node's first process builds the cache; the others wait, then read it.
    corpus = builder_first(
        dist_ctx,
        lambda: ingest_corpus(
            paths,
            level=level,
            tokenizer=tokenizer,
            on_event=on_event if dist_ctx.is_main else ignore_events,
            cancelled=cancelled,
            fallback_dir=out_dir / "token-cache",
        ),
    )
    info = CorpusInfo(
        files=tuple(f.path for f in corpus.files),
        chars=corpus.chars,
        tokens=len(corpus.tokens),
        encodings=corpus.encodings,
        description=corpus.describe(),
        fingerprint=corpus.fingerprint,
        documents=mode.describe(),
    )
    return RunCorpus(corpus.tokenizer, info, corpus.reused, tokens=corpus.tokens)


def _read_documents(
    paths: Sequence[str],
    *,
    level: str,
    mode: DocumentMode,
    tokenizer: Tokenizer | None,
    on_event: EventCallback,
) -> RunCorpus:
    # Documents are read whole: a set of poems, tweets or titles fits in memory.
    corpus = load_corpus(paths)
    for message in corpus.warnings:
        on_event(WarningEvent(model="corpus", message=message))
    documents = split_documents(corpus, mode)
    tokenizer = tokenizer or document_tokenizer(level, documents)
    info = CorpusInfo(
        files=tuple(f.path for f in corpus.files),
        chars=len(corpus.text),
        tokens=None,
        encodings=corpus.encodings,
        description=corpus.describe(),
        fingerprint=text_fingerprint(corpus.text),
        documents=mode.describe(),
    )
    return RunCorpus(tokenizer, info, reused=False, documents=documents)
