"""Validation loss in the three units people compare models by."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.hardware import autocast
from lstm_core.model import LanguageModel


@dataclass(frozen=True)
class EvalResult:
    loss_nats: float  # mean cross-entropy per token
    perplexity: float
    bits_per_char: float  # total bits / characters: comparable across char, word and BPE
    tokens: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "loss_nats": self.loss_nats,
            "bits_per_char": self.bits_per_char,
            "perplexity": self.perplexity,
            "tokens": self.tokens,
        }


@torch.no_grad()
def evaluate_tokens(
    model: LanguageModel,
    tokens: np.ndarray,
    *,
    chars: int,
    batch_size: int = 16,
    seq_len: int = 256,
    max_tokens: int | None = None,
    amp_dtype: torch.dtype | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Stateful evaluation over ``tokens`` laid out as contiguous streams.

    ``chars`` is how many characters the whole of ``tokens`` decodes to. With
    ``max_tokens`` only the first ``max_tokens / batch_size`` tokens of each stream are
    scored: the streams start at even intervals, so a capped evaluation samples the whole
    text rather than its beginning (the end of a corpus can read quite unlike its start).
    ``on_progress(scored, total)`` hears after each chunk how many tokens are scored so far.
    """
    batch_size = max(1, min(batch_size, (len(tokens) - 1) // 2))
    columns = (len(tokens) - 1) // batch_size
    if columns < 1:
        raise ValueError("too little text to evaluate")
    # Stream b reads tokens[b * columns : (b + 1) * columns + 1]:
    #   b=0 |t0 t1 ... t(c-1)|  b=1 |tc ... t(2c-1)|  ...  each stream's first
    #   `scored` columns are scored, carrying the state from one chunk to the next.
    scored = columns if max_tokens is None else max(1, min(columns, max_tokens // batch_size))
    # Views of the (memory-mapped) array: only the chunk being scored is copied, as int64.
    x_all = tokens[: batch_size * columns].reshape(batch_size, columns)
    y_all = tokens[1 : batch_size * columns + 1].reshape(batch_size, columns)
    was_training = model.training
    model.eval()
    device = model.device
    state = None
    total = 0.0
    for start in range(0, scored, seq_len):
        end = min(scored, start + seq_len)
        x = torch.from_numpy(x_all[:, start:end].astype(np.int64)).to(device)
        y = torch.from_numpy(y_all[:, start:end].astype(np.int64)).to(device)
        with autocast(device, amp_dtype):
            out = model(x, state, y)
        state = out.state
        total += float(out.loss) * y.numel()
        if on_progress is not None:
            on_progress(batch_size * end, batch_size * scored)
    model.train(was_training)
    count = batch_size * scored
    # bits per character: the whole text's bits over its characters, prorated to what was scored
    scored_chars = chars * count / max(1, len(tokens) - 1)
    loss = total / count
    return EvalResult(loss, math.exp(min(loss, 50.0)), total / math.log(2) / scored_chars, count)
