"""Units that mean something: which hidden and cell units track a property of the text.

Every unit of every layer (h, and C for an LSTM) is read at every position of the
text with the explicit cells; each property of ``text_properties`` is computed
at the same positions; the Pearson correlation of each (property, unit) pair says
how well that one unit tracks that one property. An untrained model of the same
shape gives the chance level: its units correlate with whatever the current
character implies, but not with what must be remembered (being inside quotes).

The text is cut into STREAMS pieces run side by side, each preceded by WARMUP
tokens whose states are dropped, so a piece starts from a state that has read some
text rather than from zero. The properties are computed on each piece as the model
read it, from the start of its warm-up: a bracket opened before that is unseen by
both, so a unit that counts brackets exactly is scored as exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

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


@dataclass(frozen=True)
class UnitScore:
    layer: int
    state: str  # "h" or "c"
    unit: int
    r: float  # Pearson correlation with the property over every position read

    def label(self) -> str:
        return f"L{self.layer}:{self.state}{self.unit}"


@dataclass(frozen=True)
class PropertyUnits:
    name: str
    description: str
    best: list[UnitScore]  # the TOP units by |r|, best first; empty when the property is absent
    baseline: float | None  # best |r| of an untrained model of the same shape, when measured

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "best": [asdict(u) for u in self.best]}


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
    chance: Mapping[str, float] = {}
    if baseline and present:
        fresh_acts, _ = unit_activations(untrained_like(model), ids)
        fresh_r = correlations(np.stack(list(present.values()), axis=1), fresh_acts)
        chance = {key: float(np.abs(row).max()) for key, row in zip(present, fresh_r, strict=True)}
    r_all = correlations(np.stack(list(present.values()), axis=1), acts) if present else np.zeros((0, 0))
    rows = dict(zip(present, r_all, strict=True))
    hidden = model.config.hidden
    properties = [
        PropertyUnits(
            key,
            functions[key][0],
            _best(rows[key], blocks, hidden, top) if key in rows else [],
            chance.get(key),
        )
        for key in functions
    ]
    return UnitsReport(name or model.config.cell, model.config.cell, len(acts), properties)


def _varies(values: np.ndarray) -> bool:
    """Present: not constant, and its less common value (for 0/1 properties) not vanishingly rare."""
    if values.size == 0 or values.min() == values.max():
        return False
    if set(np.unique(values)) <= {0.0, 1.0}:
        share = float(values.mean())
        return min(share, 1 - share) >= MIN_SHARE
    return True


def format_units_table(report: UnitsReport) -> str:
    """One line per property: its best units and r, and the untrained model's best |r|."""
    width = max(16, *(len(p.name) + 2 for p in report.properties))
    lines = [f"{'property':<{width}}{'best units (r)':<48}{'untrained best |r|':>18}"]
    for prop in report.properties:
        if not prop.best:
            lines.append(f"{prop.name:<{width}}{'(absent from this text)':<48}{'–':>18}")
            continue
        units = ", ".join(f"{u.label()} {u.r:+.2f}" for u in prop.best)
        base = "–" if prop.baseline is None else f"{prop.baseline:.2f}"
        lines.append(f"{prop.name:<{width}}{units:<48}{base:>18}")
    return "\n".join(lines)
