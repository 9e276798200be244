"""The recurrent state of the hand-fused step, kept where its products read it.

Layer l's product (lstm_core.step_weights) reads one buffer, h_l. A step writes
each new h straight into its buffer, so no input is concatenated, allocated or sliced
per token: at batch 1 those small calls cost as much as reading the weights. Beside h and
the LSTM's cell state (kept doubled) the state holds each layer's pending W_hh · h, computed
with the previous step's product and added to the layer's input at the next step.

Each buffer is also kept as a numpy view of the same memory: the step's adds and multiplies
run in numpy, whose calls cost about a microsecond against torch's several.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

# Floats left unused after each row of ``rows_apart``: 64 bytes keep rows of a multiple of 16
# floats on cache-line boundaries.
ROW_GAP = 16


def rows_apart(rows: int, width: int) -> Tensor:
    """A (rows, width) float32 buffer whose rows are not adjacent in memory, so that torch
    runs its pointwise kernels over each row on its own (lstm_core.step_cells says why)."""
    return torch.zeros(rows, width + ROW_GAP)[:, :width]


def _apart(values: np.ndarray) -> np.ndarray:
    buffer = rows_apart(*values.shape).numpy()
    buffer[...] = values
    return buffer


class StepRows:
    """h, 2c and the pending recurrent products of every layer for ``rows`` rows (CPU,
    float32). ``h[layer]`` is also the buffer that layer's product reads; ``c2[layer]`` is
    twice the LSTM's cell state (lstm_core.step_cells says why); ``pending[layer]``
    (rows, gates) is W_hh · h, the next step's start."""

    def __init__(self, hs: list[Tensor], c2s: list[Tensor], pending: list[np.ndarray]) -> None:
        rows, hidden = hs[0].shape
        self.h = [h.float().clone(memory_format=torch.contiguous_format) for h in hs]
        self.c2 = [c2.float().clone() for c2 in c2s]
        self.pending = pending  # views of a product's result, whose rows other columns follow
        self.squashed = rows_apart(rows, hidden)  # σ(2c), the LSTM cell's last sigmoid
        # numpy views of the same memory: the step's adds and multiplies run in numpy
        self.h_np: list[np.ndarray] = [h.numpy() for h in self.h]
        self.c2_np: list[np.ndarray] = [c2.numpy() for c2 in self.c2]
        self.squashed_np = self.squashed.numpy()
        self.scratch = np.empty((rows, hidden), dtype=np.float32)

    @property
    def rows(self) -> int:
        return self.h[0].shape[0]

    def reorder(self, index: Tensor) -> StepRows:
        """Row i takes the state row index[i] had (beam search's survivors)."""
        rows = index.numpy()
        return StepRows(
            [h.index_select(0, index) for h in self.h],
            [c2.index_select(0, index) for c2 in self.c2],
            [_apart(p[rows]) for p in self.pending],
        )
