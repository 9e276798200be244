"""How much a model copies, measured on a few fresh samples: the model card's figure."""

from __future__ import annotations

from dataclasses import dataclass

from lstm_core.batch_sampling import generate_samples
from lstm_core.model import LanguageModel
from lstm_core.sampling import SamplingSettings
from training.copies.copy_check import MIN_CHARS, CopiedSpan, CopyChecker, describe_copies


@dataclass(frozen=True)
class CopySummary:
    samples: int
    tokens: int  # tokens generated per sample
    chars: int  # characters checked, all samples together
    longest: CopiedSpan | None  # the longest copied span in any sample
    copied_share: float  # share of all characters inside copied spans of ≥ min_chars
    min_chars: int
    certain_chars: int = 0  # copies at least this long are always found

    def describe(self) -> str:
        copies = describe_copies(self.longest, self.copied_share, self.min_chars, self.certain_chars)
        return f"{self.samples} samples of {self.tokens} tokens: {copies}"


def measure_copying(
    checker: CopyChecker,
    model: LanguageModel,
    *,
    samples: int = 3,
    tokens: int = 300,
    seed: int = 0,
    min_chars: int = MIN_CHARS,
) -> CopySummary:
    """Generate ``samples`` texts from an empty prompt (seeded) and check each for copies."""
    settings = SamplingSettings(max_tokens=tokens, seed=seed)
    texts = [s.text for s in generate_samples(model, checker.tokenizer, "", settings, samples)]
    return summarize_copies(checker, texts, tokens=tokens, min_chars=min_chars)


def summarize_copies(checker: CopyChecker, texts: list[str], *, tokens: int, min_chars: int) -> CopySummary:
    reports = [checker.check(text, min_chars=min_chars) for text in texts]
    spans = [r.longest for r in reports if r.longest is not None]
    chars = sum(r.chars for r in reports)
    copied = sum(r.copied_share * r.chars for r in reports)
    return CopySummary(
        samples=len(texts),
        tokens=tokens,
        chars=chars,
        longest=max(spans, key=lambda s: s.length, default=None),
        copied_share=copied / chars if chars else 0.0,
        min_chars=min_chars,
        certain_chars=checker.certain_chars,
    )
