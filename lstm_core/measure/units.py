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

How a text is read, in pieces side by side, is told in ``units_reading``; the figures and
their margins live in ``units_report``, the probes in ``units_probes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from lstm_core.measure.units_probes import correlations, fit_probes
from lstm_core.measure.units_reading import (
    WARMUP,
    property_functions,
    property_values,
    unit_activations,
    untrained_like,
)
from lstm_core.measure.units_report import Probe, PropertyUnits, Shown, UnitScore, UnitsReport
from lstm_core.measure.units_report import format_units_table as format_units_table  # re-exported for the CLI
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer

MAX_TOKENS = 20_000  # positions read: correlations settle long before, and inspect is a step loop
TOP = 3  # best units reported per property
MIN_SHARE = 0.005  # a property true (or varying) at fewer positions than this is "absent"


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


def _varies(values: np.ndarray) -> bool:
    """Present: not constant, and its less common value (for 0/1 properties) not vanishingly rare."""
    if values.size == 0 or values.min() == values.max():
        return False
    if set(np.unique(values)) <= {0.0, 1.0}:
        share = float(values.mean())
        return min(share, 1 - share) >= MIN_SHARE
    return True
