"""Recall curves: per model and kind of case, the loss by distance against first mentions; a verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lstm_core.measure.recurrence_cases import Case, Kind, distance_bins

MIN_CASES = 30  # fewer cases in a bin than this: its mean is not compared
CLEAR = 2.0  # a difference counts as clear above this many standard errors


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
