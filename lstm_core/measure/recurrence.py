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
near the start of the text may have occurred just before it. The text is read as STREAMS
pieces side by side, each preceded by a window of warm-up tokens that are read, not scored.

                ids:  [ window | scored ......................................... ]
    stream 0:         [ warm-up | piece 0 ]
    stream 1:                    [ warm-up | piece 1 ]          (and so on)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from lstm_core.hardware import inference_autocast
from lstm_core.measure.recurrence_cases import KINDS, Case, Kind, distance_bins, find_cases
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer

WINDOW = 1024  # furthest look-back in tokens: about 15 lines of code for a char model, 2 pages of words
MAX_TOKENS = 32_768  # scored after the window: enough for hundreds of cases in the far bins
STREAMS = 8  # pieces read side by side
LOGIT_BUDGET = 1 << 23  # floats of logits held at once: (streams × positions × vocabulary)
MIN_CASES = 30  # fewer cases in a bin than this: its mean is not compared
CLEAR = 2.0  # a difference counts as clear above this many standard errors


class MeasurementStopped(Exception):
    """The stop flag was raised; nothing is returned."""


@dataclass(frozen=True)
class DistanceBin:
    low: int  # distances k with low <= k <= high, in tokens
    high: int
    cases: int
    loss: float  # mean loss (nats/token) of the recurring tokens
    loss_se: float  # its standard error
    unigram: float  # mean unigram loss of the same tokens: no context at all
    matched: int  # cases whose word also has a first mention (word cases only)
    baseline: float | None  # mean loss of those words' first mentions, over the matched cases
    gain: float | None  # mean (baseline − loss) over the matched cases: what recall is worth
    gain_se: float | None

    @property
    def label(self) -> str:
        return str(self.high) if self.low == self.high else f"{self.low}–{self.high}"


@dataclass(frozen=True)
class RecallCurve:
    name: str
    cell: str
    kind: Kind
    bins: list[DistanceBin]  # bins without a single case are left out
    first_mentions: int  # word cases with no earlier occurrence within the window
    first_loss: float | None  # their mean loss
    reach: int | None  # the farthest bin's upper edge whose gain is clearly above 0; None: none
    far_matched: int  # matched cases beyond far_from(window), pooled
    far_gain: float | None  # their mean gain; None: fewer than MIN_CASES
    far_gain_se: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cell": self.cell,
            "kind": self.kind,
            "bins": [asdict(b) | {"label": b.label} for b in self.bins],
            "first_mentions": self.first_mentions,
            "first_loss": self.first_loss,
            "reach": self.reach,
            "far_matched": self.far_matched,
            "far_gain": self.far_gain,
            "far_gain_se": self.far_gain_se,
        }


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


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return float(values.mean()), se


def _case_table(
    cases: Sequence[Case], losses: np.ndarray, unigram: np.ndarray, kind: Kind
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per case of one kind: (its loss, its unigram loss, its distance (0: a first mention),
    the mean loss of its word's first mentions (NaN: none))."""
    own = [c for c in cases if c.kind == kind]
    loss = np.array([losses[list(c.tokens)].mean() for c in own])
    uni = np.array([unigram[list(c.tokens)].mean() for c in own])
    distance = np.array([c.distance if c.distance is not None else 0 for c in own], dtype=np.int64)
    firsts: dict[str, list[float]] = {}
    for c, value in zip(own, loss, strict=True):
        if c.distance is None:
            firsts.setdefault(c.key, []).append(float(value))
    baseline = {key: float(np.mean(v)) for key, v in firsts.items()}
    base = np.array([baseline.get(c.key, np.nan) for c in own])
    return loss, uni, distance, base


def far_gains(cases: Sequence[Case], losses: np.ndarray, *, window: int) -> np.ndarray:
    """The gain of every matched word case beyond far_from(window), in the order of ``cases``."""
    loss, _, distance, base = _case_table(cases, losses, np.zeros_like(losses), "word")
    far = ~np.isnan(base) & (distance > far_from(window))
    return base[far] - loss[far]


def recall_curve(
    name: str,
    cell: str,
    cases: Sequence[Case],
    losses: np.ndarray,
    unigram: np.ndarray,
    *,
    kind: Kind,
    window: int,
) -> RecallCurve:
    """One model's curve for one kind of case: per distance bin, and pooled over the far bins."""
    loss, uni, distance, base = _case_table(cases, losses, unigram, kind)
    first = distance == 0
    matched = ~np.isnan(base) & ~first
    bins: list[DistanceBin] = []
    reach = None
    for low, high in distance_bins(window):
        inside = (distance >= low) & (distance <= high)
        if not inside.any():
            continue
        mean, se = _mean_se(loss[inside])
        pair = inside & matched
        b_mean = gain = gain_se = None
        if pair.any():
            b_mean = float(base[pair].mean())
            gain, gain_se = _mean_se(base[pair] - loss[pair])
            if pair.sum() >= MIN_CASES and gain > CLEAR * gain_se:
                reach = high
        bins.append(
            DistanceBin(
                low,
                high,
                int(inside.sum()),
                mean,
                se,
                float(uni[inside].mean()),
                int(pair.sum()),
                b_mean,
                gain,
                gain_se,
            )
        )
    far = matched & (distance > far_from(window))
    far_gain = _mean_se(base[far] - loss[far]) if far.sum() >= MIN_CASES else None
    return RecallCurve(
        name,
        cell,
        kind,
        bins,
        int(first.sum()),
        float(loss[first].mean()) if first.any() else None,
        reach,
        int(far.sum()),
        None if far_gain is None else far_gain[0],
        None if far_gain is None else far_gain[1],
    )


def far_from(window: int) -> int:
    """Distances above this are "far": the last four bins of a window (64 of 1024)."""
    return max(1, window // 16)


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
    done = 0

    def tick(tokens: int) -> None:
        nonlocal done
        if stop is not None and stop():
            raise MeasurementStopped
        done += tokens
        if progress is not None:
            progress(min(1.0, done / work))

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


def recall_verdict(
    curves: Sequence[RecallCurve], window: int, *, paired: tuple[np.ndarray, np.ndarray] | None = None
) -> str:
    """One line on the word curves, pooled over the far distances (more cases than one bin).

    ``paired``: the first two models' far gains case by case, when they scored the same cases;
    their difference is then judged against its own spread, which is much narrower than the
    two spreads added (a hard word is hard for both). Without it the spreads are added, which
    errs towards "no difference"."""
    words = [c for c in curves if c.kind == "word"]
    far = far_from(window)
    where = f"on words that recur {far + 1}–{window} tokens after their last occurrence"
    if not words or any(c.far_gain is None for c in words):
        return (
            f"too few recurring words with a first mention in this text (under {MIN_CASES} {where}) "
            "to tell: give it more text"
        )
    gains = ", ".join(f"the {c.name.upper()} {c.far_gain:+.2f} ± {c.far_gain_se:.2f}" for c in words)
    head = f"{where}, loss below the same words' first mentions (nats/token): {gains}"
    first = words[0]
    assert first.far_gain is not None and first.far_gain_se is not None
    if len(words) == 1:
        clear = first.far_gain > CLEAR * first.far_gain_se
        return f"{head}: " + ("it remembers them" if clear else "no clear gain from having seen them")
    second = words[1]
    assert second.far_gain is not None and second.far_gain_se is not None
    difference = first.far_gain - second.far_gain
    if paired is not None and len(paired[0]) == len(paired[1]) > 1:
        spread = _mean_se(paired[0] - paired[1])[1]
        head += f"; difference {difference:+.2f} ± {spread:.2f}, case by case"
    else:
        spread = math.hypot(first.far_gain_se, second.far_gain_se)
    if difference > CLEAR * spread:
        said = f"the {first.name.upper()} remembers what the {second.name.upper()} forgets"
    elif -difference > CLEAR * spread:
        said = f"here the {second.name.upper()} remembers more than the {first.name.upper()}"
    else:
        said = "no difference between them beyond the noise, on this text"
    return f"{head}: {said}"


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
