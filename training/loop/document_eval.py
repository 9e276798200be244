"""Validation per document: each held-out document scored from its own start.

A stream evaluation scores a document in the state the previous one left; a person
generating starts from a document start. Here every document starts from a fresh
state primed with the end-of-document token, as generation does, and its closing
end-of-document token is scored too: knowing where a document ends is part of it.

Documents of similar length share a batch, padded at the end; each window of seq_len
columns is built when it is scored, so a document of any length costs a window's memory:

    doc a: <eod> t h e   c a t <eod>        x = all but the last, y = all but the first
    doc b: <eod> a n   o w l <eod> ·        · is padding: neither fed as a target nor scored
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from lstm_core.hardware import autocast
from lstm_core.model import LanguageModel
from training.loop.evaluate import EvalResult

_BLOCK = 1 << 22  # tokens searched at a time for end-of-document ids
Progress = Callable[[int, int], None]  # (tokens scored, tokens to score)


def span_arrays(tokens: np.ndarray, eod_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each document in tokens, an end including its end-of-document token,
    found a block at a time: a memory-mapped corpus is never compared whole."""
    ends = [
        np.flatnonzero(np.asarray(tokens[at : at + _BLOCK]) == eod_id) + (at + 1)
        for at in range(0, len(tokens), _BLOCK)
    ]
    end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    start = np.concatenate([[0], end[:-1]]).astype(np.int64)
    real = end > start + 1  # an empty document is its <eod> alone: nothing to score
    return start[real], end[real]


def document_spans(tokens: np.ndarray, eod_id: int) -> list[tuple[int, int]]:
    """(start, end) of each document in tokens, end including its end-of-document token."""
    starts, ends = span_arrays(tokens, eod_id)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _sampled(starts: np.ndarray, ends: np.ndarray, max_tokens: int | None) -> np.ndarray:
    """Which documents to score: drawn from all over the held-out text (the same ones every
    time) until max_tokens are covered, all of them when they fit."""
    lengths = ends - starts
    if max_tokens is None or int(lengths.sum()) <= max_tokens:
        return np.arange(len(starts))
    order = np.random.default_rng(0).permutation(len(starts))
    covered = np.cumsum(lengths[order])
    return order[: int(np.searchsorted(covered, max_tokens)) + 1]  # the one that reaches it too


def _window(
    tokens: np.ndarray, starts: np.ndarray, lengths: np.ndarray, at: int, size: int, eod_id: int
) -> np.ndarray:
    """Columns at .. at + size of the padded rows ``<eod> doc <eod> · · ·`` of a batch of
    documents, built for this window alone: a long document is never laid out whole."""
    out = np.full((len(starts), size + 1), eod_id, dtype=np.int64)
    for r, (start, length) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
        first, last = max(at, 1), min(at + size, length)  # row columns 1..length hold the ids
        if last >= first:
            out[r, first - at : last - at + 1] = tokens[start + first - 1 : start + last]
    return out


@torch.no_grad()
def evaluate_documents(
    model: LanguageModel,
    tokens: np.ndarray,
    *,
    eod_id: int,
    chars: int,
    batch_size: int = 16,
    seq_len: int = 256,
    max_tokens: int | None = None,
    amp_dtype: torch.dtype | None = None,
    on_progress: Progress | None = None,
) -> EvalResult:
    """Loss per token over whole documents; ``chars`` is what all of ``tokens`` decodes to."""
    starts, ends = span_arrays(tokens, eod_id)
    picked = _sampled(starts, ends, max_tokens)
    if not len(picked):
        raise ValueError("no complete document to evaluate")
    # Stable: documents of one length stay in the order drawn, so a batch is always the same.
    picked = picked[np.argsort(ends[picked] - starts[picked], kind="stable")]
    starts, lengths = starts[picked], ends[picked] - starts[picked]
    work = int(lengths.sum())
    was_training = model.training
    model.eval()
    device = model.device
    total, count = 0.0, 0
    for first in range(0, len(starts), batch_size):
        group_starts, group_lengths = starts[first : first + batch_size], lengths[first : first + batch_size]
        width = int(group_lengths.max()) + 1  # + the leading <eod>
        state = None
        for at in range(0, width - 1, seq_len):
            size = min(seq_len, width - 1 - at)
            data = torch.from_numpy(_window(tokens, group_starts, group_lengths, at, size, eod_id))
            x, y = data[:, :size].to(device), data[:, 1:].to(device)
            keep = torch.from_numpy(at + np.arange(size) < group_lengths[:, None]).to(device)
            with autocast(device, amp_dtype):
                out = model(x, state)
            state = out.state
            nats = F.cross_entropy(out.logits.float().flatten(0, 1), y.flatten(), reduction="none")
            total += float(nats[keep.flatten()].sum())
            count += int(keep.sum())
        if on_progress is not None:
            on_progress(count, work)
    model.train(was_training)
    loss = total / count
    scored_chars = chars * count / max(1, len(tokens))
    return EvalResult(loss, math.exp(min(loss, 50.0)), total / math.log(2) / scored_chars, count)
