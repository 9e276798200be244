"""Many samples at once: N rows through one recurrence, each row with its own seed.

Sample i is drawn with seed ``base + i``, from its own random stream, one uniform draw
per token as in ``sampling.generate_tokens``: so sample i of a batch is the text a
single run with ``seed=base + i`` writes (up to the last bits of float rounding,
which a batched matrix product may order differently).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lstm_core.batch_rows import BatchRows, Ending, Uniforms
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
from lstm_core.tokenizers import Tokenizer

MAX_SAMPLES = 1024  # more rows than this is a mistake, not a batch


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


class _Float64Rows:
    """A (rows, V) float64 buffer kept from step to step while the batch keeps its rows: at
    every token, allocating it again costs more than the values it holds."""

    def __init__(self) -> None:
        self.tensor = torch.empty(0, dtype=torch.float64)
        self.array: np.ndarray = self.tensor.numpy()

    def fit(self, shape: tuple[int, ...]) -> None:
        if self.tensor.shape != shape:
            self.tensor = torch.empty(shape, dtype=torch.float64)
            self.array = self.tensor.numpy()

    def hold(self, values: Tensor) -> np.ndarray:
        """``values`` (on any device) as float64, in this buffer."""
        self.fit(values.shape)
        self.tensor.copy_(values)
        return self.array


class _Draws:
    """One token per row of (rows, V) float64 logits, each row exactly as ``sampling.draw``
    with that row's generator."""

    def __init__(self, settings: SamplingSettings, rngs: list[np.random.Generator], rows: BatchRows) -> None:
        self.settings = settings
        self.rngs = rngs
        self.rows = rows
        self.uniforms = Uniforms(rngs) if _only_temperature(settings) else None
        self.sums = _Float64Rows()

    def __call__(self, logits: np.ndarray, active: np.ndarray) -> np.ndarray:
        """The rows' tokens; ``logits`` may be overwritten."""
        settings = self.settings
        if settings.greedy:
            return logits.argmax(axis=1)
        if self.uniforms is not None:
            # The common case vectorised: the same cumulative sums and searchsorted(side="right"),
            # in place (``logits`` are this step's own): at every token of a batch each numpy
            # call costs microseconds, a matrix product having just emptied the caches.
            weights = np.subtract(logits, logits.max(axis=1, keepdims=True), out=logits)
            if settings.temperature != 1.0:  # x / 1 is x: a pass saved
                weights /= settings.temperature
            np.exp(weights, out=weights)
            # torch's cumulative sum adds along each row in order, as numpy's does, in a third
            # of the time (4 against 12.5 µs for 32 rows of 100)
            self.sums.fit(weights.shape)
            torch.cumsum(torch.from_numpy(weights), dim=1, out=self.sums.tensor)
            cdf = self.sums.array
            point = self.uniforms.next(active) * cdf[:, -1]
            return np.minimum((cdf <= point[:, None]).sum(axis=1), logits.shape[1] - 1)
        recent = self.rows.recent_of(active)
        rngs = [self.rngs[r] for r in active.tolist()]
        picks = [draw(row, settings, r, rng) for row, r, rng in zip(logits, recent, rngs, strict=True)]
        return np.array(picks, dtype=np.int64)


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
    seeds = sample_seeds(settings, count)
    rows = BatchRows(tokenizer, settings, count, ids[-settings.repetition_window :])
    draws = _Draws(settings, [np.random.default_rng(seed) for seed in seeds], rows)
    active = np.arange(count)  # the rows still generating, in the stepper's row order
    shown = _Float64Rows()  # each step's logits, as float64
    logits_t = stepper.prefill(ids, count)
    for produced in range(1, settings.max_tokens + 1):
        logits = shown.hold(logits_t)
        if tokenizer.unk_id is not None:
            logits[:, tokenizer.unk_id] = -np.inf  # <unk> stands for "something else": never write it
        if produced == 1 and space_led is not None and space_led.any():
            logits[:, ~space_led] = -np.inf  # the held-back space starts the first word
        tokens = draws(logits, active)
        ended = rows.add(active, tokens, produced)
        if stop is not None and stop():
            rows.stop(active[~ended])
            break
        if ended.all() or produced == settings.max_tokens:
            break  # no step after the last token: its logits would go unused
        token_t = torch.from_numpy(tokens.astype(np.int64, copy=False))
        if ended.any():  # finished rows leave the batch: later steps cost less
            keep = np.flatnonzero(~ended)
            index = torch.from_numpy(keep)
            stepper.reorder(index)
            token_t = token_t.index_select(0, index)
            active = active[keep]
        logits_t = stepper.step(token_t)
    skip = 1 if held else 0  # the prompt on screen already ends with that space
    return [Sample(rows.text(r)[skip:], seed, rows.ending(r), rows.length(r)) for r, seed in enumerate(seeds)]
