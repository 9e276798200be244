"""Validation per document: each held-out document scored from its own start.

A stream evaluation scores a document in the state the previous one left; a person
generating starts from a document start. Here every document starts from a fresh
state primed with the end-of-document token, as generation does, and its closing
end-of-document token is scored too: knowing where a document ends is part of it.

Documents of similar length share a batch, padded at the end:

    doc a: <eod> t h e   c a t <eod>        x = all but the last, y = all but the first
    doc b: <eod> a n   o w l <eod> ·        · is padding: neither fed as a target nor scored
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from lstm_core.hardware import autocast
from lstm_core.model import LanguageModel
from training.loop.evaluate import EvalResult


def document_spans(tokens: np.ndarray, eod_id: int) -> list[tuple[int, int]]:
    """(start, end) of each document in tokens, end including its end-of-document token."""
    ends = np.flatnonzero(np.asarray(tokens) == eod_id) + 1
    starts = np.concatenate([[0], ends[:-1]])
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e > s + 1]


def _sampled(spans: list[tuple[int, int]], max_tokens: int | None) -> list[tuple[int, int]]:
    """Documents drawn from all over the held-out text (the same ones every time) until
    max_tokens are covered."""
    if max_tokens is None or sum(e - s for s, e in spans) <= max_tokens:
        return spans
    picked, total = [], 0
    for index in np.random.default_rng(0).permutation(len(spans)).tolist():
        start, end = spans[index]
        picked.append((start, end))
        total += end - start
        if total >= max_tokens:
            break
    return picked


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
) -> EvalResult:
    """Loss per token over whole documents; ``chars`` is what all of ``tokens`` decodes to."""
    spans = _sampled(document_spans(tokens, eod_id), max_tokens)
    if not spans:
        raise ValueError("no complete document to evaluate")
    spans.sort(key=lambda span: span[1] - span[0])
    was_training = model.training
    model.eval()
    device = model.device
    total, count = 0.0, 0
    for first in range(0, len(spans), batch_size):
        group = spans[first : first + batch_size]
        width = max(e - s for s, e in group) + 1  # + the leading <eod>
        rows = np.full((len(group), width), eod_id, dtype=np.int64)
        mask = np.zeros((len(group), width - 1), dtype=bool)
        for r, (s, e) in enumerate(group):
            rows[r, 1 : 1 + e - s] = tokens[s:e]
            mask[r, : e - s] = True
        data = torch.from_numpy(rows)
        scored = torch.from_numpy(mask)
        state = None
        for start in range(0, width - 1, seq_len):
            x = data[:, start : start + seq_len].to(device)
            y = data[:, start + 1 : start + 1 + seq_len].to(device)
            keep = scored[:, start : start + seq_len].to(device)[:, : y.shape[1]]
            x = x[:, : y.shape[1]]
            with autocast(device, amp_dtype):
                out = model(x, state)
            state = out.state
            nats = F.cross_entropy(out.logits.float().flatten(0, 1), y.flatten(), reduction="none")
            total += float(nats[keep.flatten()].sum())
            count += int(keep.sum())
    model.train(was_training)
    loss = total / count
    scored_chars = chars * count / max(1, len(tokens))
    return EvalResult(loss, math.exp(min(loss, 50.0)), total / math.log(2) / scored_chars, count)
