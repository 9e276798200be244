"""Streaming generation: the prompt runs through the fused kernel once, then
each new token costs exactly one recurrent step with the state carried along."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from lstm_core.model import LanguageModel, State
from lstm_core.stepper import Stepper, make_stepper
from lstm_core.tokenizers import StreamDecoder, Tokenizer

# How much of a long prompt primes the state. A recurrent state keeps little from further
# back: `lstm-studio context` finds the models it was run on within 1 % of their
# full-context loss by 50-100 tokens. Each prompt token is one sequential step (about
# 0.3 ms for a 2×512 LSTM in float32), so this also bounds the time to the first token.
PRIMING_TOKENS = 256


@dataclass(frozen=True)
class SamplingSettings:
    max_tokens: int = 400
    temperature: float = 0.8  # below 1 sharpens, above 1 flattens the distribution
    top_k: int = 0  # 0 keeps every token
    top_p: float = 1.0  # nucleus: keep the smallest set whose probability reaches top_p
    # Keep tokens at least min_p times as likely as the likeliest: a cut that follows the
    # model's confidence (tight when one token dominates, loose when many are close). 0: off.
    min_p: float = 0.0
    repetition_penalty: float = 1.0  # > 1 discourages tokens already in the recent window
    repetition_window: int = 64
    greedy: bool = False
    seed: int | None = None  # same seed, same text
    stop: tuple[str, ...] = ()
    # A model trained on documents ends each with an end-of-document token; generation stops
    # there unless this is off (then the token reads as a line break and a new document starts).
    stop_at_end: bool = True
    # A prompt longer than this is primed from its last context_tokens tokens. None primes on
    # the whole prompt.
    context_tokens: int | None = PRIMING_TOKENS

    def __post_init__(self) -> None:
        if self.max_tokens < 0:
            raise ValueError("length must not be negative")
        if self.temperature <= 0 and not self.greedy:
            raise ValueError("temperature must be positive (or choose greedy)")
        if self.top_k < 0:
            raise ValueError("top-k must not be negative")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top-p must be in (0, 1]")
        if not 0.0 <= self.min_p < 1.0:
            raise ValueError("min-p must be at least 0 and below 1")
        if self.repetition_penalty <= 0:
            raise ValueError("repetition penalty must be positive")
        if self.context_tokens is not None and self.context_tokens < 1:
            raise ValueError("the prompt context must be at least one token")


class GeneratedToken(NamedTuple):
    token_id: int
    text: str  # the text this token completes (may be "" mid-way through a UTF-8 character)
    surprisal: float  # -log p(token) in nats under the model before any sampling tweaks


def prompt_ids(tokenizer: Tokenizer, prompt: str) -> list[int]:
    """The ids the model is primed with. A model trained on documents starts from a document
    start (after an end-of-document token); otherwise an empty prompt starts as if after a
    line break."""
    ids = tokenizer.encode(prompt)
    if tokenizer.eod_id is not None:
        return [tokenizer.eod_id, *ids]
    return ids if ids else tokenizer.encode("\n") or [0]


def holds_trailing_space(tokenizer: Tokenizer, prompt: str) -> bool:
    """Whether a prompt's one trailing space belongs to the word that comes next.

    Word and BPE tokens carry their leading space (" cold"). Primed on "The " as written,
    the model sees a lone space token it rarely met in training, then writes " cold" with
    its own space: "The  cold". So that space is held back from the prompt, and the first
    new token is one that starts with a space, written without it.
    """
    one_space = prompt.endswith(" ") and not prompt.endswith("  ")
    return tokenizer.level != "char" and one_space and bool(prompt.strip())


def space_led_tokens(tokenizer: Tokenizer) -> np.ndarray:
    """(V,) bool: the tokens that are a space followed by something other than more space."""
    led = np.zeros(tokenizer.vocab_size, dtype=bool)
    for i in range(tokenizer.vocab_size):
        piece = tokenizer.token_bytes(i)
        led[i] = piece.startswith(b" ") and len(piece) > 1 and not piece[1:].isspace()
    return led


def filter_logits(logits: np.ndarray, settings: SamplingSettings, recent: list[int]) -> np.ndarray:
    """Apply repetition penalty, temperature, min-p, top-k and top-p to (V,) float64 logits,
    in place.

    numpy rather than torch: at batch 1 each torch call costs more than the arithmetic.
    """
    if settings.repetition_penalty != 1.0 and recent:
        ids = np.fromiter(set(recent), dtype=np.int64)
        picked = logits[ids]
        penalty = settings.repetition_penalty
        logits[ids] = np.where(picked > 0, picked / penalty, picked * penalty)
    logits /= settings.temperature
    if settings.min_p > 0.0:
        # p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p): no softmax needed.
        logits[logits < logits.max() + math.log(settings.min_p)] = -np.inf
    if 0 < settings.top_k < logits.size:
        kth = np.partition(logits, -settings.top_k)[-settings.top_k]
        logits[logits < kth] = -np.inf
    if settings.top_p < 1.0:
        order = np.argsort(-logits, kind="stable")
        probs = _softmax(logits[order])
        # Drop a token once the mass before it already reaches top_p; the first always stays.
        drop = (np.cumsum(probs) - probs) >= settings.top_p
        logits[order[drop]] = -np.inf
    return logits


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def sampling_weights(logits: np.ndarray, settings: SamplingSettings, recent: list[int]) -> np.ndarray:
    """Unnormalised sampling weights for (V,) float64 logits (left unchanged)."""
    if settings.top_k or settings.top_p < 1.0 or settings.repetition_penalty != 1.0 or settings.min_p:
        return _softmax(filter_logits(logits.copy(), settings, recent))
    return np.exp((logits - logits.max()) / settings.temperature)  # temperature alone: one pass


def draw(logits: np.ndarray, settings: SamplingSettings, recent: list[int], rng: np.random.Generator) -> int:
    if settings.greedy:
        return int(logits.argmax())
    weights = sampling_weights(logits, settings, recent)
    # Inverse-CDF sampling: one uniform draw per token keeps a seed's text reproducible.
    cdf = np.cumsum(weights)
    token = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
    return min(token, weights.size - 1)


def base_seed(settings: SamplingSettings) -> int:
    if settings.seed is not None:
        return settings.seed
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)  # a fresh SeedSequence draws one integer from the OS
    return entropy % 2**63


def generate_tokens(
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    *,
    stepper: Stepper | None = None,
) -> Iterator[GeneratedToken]:
    """Yield one GeneratedToken per new token, up to settings.max_tokens."""
    stepper = stepper or make_stepper(model)
    rng = np.random.default_rng(base_seed(settings))
    held = holds_trailing_space(tokenizer, prompt)
    ids = prompt_ids(tokenizer, prompt[:-1] if held else prompt)
    if settings.context_tokens is not None:
        ids = ids[-settings.context_tokens :]
    recent = ids[-settings.repetition_window :]
    decoder = StreamDecoder(tokenizer)
    unk = tokenizer.unk_id
    end = tokenizer.eod_id if settings.stop_at_end else None
    space_led = space_led_tokens(tokenizer) if held else None
    logits_t = stepper.prefill(ids)
    for _ in range(settings.max_tokens):
        logits = logits_t.cpu().float().numpy().astype(np.float64)
        if unk is not None:
            logits[unk] = -np.inf  # <unk> stands for "something else": never write it
        top = logits.max()
        log_norm = top + math.log(np.exp(logits - top).sum())
        if space_led is not None and space_led.any():  # the held-back space starts the next word
            token = draw(np.where(space_led, logits, -np.inf), settings, recent, rng)
        else:
            token = draw(logits, settings, recent, rng)
        if token == end:
            return
        text = decoder.feed(token)
        if space_led is not None:
            text, space_led = text[1:], None  # the prompt on screen already ends with that space
        yield GeneratedToken(token, text, float(log_norm - logits[token]))
        recent.append(token)
        if len(recent) > settings.repetition_window:
            del recent[0]
        logits_t = stepper.step(token)


def generate(
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: SamplingSettings,
    *,
    stepper: Stepper | None = None,
) -> Iterator[str]:
    """Stream generated text. Stops at max_tokens or just before the first stop string."""
    if not settings.stop:
        for token in generate_tokens(model, tokenizer, prompt, settings, stepper=stepper):
            if token.text:
                yield token.text
        return
    # Hold back enough text that a stop string split across tokens is never half-emitted.
    hold = max(len(s) for s in settings.stop) - 1
    pending = ""
    for token in generate_tokens(model, tokenizer, prompt, settings, stepper=stepper):
        pending += token.text
        cut = min((pending.find(s) for s in settings.stop if s in pending), default=-1)
        if cut >= 0:
            if pending[:cut]:
                yield pending[:cut]
            return
        if len(pending) > hold:
            yield pending[: len(pending) - hold]
            pending = pending[len(pending) - hold :]
    if pending:
        yield pending


@torch.no_grad()
def token_surprisals(
    model: LanguageModel, tokenizer: Tokenizer, text: str, *, state: State | None = None
) -> list[tuple[str, float]]:
    """Each token of text with its surprisal (nats) given everything before it.

    The first token is scored after an implied line break, as generation starts.
    """
    ids = tokenizer.encode(text)
    if not ids:
        return []
    context = prompt_ids(tokenizer, "")
    full = torch.tensor([context + ids], device=model.device)
    logits = model(full, state).logits[0, len(context) - 1 : -1].float()
    nats = -torch.log_softmax(logits, dim=-1).gather(1, full[0, len(context) :, None]).squeeze(1)
    decoder = StreamDecoder(tokenizer)
    return [(decoder.feed(i), float(n)) for i, n in zip(ids, nats.tolist(), strict=False)]


@torch.no_grad()
def next_token_candidates(
    model: LanguageModel, tokenizer: Tokenizer, prefix: str, k: int = 10
) -> list[tuple[str, float]]:
    """The model's top-k next tokens after prefix, with their probabilities."""
    logits = make_stepper(model).prefill(prompt_ids(tokenizer, prefix)).float()
    probs = torch.softmax(logits, dim=-1)
    top = torch.topk(probs, min(k, probs.numel()))
    return [
        (tokenizer.token_bytes(i).decode("utf-8", "replace"), p)
        for i, p in zip(top.indices.tolist(), top.values.tolist(), strict=False)
    ]
