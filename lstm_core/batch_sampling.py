"""Many samples at once: N rows through one recurrence, each row with its own seed.

Sample i is drawn with seed ``base + i``, from its own random stream, one uniform draw
per token as in ``sampling.generate_tokens``: so sample i of a batch is the text a
single run with ``seed=base + i`` writes (up to the last bits of float rounding,
which a batched matrix product may order differently).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from lstm_core.batch_stepper import BatchStepper, make_batch_stepper
from lstm_core.model import LanguageModel
from lstm_core.sampling import (
    SamplingSettings,
    base_seed,
    draw,
    holds_trailing_space,
    prompt_ids,
    space_led_tokens,
)
from lstm_core.tokenizers import StreamDecoder, Tokenizer

MAX_SAMPLES = 1024  # more rows than this is a mistake, not a batch

# end of document, a stop string, max_tokens, or stopped by the caller (Ctrl+C)
Ending = Literal["end", "stop", "length", "stopped"]


@dataclass(frozen=True)
class Sample:
    text: str  # the generated text, without the prompt
    seed: int  # a single run with this seed writes the same text
    ended: Ending
    tokens: int  # tokens generated (the end-of-document token not counted)


def sample_seeds(settings: SamplingSettings, count: int) -> list[int]:
    """The seed of each sample: consecutive from the settings' seed (or a random one)."""
    start = base_seed(settings)
    return [(start + i) % 2**63 for i in range(count)]


def _only_temperature(settings: SamplingSettings) -> bool:
    return not (
        settings.greedy
        or settings.top_k
        or settings.top_p < 1.0
        or settings.min_p
        or settings.repetition_penalty != 1.0
    )


def _draw_rows(
    logits: np.ndarray, settings: SamplingSettings, recent: list[list[int]], rngs: list[np.random.Generator]
) -> np.ndarray:
    """One token per row of (rows, V) float64 logits, each row exactly as ``sampling.draw``."""
    if settings.greedy:
        return logits.argmax(axis=1)
    if _only_temperature(settings):
        # The common case vectorised: the same cumulative sums and searchsorted(side="right").
        weights = np.exp((logits - logits.max(axis=1, keepdims=True)) / settings.temperature)
        cdf = np.cumsum(weights, axis=1)
        point = np.array([rng.random() for rng in rngs]) * cdf[:, -1]
        return np.minimum((cdf <= point[:, None]).sum(axis=1), logits.shape[1] - 1)
    return np.array([draw(row, settings, r, rng) for row, r, rng in zip(logits, recent, rngs, strict=True)])


class _Row:
    """One sample's text, stop-string check and repetition window."""

    def __init__(self, tokenizer: Tokenizer, seed: int, recent: list[int]) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.decoder = StreamDecoder(tokenizer)
        self.recent = recent
        self.text = ""
        self.tokens = 0
        self.ended: Ending | None = None

    def add(self, token: int, settings: SamplingSettings) -> None:
        self.tokens += 1
        piece = self.decoder.feed(token)
        self.recent.append(token)
        if len(self.recent) > settings.repetition_window:
            del self.recent[0]
        if not settings.stop:
            self.text += piece
            return
        # Only the tail can hold a stop string that this token completed.
        tail_from = max(0, len(self.text) - max(len(s) for s in settings.stop) + 1)
        self.text += piece
        cuts = [self.text.find(s, tail_from) for s in settings.stop]
        cut = min((c for c in cuts if c >= 0), default=-1)
        if cut >= 0:
            self.text = self.text[:cut]
            self.ended = "stop"


@torch.no_grad()
def generate_samples(
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    count: int,
    *,
    stepper: BatchStepper | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Sample]:
    """``count`` samples continuing ``prompt``, generated together as one batch. When ``stop()``
    turns true (a Ctrl+C) the samples end where they are, as "stopped": what is written is kept."""
    if not 1 <= count <= MAX_SAMPLES:
        raise ValueError(f"the number of samples must be between 1 and {MAX_SAMPLES}, not {count}")
    stepper = stepper or make_batch_stepper(model)
    held = holds_trailing_space(tokenizer, prompt)  # as in generate_tokens: no doubled space
    ids = prompt_ids(tokenizer, prompt[:-1] if held else prompt)
    space_led = space_led_tokens(tokenizer) if held else None
    if settings.context_tokens is not None:
        ids = ids[-settings.context_tokens :]
    window = ids[-settings.repetition_window :]
    rows = [_Row(tokenizer, seed, list(window)) for seed in sample_seeds(settings, count)]
    active = list(range(count))  # the rows still generating, in the stepper's row order
    end = tokenizer.eod_id if settings.stop_at_end else None
    logits_t = stepper.prefill(ids, count)
    for produced in range(1, settings.max_tokens + 1):
        logits = logits_t.cpu().double().numpy()
        if tokenizer.unk_id is not None:
            logits[:, tokenizer.unk_id] = -np.inf  # <unk> stands for "something else": never write it
        if produced == 1 and space_led is not None and space_led.any():
            logits[:, ~space_led] = -np.inf  # the held-back space starts the first word
        live = [rows[i] for i in active]
        tokens = _draw_rows(logits, settings, [r.recent for r in live], [r.rng for r in live])
        for row, token in zip(live, tokens.tolist(), strict=True):
            if token == end:
                row.ended = "end"
            else:
                row.add(token, settings)
        if stop is not None and stop():
            for row in live:
                row.ended = row.ended or "stopped"
        keep = [k for k, row in enumerate(live) if row.ended is None]
        if not keep or produced == settings.max_tokens:
            break  # no step after the last token: its logits would go unused
        token_t = torch.from_numpy(tokens.astype(np.int64))
        if len(keep) < len(live):  # finished rows leave the batch: later steps cost less
            index = torch.tensor(keep)
            stepper.reorder(index)
            token_t = token_t.index_select(0, index)
            active = [active[k] for k in keep]
        logits_t = stepper.step(token_t)
    skip = 1 if held else 0  # the prompt on screen already ends with that space
    # A character whose last bytes the length limit cut off is left out (the decoder is not
    # flushed), as a single run leaves it out of its stream.
    return [Sample(row.text[skip:], row.seed, row.ended or "length", row.tokens) for row in rows]
