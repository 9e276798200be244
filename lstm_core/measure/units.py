"""Units that mean something: which hidden and cell units track a property of the text.

Every unit of every layer (h, and C for an LSTM) is read at every position of the
text with the explicit cells; each property of ``text_properties`` is computed
at the same positions; the Pearson correlation of each (property, unit) pair says
how well that one unit tracks that one property. An untrained model of the same
shape gives the chance level: its units correlate with whatever the current
character implies, but not with what must be remembered (being inside quotes).

Beside the best single unit, a small probe: a ridge readout over the PROBE_UNITS units that
correlate best on the first half of the positions, fitted on that half and scored (Pearson
r of its prediction) on the second, for the trained model and its untrained twin alike. A
figure counts as tracking the property when it beats the twin's by CLEAR_MARGIN (a unit) or
PROBE_MARGIN (a probe); ``shown`` names the one that does, the unit first (it is the one a
person can hold and steer), and a property neither clears is tracked by no unit better than
chance.

The text is cut into STREAMS pieces run side by side, each preceded by WARMUP
tokens whose states are dropped, so a piece starts from a state that has read some
text rather than from zero. The properties are computed on each piece as the model
read it, from the start of its warm-up: a bracket opened before that is unseen by
both, so a unit that counts brackets exactly is scored as exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np
import torch

from lstm_core.config import ModelConfig
from lstm_core.measure.text_properties import PROPERTIES, regex_property
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer, token_text

MAX_TOKENS = 20_000  # positions read: correlations settle long before, and inspect is a step loop
STREAMS = 16
WARMUP = 100
TOP = 3  # best units reported per property
MIN_SHARE = 0.005  # a property true (or varying) at fewer positions than this is "absent"
PROBE_UNITS = 8  # units a probe reads: enough to combine a few, few enough to fit on a half
RIDGE = 1e-2  # the probe's ridge penalty, per position, on standardised units
# How far a trained figure must beat its untrained twin's to count. Over four seeds of the twin
# on two texts (Python for a char model, licences for a word model) the best unit's |r| moved
# by up to 0.10 and the probe's held-out r by up to 0.31 (a half-text probe is noisier than a
# best-of-hundreds unit); a property the current token gives away lifts trained and untrained alike.
CLEAR_MARGIN = 0.1
PROBE_MARGIN = 0.2
NO_UNIT = "no unit tracks this better than chance"


@dataclass(frozen=True)
class UnitScore:
    layer: int
    state: str  # "h" or "c"
    unit: int
    r: float  # Pearson correlation with the property over every position read

    def label(self) -> str:
        return f"L{self.layer}:{self.state}{self.unit}"


@dataclass(frozen=True)
class Probe:
    """A ridge readout over a few units: fitted on the first half of the positions, scored on the second."""

    units: list[UnitScore]  # the units it reads, chosen by |r| on the first half (r: on that half)
    r: float  # Pearson r of its prediction with the property on the second half
    baseline: float | None  # the same probe's r on an untrained model of the same shape

    def to_dict(self) -> dict[str, Any]:
        return {"units": [asdict(u) for u in self.units], "r": self.r, "baseline": self.baseline}


Shown = Literal["unit", "probe"]


@dataclass(frozen=True)
class PropertyUnits:
    name: str
    description: str
    best: list[UnitScore]  # the TOP units by |r|, best first; empty when the property is absent
    baseline: float | None  # best |r| of an untrained model of the same shape, when measured
    probe: Probe | None = None  # None when the property is absent
    # which figure clears its untrained baseline by its margin (the unit first, if both do);
    # None: neither does, or there is no baseline to compare with
    shown: Shown | None = None

    @property
    def unit_clear(self) -> bool | None:
        """The best unit beats the untrained best by CLEAR_MARGIN; None without a baseline."""
        if not self.best or self.baseline is None:
            return None
        return abs(self.best[0].r) >= self.baseline + CLEAR_MARGIN

    @property
    def probe_clear(self) -> bool | None:
        if self.probe is None or self.probe.baseline is None:
            return None
        return self.probe.r >= self.probe.baseline + PROBE_MARGIN

    def verdict(self) -> str:
        """One line: which figure tracks the property, or that none does better than chance."""
        if not self.best:
            return "absent from this text"
        if self.baseline is None:
            return "no untrained baseline measured"
        if self.shown == "unit":
            unit = self.best[0]
            return f"unit {unit.label()} tracks it (r {unit.r:+.2f}, untrained {self.baseline:.2f})"
        if self.shown == "probe" and self.probe is not None:
            return (
                f"a probe over {len(self.probe.units)} units tracks it (r {self.probe.r:.2f} on held-out "
                f"positions, untrained {self.probe.baseline:.2f}); no single unit does"
            )
        return NO_UNIT

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "best": [asdict(u) for u in self.best],
            "probe": None if self.probe is None else self.probe.to_dict(),
            "unit_clear": self.unit_clear,
            "probe_clear": self.probe_clear,
            "verdict": self.verdict(),
        }


@dataclass(frozen=True)
class UnitsReport:
    name: str
    cell: str
    positions: int
    properties: list[PropertyUnits]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cell": self.cell,
            "positions": self.positions,
            "properties": [p.to_dict() for p in self.properties],
        }


def property_functions(patterns: Sequence[str] = ()) -> dict[str, tuple[str, Callable[[str], np.ndarray]]]:
    """The built-in properties plus one per regular expression a person typed."""
    found = dict(PROPERTIES)
    for pattern in patterns:
        found[f"/{pattern}/"] = (f"inside a match of /{pattern}/", regex_property(pattern))
    return found


def token_end_offsets(tokenizer: Tokenizer, ids: Sequence[int]) -> tuple[str, np.ndarray]:
    """The decoded text of ids and, per token, the offset of its last character in it."""
    pieces = [token_text(tokenizer, i) for i in ids]
    ends = np.cumsum([max(1, len(p)) for p in pieces]) - 1
    return "".join(p or "\ufffd" for p in pieces), ends


def stream_rows(ids: Sequence[int]) -> list[tuple[list[int], int]]:
    """The pieces read side by side: (warm-up + piece ids, warm-up length) each."""
    streams = max(1, min(STREAMS, len(ids) // (4 * WARMUP)))
    piece = len(ids) // streams
    rows = []
    for s in range(streams):
        start = s * piece
        lead = min(WARMUP, start)
        rows.append((list(ids[start - lead : start + piece]), lead))
    return rows


@torch.no_grad()
def unit_activations(model: LanguageModel, ids: Sequence[int]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """(T, U) values of every unit at every kept position, and (layer, "h"|"c") per block of H columns."""
    rows = stream_rows(ids)
    width = max(len(r) for r, _ in rows)
    # Pieces shorter than the longest are padded at the end; the padding is cut off below.
    idx = torch.tensor([r + [r[-1]] * (width - len(r)) for r, _ in rows], device=model.device)
    was_training = model.training
    model.eval()
    try:
        trace = model.inspect(idx)
    finally:
        model.train(was_training)
    blocks: list[tuple[int, str]] = []
    parts = []
    for layer, values in enumerate(trace.layers):
        for state, tensor in (("h", values.h), ("c", values.c)):
            if tensor is not None:
                blocks.append((layer, state))
                parts.append(tensor.float().cpu().numpy())
    every = np.concatenate(parts, axis=-1)  # (S, W, U)
    kept = [every[s, lead : len(r)] for s, (r, lead) in enumerate(rows)]
    return np.concatenate(kept), blocks


def property_values(
    tokenizer: Tokenizer, ids: Sequence[int], functions: Mapping[str, tuple[str, Callable[[str], np.ndarray]]]
) -> dict[str, np.ndarray]:
    """Each property at the kept positions of unit_activations, each piece read from its warm-up."""
    values: dict[str, list[np.ndarray]] = {key: [] for key in functions}
    for row, lead in stream_rows(ids):
        decoded, ends = token_end_offsets(tokenizer, row)
        for key, (_, fn) in functions.items():
            values[key].append(fn(decoded)[ends[lead:]])
    return {key: np.concatenate(v) for key, v in values.items()}


def correlations(props: np.ndarray, acts: np.ndarray) -> np.ndarray:
    """Pearson r of every column of props (T, K) with every column of acts (T, U): (K, U)."""
    p = props - props.mean(axis=0)
    a = acts - acts.mean(axis=0)
    p_norm = np.linalg.norm(p, axis=0)
    a_norm = np.linalg.norm(a, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (p.T @ a) / np.outer(p_norm, a_norm)
    return np.nan_to_num(r)  # a constant unit or property correlates with nothing


def untrained_like(model: LanguageModel, *, seed: int = 0) -> LanguageModel:
    """A fresh model of the same shape and cell: the chance level for unit correlations."""
    torch.manual_seed(seed)
    fresh = LanguageModel(ModelConfig.from_dict(model.config.to_dict()))
    return fresh.to(model.device).eval()


def _best(r: np.ndarray, blocks: list[tuple[int, str]], hidden: int, top: int) -> list[UnitScore]:
    order = np.argsort(-np.abs(r), kind="stable")[:top]
    return [
        UnitScore(blocks[u // hidden][0], blocks[u // hidden][1], int(u % hidden), float(r[u])) for u in order
    ]


def rank_units(
    model: LanguageModel,
    tokenizer: Tokenizer,
    text: str,
    *,
    patterns: Sequence[str] = (),
    baseline: bool = False,
    max_tokens: int = MAX_TOKENS,
    top: int = TOP,
    name: str | None = None,
) -> UnitsReport:
    """The ``top`` units per property, and with ``baseline`` an untrained twin's best |r|."""
    functions = property_functions(patterns)  # a bad pattern fails here, before any work
    ids = tokenizer.encode(text)[:max_tokens]
    if len(ids) < 4 * WARMUP:
        raise ValueError(f"the text has {len(ids)} tokens; at least {4 * WARMUP} are needed to rank units")
    acts, blocks = unit_activations(model, ids)
    values = property_values(tokenizer, ids, functions)
    present = {key: v for key, v in values.items() if _varies(v)}
    props = np.stack(list(present.values()), axis=1) if present else np.zeros((len(acts), 0))
    hidden = model.config.hidden
    probes = fit_probes(props, acts)  # (r, unit columns) per present property
    chance: dict[str, float] = {}
    probe_chance: dict[str, float] = {}
    if baseline and present:
        fresh_acts, _ = unit_activations(untrained_like(model), ids)
        fresh_r = correlations(props, fresh_acts)
        chance = {key: float(np.abs(row).max()) for key, row in zip(present, fresh_r, strict=True)}
        fresh_probes = fit_probes(props, fresh_acts)
        probe_chance = {key: r for key, (r, _, _) in zip(present, fresh_probes, strict=True)}
    r_all = correlations(props, acts) if present else np.zeros((0, 0))
    rows = dict(zip(present, r_all, strict=True))
    probe_of = {
        key: Probe(_scores(columns, half_r, blocks, hidden), r, probe_chance.get(key))
        for key, (r, columns, half_r) in zip(present, probes, strict=True)
    }
    properties = []
    for key in functions:
        best = _best(rows[key], blocks, hidden, top) if key in rows else []
        found = PropertyUnits(key, functions[key][0], best, chance.get(key), probe_of.get(key))
        properties.append(replace(found, shown=_shown(found)))
    return UnitsReport(name or model.config.cell, model.config.cell, len(acts), properties)


def _shown(prop: PropertyUnits) -> Shown | None:
    if prop.unit_clear:
        return "unit"
    return "probe" if prop.probe_clear else None


def _scores(
    columns: np.ndarray, r: np.ndarray, blocks: list[tuple[int, str]], hidden: int
) -> list[UnitScore]:
    return [
        UnitScore(blocks[u // hidden][0], blocks[u // hidden][1], int(u % hidden), float(v))
        for u, v in zip(columns, r, strict=True)
    ]


def fit_probes(props: np.ndarray, acts: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Per column of props (T, K): (held-out r, the unit columns read, their r on the fit half).

    The first half of the positions chooses the PROBE_UNITS units of largest |r| and fits a
    ridge readout on them; the second half scores it. Halves rather than a random split: the
    positions of one passage are alike, and a split through them would score the fit on
    near copies of what it was fitted on."""
    half = len(acts) // 2
    fit_x, test_x = acts[:half].astype(np.float64), acts[half:].astype(np.float64)
    mean, std = fit_x.mean(axis=0), fit_x.std(axis=0)
    std[std == 0] = 1.0
    fit_x, test_x = (fit_x - mean) / std, (test_x - mean) / std
    fit_r = correlations(props[:half], acts[:half])  # (K, U)
    out = []
    for k in range(props.shape[1]):
        columns = np.argsort(-np.abs(fit_r[k]), kind="stable")[:PROBE_UNITS]
        y = props[:half, k].astype(np.float64)
        x = fit_x[:, columns]
        gram = x.T @ x + RIDGE * half * np.eye(len(columns))
        weights = np.linalg.solve(gram, x.T @ (y - y.mean()))
        prediction = test_x[:, columns] @ weights
        held = correlations(props[half:, k : k + 1], prediction[:, None])[0, 0]
        out.append((float(held), columns, fit_r[k, columns]))
    return out


def _varies(values: np.ndarray) -> bool:
    """Present: not constant, and its less common value (for 0/1 properties) not vanishingly rare."""
    if values.size == 0 or values.min() == values.max():
        return False
    if set(np.unique(values)) <= {0.0, 1.0}:
        share = float(values.mean())
        return min(share, 1 - share) >= MIN_SHARE
    return True


def format_units_table(report: UnitsReport) -> str:
    """One line per property: its best units and r beside the untrained best |r|, the probe's
    held-out r beside the untrained probe's, and which of the two tracks it (or neither)."""
    width = max(16, *(len(p.name) + 2 for p in report.properties))
    head = f"{'property':<{width}}{'best units (r)':<44}{'untrained':>10}{'probe r':>9}{'untrained':>10}  "
    lines = [head + "tracked by"]
    for prop in report.properties:
        if not prop.best:
            lines.append(f"{prop.name:<{width}}{'(absent from this text)':<44}{'–':>10}{'–':>9}{'–':>10}")
            continue
        units = ", ".join(f"{u.label()} {u.r:+.2f}" for u in prop.best)
        base = "–" if prop.baseline is None else f"{prop.baseline:.2f}"
        probe = "–" if prop.probe is None else f"{prop.probe.r:.2f}"
        probe_base = (
            "–" if prop.probe is None or prop.probe.baseline is None else f"{prop.probe.baseline:.2f}"
        )
        lines.append(
            f"{prop.name:<{width}}{units:<44}{base:>10}{probe:>9}{probe_base:>10}  {_tracked_by(prop)}"
        )
    if any(p.best and p.shown is None and p.baseline is not None for p in report.properties):
        lines.append(
            f"none: chance = {NO_UNIT} (neither the unit by {CLEAR_MARGIN:.1f} in r nor the probe "
            f"by {PROBE_MARGIN:.1f} beats the untrained model)"
        )
    return "\n".join(lines)


def _tracked_by(prop: PropertyUnits) -> str:
    if prop.baseline is None:
        return "? (no baseline)"
    if prop.shown == "unit":
        return prop.best[0].label()
    if prop.shown == "probe" and prop.probe is not None:
        return f"probe of {len(prop.probe.units)}"
    return "none: chance"
