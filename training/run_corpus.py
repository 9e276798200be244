"""A run's text as tokens, through the token cache (memory-mapped, any size): a stream, or
a set of documents in which each document ends with its end-of-document token.

Either way the run gets its tokenizer (the resumed run's own, or one trained here), a
description for its metadata, and a train/held-out split once it knows its val_fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from lstm_core.doc_tokens import DocumentTokenizer
from lstm_core.tokenizers import Tokenizer
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.run_meta import CorpusInfo
from training.common.control import TrainingControl
from training.common.events import EventCallback, ignore_events
from training.data.batching import to_token_array
from training.data.corpus import CorpusError
from training.data.documents import DocumentMode
from training.data.holdout import HOLDOUT_CAP, DataSplit, count_chars, file_spans, files_in, split_holdout
from training.data.ingest import ingest_corpus
from training.data.ingest_documents import document_holdout
from training.data.overlap import Overlap, enough_unseen, seen_mask, span_tokens
from training.data.overlap_cache import entry_folder, remembered_seen_mask
from training.runtime.distributed import DistContext, builder_first


def split_data(
    tokenizer: Tokenizer, tokens: np.ndarray, val_fraction: float, file_ends: Sequence[int] | None = None
) -> DataSplit:
    """Training and held-out views of ``tokens`` (see ``training.data.holdout`` for the rule:
    whole files when ``file_ends`` allow it), the held-out text without the passages that
    training also holds."""
    train, val = split_holdout(tokens, val_fraction, file_ends)
    return unseen_split(tokenizer, train, val)


def _seen_mask(train: np.ndarray, val: np.ndarray, span: int) -> tuple[np.ndarray, bool]:
    """``seen_mask``, measured once per cached corpus and split (``overlap_cache``)."""
    return remembered_seen_mask(entry_folder(train), train, val, span, lambda: seen_mask(train, val, span))


def unseen_split(tokenizer: Tokenizer, train: np.ndarray, val: np.ndarray) -> DataSplit:
    """The split with every held-out span that also occurs in ``train`` cut out of ``val``
    (``training.data.overlap``), unless too little would remain to steer by."""
    chars = count_chars(tokenizer, val)
    mask, complete = _seen_mask(train, val, span_tokens(chars / max(1, len(val))))
    overlap = Overlap(len(val), int(mask.sum()), complete)
    unseen = np.asarray(val)[~mask]
    if overlap.seen_tokens and enough_unseen(len(unseen), len(val)):
        val, chars = unseen, count_chars(tokenizer, unseen)
    return DataSplit(train, val, max(1, chars), overlap)


# Held-out tokens above which a document split's overlap is not measured: the stream's own
# held-out part is capped at HOLDOUT_CAP, and a held-out document many times that is one
# very long document, not a sample.
OVERLAP_HELD_CAP = 8 * HOLDOUT_CAP


def unseen_documents(tokenizer: Tokenizer, train: np.ndarray, val: np.ndarray, eod: int) -> DataSplit:
    """As ``unseen_split`` for held-out documents: a document is dropped whole when most of it
    also occurs in training, so that each one left is still scored from its own start."""
    if len(val) > OVERLAP_HELD_CAP:
        # One long document held out (documents are held out whole): hashing every span of it
        # would hold several bytes per token. Its overlap is not measured, and says so (None).
        return DataSplit(train, val, max(1, count_chars(tokenizer, val)), None)
    chars = count_chars(tokenizer, val)
    span = span_tokens(chars / max(1, len(val)))
    mask, complete = _seen_mask(train, val, span)
    overlap = Overlap(len(val), int(mask.sum()), complete)
    ends = np.flatnonzero(np.asarray(val) == eod) + 1
    starts = np.concatenate([[0], ends[:-1]]) if len(ends) else np.zeros(0, dtype=np.int64)
    kept = [(a, b) for a, b in zip(starts, ends, strict=True) if mask[a:b].mean() < 0.5]
    unseen = np.concatenate([val[a:b] for a, b in kept]) if kept else val[:0]
    if overlap.seen_tokens and enough_unseen(len(unseen), len(val)):
        val, chars = unseen, count_chars(tokenizer, unseen)
    return DataSplit(train, val, max(1, chars), overlap)


def encode_split(tokenizer: Tokenizer, text: str, val_fraction: float) -> DataSplit:
    """For text already in memory (the demo builder): encode it all, then split."""
    return split_data(tokenizer, to_token_array(tokenizer.encode(text), tokenizer.vocab_size), val_fraction)


@dataclass
class RunCorpus:
    tokenizer: Tokenizer
    info: CorpusInfo
    reused: bool  # the tokens came from the token cache
    tokens: np.ndarray  # every token, memory-mapped from the cache
    documents: int | None = None  # in documents mode: how many (each ends with its end id)
    file_ends: tuple[int, ...] | None = None  # a stream of several files: where each one's tokens end

    def split(self, val_fraction: float) -> DataSplit:
        if self.documents is None:
            ends = self.file_ends
            split = split_data(self.tokenizer, self.tokens, val_fraction, ends)
            spans = file_spans(ends, val_fraction) if ends is not None else None
            return replace(split, held_files=files_in(spans, ends)) if spans and ends else split
        tokenizer = self.tokenizer
        if not isinstance(tokenizer, DocumentTokenizer):
            raise CorpusError("the run was trained without documents; it cannot go on with them")
        # Whole documents held out: the last val_fraction of them (at least one).
        eod = tokenizer.vocab_size - 1
        cut = document_holdout(self.tokens, eod, self.documents, val_fraction)
        return unseen_documents(tokenizer, self.tokens[:cut], self.tokens[cut:], eod)


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
    """The run's tokens through the token cache: a stream, or documents each ending with the
    end-of-document id (``training.data.ingest_documents``)."""
    tokenizer = ckpt.build_tokenizer(resumed) if resumed is not None else None
    if not mode.is_stream and tokenizer is not None and not isinstance(tokenizer, DocumentTokenizer):
        raise CorpusError("the run was trained without documents; it cannot go on with them")
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
            mode=mode,
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
    return RunCorpus(corpus.tokenizer, info, corpus.reused, corpus.tokens, corpus.documents, corpus.file_ends)
