"""Beam search: keep the K likeliest continuations instead of sampling one.

Each step scores every (beam, next token) pair by the beam's total log-probability
plus the token's, and keeps the K best; the beams share one batched recurrence
whose rows are reordered to follow the survivors. A finished hypothesis (at the end
of a document) is ranked by ``log p / length ** length_penalty``: 0 ranks by total
log-probability, 1 by log-probability per token, so longer texts are not punished
merely for having more tokens to pay for.

Plain beam search can prune the greedy path and end below it. The greedy path is
decoded beside the beams, as one more row of the batch under the same rules, and
stands as a hypothesis: so a beam never returns a worse score than greedy, and
width 1 is greedy decoding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.batch_stepper import BatchStepper, make_batch_stepper
from lstm_core.model import LanguageModel
from lstm_core.sampling import PRIMING_TOKENS, prompt_ids
from lstm_core.tokenizers import Tokenizer, decode

MAX_BEAM = 64


@dataclass(frozen=True)
class BeamSettings:
    width: int = 4  # beams kept; 1 is greedy decoding
    max_tokens: int = 200
    length_penalty: float = 1.0  # rank by log p / length ** this; 0: total log-probability
    no_repeat_ngram: int = 0  # never repeat an n-gram of this many tokens; 0: off
    stop_at_end: bool = True  # a hypothesis ends at the end-of-document token
    context_tokens: int | None = PRIMING_TOKENS  # as in SamplingSettings

    def __post_init__(self) -> None:
        if not 1 <= self.width <= MAX_BEAM:
            raise ValueError(f"the beam width must be between 1 and {MAX_BEAM}")
        if self.max_tokens < 1:
            raise ValueError("length must be at least one token for beam search")
        if not math.isfinite(self.length_penalty) or self.length_penalty < 0:
            raise ValueError("the length penalty must be a number of at least 0")
        if self.no_repeat_ngram < 0 or self.no_repeat_ngram == 1:
            raise ValueError("the repeat block must be 0 (off) or an n-gram of at least 2 tokens")


@dataclass(frozen=True)
class Hypothesis:
    ids: tuple[int, ...]  # generated ids (with the end-of-document id when finished)
    log_prob: float  # total log-probability in nats
    finished: bool  # ended at the end of a document
    text: str = ""

    def score(self, length_penalty: float) -> float:
        return self.log_prob / max(1, len(self.ids)) ** length_penalty


def banned_tokens(ids: list[int], n: int) -> list[int]:
    """Tokens that would complete an n-gram already in ids (the repeat block)."""
    if n < 2 or len(ids) < n:
        return []
    prefix = tuple(ids[len(ids) - n + 1 :])
    return [ids[i + n - 1] for i in range(len(ids) - n + 1) if tuple(ids[i : i + n - 1]) == prefix]


def _log_probs(logits: torch.Tensor, unk: int | None) -> np.ndarray:
    values = logits.cpu().double()
    if unk is not None:
        values[:, unk] = -math.inf  # <unk> stands for "something else": never write it
    return torch.log_softmax(values, dim=1).numpy()


@torch.no_grad()
def beam_search(
    model: LanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    settings: BeamSettings,
    *,
    stepper: BatchStepper | None = None,
) -> list[Hypothesis]:
    """Up to ``width`` hypotheses continuing ``prompt``, best first, with their text."""
    stepper = stepper or make_batch_stepper(model)
    context = prompt_ids(tokenizer, prompt)
    if settings.context_tokens is not None:
        context = context[-settings.context_tokens :]
    k, n = settings.width, settings.no_repeat_ngram
    end = tokenizer.eod_id if settings.stop_at_end else None
    # Rows 0..k-1 are beams, row k the greedy path. At first every beam is the empty
    # continuation: only row 0 may expand, or the k beams would be k copies of one.
    beams: list[list[int]] = [[] for _ in range(k)]
    scores = np.full(k, -math.inf)
    scores[0] = 0.0
    greedy: list[int] = []
    greedy_score, greedy_done = 0.0, False
    finished: list[Hypothesis] = []
    logits = stepper.prefill(context, k + 1)
    for _ in range(settings.max_tokens):
        logp = _log_probs(logits, tokenizer.unk_id)
        if n:
            for row, ids in enumerate([*beams, greedy]):
                logp[row, banned_tokens(context + ids, n)] = -math.inf
        g_token = 0  # a finished greedy row steps on a placeholder, ignored
        if not greedy_done:
            g_token = int(logp[k].argmax())
            greedy_score += float(logp[k, g_token])
            greedy.append(g_token)
            greedy_done = g_token == end
        # The best 2k (beam, token) pairs leave k live beams after any that finish.
        total = (scores[:, None] + logp[:k]).ravel()
        parents: list[int] = []
        chosen: list[int] = []
        for flat in np.argsort(-total, kind="stable")[: 2 * k].tolist():
            if not math.isfinite(total[flat]) or len(parents) == k:
                break
            row, token = divmod(flat, logp.shape[1])
            if token == end:
                finished.append(Hypothesis((*beams[row], token), float(total[flat]), True))
            else:
                parents.append(row)
                chosen.append(token)
        if not parents:
            beams, scores = [], np.empty(0)
            break
        new_scores = np.array([total[p * logp.shape[1] + t] for p, t in zip(parents, chosen, strict=True)])
        beams = [[*beams[p], t] for p, t in zip(parents, chosen, strict=True)]
        if greedy_done and _settled(finished, new_scores, len(beams[0]), settings):
            scores = new_scores
            break
        pad = k - len(parents)  # too few live beams: empty slots copy row 0 and never expand
        scores = np.concatenate([new_scores, np.full(pad, -math.inf)])
        beams += [list(beams[0]) for _ in range(pad)]
        stepper.reorder(torch.tensor([*parents, *[parents[0]] * pad, k]))
        logits = stepper.step(torch.tensor([*chosen, *[chosen[0]] * pad, g_token]))
    live = zip(beams, scores.tolist(), strict=False)
    pool = finished + [Hypothesis(tuple(ids), s, False) for ids, s in live if math.isfinite(s)]
    pool.append(Hypothesis(tuple(greedy), greedy_score, greedy_done))
    return _ranked(pool, settings, tokenizer)


def _settled(finished: list[Hypothesis], live: np.ndarray, length: int, settings: BeamSettings) -> bool:
    """Enough finished hypotheses, and no live beam ranks above the k-th of them now."""
    if len(finished) < settings.width:
        return False
    kth = sorted((h.score(settings.length_penalty) for h in finished), reverse=True)[settings.width - 1]
    return float(live.max()) / max(1, length) ** settings.length_penalty <= kth


def _ranked(pool: list[Hypothesis], settings: BeamSettings, tokenizer: Tokenizer) -> list[Hypothesis]:
    pool.sort(key=lambda h: h.score(settings.length_penalty), reverse=True)
    seen: set[tuple[int, ...]] = set()
    ranked: list[Hypothesis] = []
    for h in pool:
        if h.ids in seen:
            continue
        seen.add(h.ids)
        ids = list(h.ids[:-1] if h.finished else h.ids)
        ranked.append(Hypothesis(h.ids, h.log_prob, h.finished, decode(tokenizer, ids)))
        if len(ranked) == settings.width:
            break
    return ranked
