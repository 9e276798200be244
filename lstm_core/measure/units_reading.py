"""Reading a text for units: every unit's value and every property's, at the same positions.

The text is cut into STREAMS pieces run side by side, each preceded by WARMUP
tokens whose states are dropped, so a piece starts from a state that has read some
text rather than from zero. The properties are computed on each piece as the model
read it, from the start of its warm-up: a bracket opened before that is unseen by
both, so a unit that counts brackets exactly is scored as exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch

from lstm_core.config import ModelConfig
from lstm_core.measure.text_properties import PROPERTIES, regex_property
from lstm_core.model import LanguageModel
from lstm_core.tokenizers import Tokenizer, token_text

STREAMS = 16
WARMUP = 100


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


def untrained_like(model: LanguageModel, *, seed: int = 0) -> LanguageModel:
    """A fresh model of the same shape and cell: the chance level for unit correlations."""
    torch.manual_seed(seed)
    fresh = LanguageModel(ModelConfig.from_dict(model.config.to_dict()))
    return fresh.to(model.device).eval()
