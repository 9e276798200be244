"""Streaming generation: the prompt runs through the fused kernel once, then
each new token costs exactly one recurrent step with the state carried along."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from lstm_core.model import LanguageModel, State
from lstm_core.stepper import Stepper, make_stepper
from lstm_core.tokenizers import StreamDecoder, Tokenizer


@dataclass(frozen=True)
class SamplingSettings:
    max_tokens: int = 400
    temperature: float = 0.8  # below 1 sharpens, above 1 flattens the distribution
    top_k: int = 0  # 0 keeps every token
    top_p: float = 1.0  # nucleus: keep the smallest set whose probability reaches top_p
    repetition_penalty: float = 1.0  # > 1 discourages tokens already in the recent window
    repetition_window: int = 64
    greedy: bool = False
    seed: int | None = None  # same seed, same text
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_tokens < 0:
            raise ValueError("length must not be negative")
        if self.temperature <= 0 and not self.greedy:
            raise ValueError("temperature must be positive (or choose greedy)")
        if self.top_k < 0:
            raise ValueError("top-k must not be negative")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top-p must be in (0, 1]")
        if self.repetition_penalty <= 0:
            raise ValueError("repetition penalty must be positive")


class GeneratedToken(NamedTuple):
    token_id: int
    text: str  # the text this token completes (may be "" mid-way through a UTF-8 character)
    surprisal: float  # -log p(token) in nats under the model before any sampling tweaks


def prompt_ids(tokenizer: Tokenizer, prompt: str) -> list[int]:
    """The ids the model is primed with: an empty prompt starts as if after a line break."""
    ids = tokenizer.encode(prompt)
    return ids if ids else tokenizer.encode("\n") or [0]


def filter_logits(logits: Tensor, settings: SamplingSettings, recent: list[int]) -> Tensor:
    """Apply repetition penalty, temperature, top-k and top-p to (V,) float logits."""
    if settings.repetition_penalty != 1.0 and recent:
        ids = torch.tensor(sorted(set(recent)), dtype=torch.long)
        picked = logits[ids]
        penalty = settings.repetition_penalty
        logits[ids] = torch.where(picked > 0, picked / penalty, picked * penalty)
    logits = logits / settings.temperature
    if 0 < settings.top_k < logits.numel():
        kth = torch.topk(logits, settings.top_k).values[-1]
        logits = logits.masked_fill(logits < kth, -math.inf)
    if settings.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
        # Drop a token once the mass before it already reaches top_p; the first always stays.
        drop = (cumulative - torch.softmax(sorted_logits, dim=-1)) >= settings.top_p
        logits = logits.masked_fill(torch.zeros_like(drop).scatter(0, order, drop), -math.inf)
    return logits


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
    generator = torch.Generator().manual_seed(
        settings.seed if settings.seed is not None else int(torch.randint(0, 2**62, ()).item())
    )
    ids = prompt_ids(tokenizer, prompt)
    recent = ids[-settings.repetition_window :]
    decoder = StreamDecoder(tokenizer)
    logits = stepper.prefill(ids)
    unk = tokenizer.unk_id
    for _ in range(settings.max_tokens):
        logits = logits.float()
        if unk is not None:
            logits[unk] = -math.inf  # <unk> stands for "something else": never write it
        log_probs = torch.log_softmax(logits, dim=-1)
        if settings.greedy:
            token = int(torch.argmax(logits))
        else:
            probs = torch.softmax(filter_logits(logits.clone(), settings, recent), dim=-1)
            token = int(torch.multinomial(probs, 1, generator=generator))
        yield GeneratedToken(token, decoder.feed(token), -float(log_probs[token]))
        recent.append(token)
        if len(recent) > settings.repetition_window:
            del recent[0]
        logits = stepper.step(token)


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
