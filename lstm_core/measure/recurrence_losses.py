"""The loss of every token of a text: read by a model with the state carried, and with no context at all.

Only positions with a whole window of text before them are scored: a word that looks new
near the start of the text may have occurred just before it. The text is read as STREAMS
pieces side by side, each preceded by a window of warm-up tokens that are read, not scored.

                ids:  [ window | scored ......................................... ]
    stream 0:         [ warm-up | piece 0 ]
    stream 1:                    [ warm-up | piece 1 ]          (and so on)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from lstm_core.hardware import inference_autocast
from lstm_core.model import LanguageModel

STREAMS = 8  # pieces read side by side
LOGIT_BUDGET = 1 << 23  # floats of logits held at once: (streams × positions × vocabulary)


def unigram_losses(ids: Sequence[int], vocab_size: int) -> np.ndarray:
    """−log p(id) per position, p the id's share of the text (add-one smoothed)."""
    counts = np.bincount(np.asarray(ids, dtype=np.int64), minlength=vocab_size) + 1.0
    return -np.log(counts / counts.sum())[np.asarray(ids, dtype=np.int64)]


@torch.no_grad()
def token_losses(
    model: LanguageModel,
    ids: Sequence[int],
    *,
    first: int,
    warmup: int,
    streams: int = STREAMS,
    tick: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Loss (nats) of every token from ``first`` on, the state carried; NaN before ``first``.

    The positions from ``first`` are cut into ``streams`` pieces run side by side, each
    read from ``warmup`` tokens before it (see the module's picture)."""
    data = torch.as_tensor(list(ids), dtype=torch.long)
    out = np.full(len(ids), np.nan, dtype=np.float64)
    scored = len(ids) - first
    streams = max(1, min(streams, scored // max(1, warmup)))
    bounds = [first + scored * s // streams for s in range(streams + 1)]
    rows = [(max(0, bounds[s] - warmup), bounds[s], bounds[s + 1]) for s in range(streams)]
    width = max(end - begin for begin, _, end in rows)
    # (S, W): each stream's warm-up and piece, padded at the end with its own last id
    batch = torch.stack([torch.cat([data[b:e], data[e - 1].repeat(width - (e - b))]) for b, _, e in rows])
    step = max(16, LOGIT_BUDGET // (streams * model.config.vocab_size))
    was_training = model.training
    model.eval()
    try:
        state = model.init_state(streams)
        with inference_autocast(model.device):
            for t0 in range(0, width - 1, step):
                idx = batch[:, t0 : min(width - 1, t0 + step)].to(model.device)
                logits, _, state = model(idx, state)
                targets = batch[:, t0 + 1 : t0 + 1 + idx.shape[1]].to(model.device)
                lp = torch.log_softmax(logits.float(), dim=-1).gather(-1, targets[..., None])[..., 0]
                lost = (-lp).double().cpu().numpy()  # (S, t): loss of the id at t0 + 1 + j
                for s, (begin, piece, end) in enumerate(rows):
                    at = begin + t0 + 1 + np.arange(idx.shape[1])
                    keep = (at >= piece) & (at < end)
                    out[at[keep]] = lost[s][keep]
                if tick is not None:
                    tick(idx.numel())
    finally:
        model.train(was_training)
    return out
