"""Long-range recall on a person's own text: is a word cheaper the second time, and from how far back?

A text remembers itself: a name or an identifier comes back, a bracket closes one opened
earlier. Where a word recurs k tokens after its last occurrence, a model that still holds
that occurrence can predict it for less; one that has forgotten pays what it pays for a
word it has not seen. So each model reads the (held-out) text once, with the state carried,
and the loss on every token is kept; then

- word cases: a word (a letter or _, then two or more letters, digits or _) whose previous
  occurrence starts k tokens before it, scored as the mean loss of the tokens it spans;
- closer cases: a ) ] } whose opener is k tokens back, or a closing " whose opening one is
  k tokens back on the same line, scored as the loss of the token that holds it;

are binned by k (1–2, 3–4, 5–8, ... up to the window). The baseline of a word case is the
same word where it does NOT recur within the window (its "first mentions"), so a common
word is compared with itself, never with rarer ones; ``gain`` is that baseline less the
loss, over the cases whose word has a first mention. The unigram loss of the same tokens
(what a model with no context at all pays) is given beside both. A first mention and a
recurrence differ in more than memory (where in a sentence they stand, for one), so the
gain at short distances holds more than recall; what speaks of memory is how the gain
falls with k, and how one model's curve stands against another's on the same cases.

Only positions with a whole window of text before them are scored: a word that looks new
near the start of the text may have occurred just before it. How the text is read, in
pieces side by side, is drawn in ``recurrence_losses``; the curves and the verdict are
built in ``recurrence_curves``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_core.measure.context import progress_ticker
from lstm_core.measure.recurrence_cases import KINDS, Kind, find_cases
from lstm_core.measure.recurrence_curves import (
    MIN_CASES,
    RecallCurve,
    far_gains,
    recall_curve,
    recall_verdict,
)
from lstm_core.measure.recurrence_losses import STREAMS, token_losses, unigram_losses
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer

WINDOW = 1024  # furthest look-back in tokens: about 15 lines of code for a char model, 2 pages of words
MAX_TOKENS = 32_768  # scored after the window: enough for hundreds of cases in the far bins


@dataclass(frozen=True)
class RecallReport:
    curves: list[RecallCurve]  # per model, its word curve then its closer curve
    window: int
    scored: int  # tokens scored per model (after the window)
    measured_on: str  # one line: what was read
    verdict: str  # one line: what the word curves show, or that they show nothing clear

    def to_dict(self) -> dict[str, Any]:
        return {
            "curves": [c.to_dict() for c in self.curves],
            "window": self.window,
            "scored": self.scored,
            "measured_on": self.measured_on,
            "verdict": self.verdict,
        }


def measure_recall(
    models: Mapping[str, tuple[LanguageModel, Tokenizer]],
    text: str,
    *,
    source: str,
    window: int = WINDOW,
    max_tokens: int = MAX_TOKENS,
    progress: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> RecallReport:
    """Word and closer curves for each of ``models`` ({name: (model, tokenizer)}) on the end of
    ``text``: its last ``window + max_tokens`` tokens. ``source`` says in words what the text
    is ("the last 40,000 characters of notes.txt"). ``progress`` gets the fraction done;
    ``stop`` is polled between batches and raises MeasurementStopped when it returns True."""
    encoded = {name: tok.encode(text)[-(window + max_tokens) :] for name, (_, tok) in models.items()}
    short = [name for name, ids in encoded.items() if len(ids) < window + 2 * MIN_CASES]
    if short:
        got = len(encoded[short[0]])
        raise ValueError(
            f"the text has {got:,} tokens for {short[0]}: at least {window + 2 * MIN_CASES:,} are needed "
            f"(a window of {window:,} read before anything is scored)"
        )
    work = sum(len(ids) + window * STREAMS for ids in encoded.values())
    tick = progress_ticker(work, progress, stop)
    curves = []
    gains: list[np.ndarray] = []  # each model's far gains, case by case
    for name, (model, tokenizer) in models.items():
        ids = encoded[name]
        cases = find_cases(tokenizer, ids, first=window, window=window)
        losses = token_losses(model, ids, first=window, warmup=window, tick=tick)
        unigram = unigram_losses(ids, model.config.vocab_size)
        for kind in KINDS:
            cell = model.config.cell
            curves.append(recall_curve(name, cell, cases, losses, unigram, kind=kind, window=window))
        gains.append(far_gains(cases, losses, window=window))
    names = list(encoded)
    # Two models that read the same ids score the same cases: their gains pair up case by case.
    paired = len(names) >= 2 and encoded[names[0]] == encoded[names[1]]
    scored = min(len(ids) for ids in encoded.values()) - window
    measured_on = f"{scored:,} tokens of {source}, each read after the {window:,} before it"
    verdict = recall_verdict(curves, window, paired=(gains[0], gains[1]) if paired else None)
    return RecallReport(curves, window, scored, measured_on, verdict)


def format_recall_table(report: RecallReport, kind: Kind = "word") -> str:
    """Per bin: cases, loss ± se, and for words the gain over first mentions, per model."""
    curves = [c for c in report.curves if c.kind == kind]
    lines = []
    for curve in curves:
        lines.append(f"{curve.name} ({curve.cell}), {kind} cases")
        head = f"  {'k':>9}{'cases':>7}{'loss':>8}{'± se':>7}{'unigram':>9}"
        lines.append(head + (f"{'matched':>9}{'gain':>8}{'± se':>7}" if kind == "word" else ""))
        for b in curve.bins:
            row = f"  {b.label:>9}{b.cases:>7}{b.loss:>8.3f}{b.loss_se:>7.3f}{b.unigram:>9.3f}"
            if kind == "word":
                gain = "–" if b.gain is None else f"{b.gain:+.3f}"
                se = "–" if b.gain_se is None or math.isnan(b.gain_se) else f"{b.gain_se:.3f}"
                row += f"{b.matched:>9}{gain:>8}{se:>7}"
            lines.append(row)
        if kind == "word":
            first = "–" if curve.first_loss is None else f"{curve.first_loss:.3f}"
            reach = "none" if curve.reach is None else f"up to {curve.reach} tokens back"
            lines.append(
                f"  first mentions: {curve.first_mentions} at {first} nats/token; clear gain {reach}"
            )
    return "\n".join(lines)
