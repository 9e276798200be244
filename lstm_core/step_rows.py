"""The recurrent state of the hand-fused step, kept where its products read it.

Layer l's product (lstm_core.step_weights) reads one buffer, [h_l], which with int8
weights ends in the two pinned columns -1 and 1 (lstm_core.int8_weights). A step writes
each new h straight into its buffer, so no input is concatenated, allocated or sliced
per token: at batch 1 those small calls cost as much as reading the weights. Beside h
and c the state holds each layer's pending W_hh · h, computed with the previous step's
product and added to the layer's input at the next step.

h and c are also kept as numpy views of the same memory: for one row or a few the step's
pointwise part runs in numpy, whose calls cost about a microsecond against torch's
several (lstm_core.stepper).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from lstm_core.int8_weights import range_columns


class StepRows:
    """h, c and the pending recurrent products of every layer for ``rows`` rows (CPU,
    float32). ``inputs[layer]`` is the buffer that layer's product reads; ``h[layer]`` is a
    view of it; ``pending[layer]`` (rows, gates) is W_hh · h, the next step's start."""

    def __init__(
        self, hs: list[Tensor], cs: list[Tensor], pending: list[np.ndarray], *, pinned: bool
    ) -> None:
        rows, hidden = hs[0].shape
        self.pinned = pinned
        pins = range_columns(rows) if pinned else torch.empty(rows, 0)
        self.inputs = [torch.cat([h.float(), pins], dim=1) for h in hs]
        self.h = [buffer[:, :hidden] for buffer in self.inputs]
        self.c = [c.float().clone() for c in cs]
        self.pending = pending
        # numpy views of the same memory, for the pointwise part of a step over a few rows
        self.h_np: list[np.ndarray] = [h.numpy() for h in self.h]
        self.c_np: list[np.ndarray] = [c.numpy() for c in self.c]
        self.scratch = np.empty((rows, hidden), dtype=np.float32)

    @property
    def rows(self) -> int:
        return self.inputs[0].shape[0]

    def reorder(self, index: Tensor) -> StepRows:
        """Row i takes the state row index[i] had (beam search's survivors)."""
        rows = index.numpy()
        return StepRows(
            [h.index_select(0, index) for h in self.h],
            [c.index_select(0, index) for c in self.c],
            [p[rows] for p in self.pending],
            pinned=self.pinned,
        )
