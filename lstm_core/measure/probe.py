"""Long-range recall: does the model still know the country when it reaches "I speak"?

A probe case is a held-out demo document cut right after "I speak" (see
``training.demo.demo_corpus``). The model completes it greedily; the case counts as
recalled when the first word of the completion is the right language. Accuracy
is reported per bucket of distance (characters of filler between fact and
question), so a short-memory model shows as a curve that falls with distance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, TypeVar

from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings, generate
from lstm_core.tokenizers import Tokenizer

BUCKET_WIDTH = 50  # characters; narrower buckets hold too few cases for a stable percentage
_FIRST_WORD = re.compile(r"\w+")


class Case(Protocol):
    """What the probe needs of a case (``training.demo.demo_corpus.ProbeCase`` fits)."""

    # Read-only: a frozen dataclass fits a protocol of properties, not one of plain attributes.
    @property
    def prompt(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def distance(self) -> int: ...


C = TypeVar("C", bound=Case)


@dataclass(frozen=True)
class BucketScore:
    distance: int  # upper edge of the bucket in characters (0: no filler at all)
    accuracy: float  # fraction of cases recalled, 0..1
    n: int


@dataclass(frozen=True)
class ProbeResult:
    name: str
    cell: str
    buckets: list[BucketScore]

    @property
    def accuracy(self) -> float:
        total = sum(b.n for b in self.buckets)
        return sum(b.accuracy * b.n for b in self.buckets) / max(1, total)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "cell": self.cell, "buckets": [asdict(b) for b in self.buckets]}


def bucket_of(distance: int, width: int = BUCKET_WIDTH) -> int:
    """Upper edge of the bucket holding ``distance``: 0 -> 0, 1..50 -> 50, 51..100 -> 100, ..."""
    return 0 if distance <= 0 else -(-distance // width) * width


def balanced_cases(cases: Sequence[C], per_bucket: int, width: int = BUCKET_WIDTH) -> list[C]:
    """At most ``per_bucket`` cases of each bucket, in their original order."""
    counts: dict[int, int] = {}
    kept = []
    for case in cases:
        bucket = bucket_of(case.distance, width)
        if counts.get(bucket, 0) < per_bucket:
            counts[bucket] = counts.get(bucket, 0) + 1
            kept.append(case)
    return kept


def answer_prompt(tokenizer: Tokenizer, prompt: str) -> str:
    """The prompt with or without its trailing space, whichever the tokenizer ends words on.

    Word and BPE tokenizers attach the space to the next word (" Hindi"), so a
    prompt ending in a bare space would be one the model never saw in training;
    a character tokenizer sees the space as its own token and expects it typed.
    """
    prompt = prompt.rstrip(" ")
    spaced = tokenizer.encode(prompt + " ")
    whole = tokenizer.encode(prompt + " Hindi")
    return prompt + " " if whole[: len(spaced)] == spaced else prompt


def is_recalled(completion: str, language: str) -> bool:
    match = _FIRST_WORD.search(completion)
    return match is not None and match.group(0) == language


def greedy_completer(
    model: LanguageModel, tokenizer: Tokenizer, *, max_chars: int = 16
) -> Callable[[str], str]:
    """A function prompt -> greedy continuation of about ``max_chars`` characters."""
    # A character model needs one token per letter; a word model one or two.
    tokens = max_chars if tokenizer.level == "char" else 3
    settings = SamplingSettings(max_tokens=tokens, greedy=True, stop=(".", "\n"))

    def complete(prompt: str) -> str:
        was_training = model.training
        model.eval()  # generation needs eval mode; a model probed mid-training goes back after
        try:
            return "".join(generate(model, tokenizer, answer_prompt(tokenizer, prompt), settings))
        finally:
            model.train(was_training)

    return complete


def score_completions(
    cases: Sequence[Case], complete: Callable[[str], str], *, width: int = BUCKET_WIDTH
) -> list[BucketScore]:
    """Accuracy per distance bucket of ``complete(case.prompt)`` against each case's language."""
    hits: dict[int, list[bool]] = {}
    for case in cases:
        hits.setdefault(bucket_of(case.distance, width), []).append(
            is_recalled(complete(case.prompt), case.language)
        )
    return [BucketScore(edge, sum(h) / len(h), len(h)) for edge, h in sorted(hits.items())]


def probe_model(
    model: LanguageModel,
    tokenizer: Tokenizer,
    cases: Sequence[Case],
    *,
    name: str | None = None,
    width: int = BUCKET_WIDTH,
) -> ProbeResult:
    buckets = score_completions(cases, greedy_completer(model, tokenizer), width=width)
    return ProbeResult(name or model.config.cell, model.config.cell, buckets)


def format_probe_table(results: Sequence[ProbeResult]) -> str:
    """Accuracy per distance bucket, one row per model, and the number of cases per bucket."""
    lines = [f"{'distance':<12}" + "".join(f"{b.distance:>7}" for b in results[0].buckets)]
    for r in results:
        lines.append(f"{r.name:<12}" + "".join(f"{b.accuracy * 100:>6.0f}%" for b in r.buckets))
    lines.append(f"{'cases':<12}" + "".join(f"{b.n:>7}" for b in results[0].buckets))
    return "\n".join(lines)
