"""The generation step's pointwise part: the cell update from a layer's gate pre-activations,
in place, in two forms that give the same bits.

``numpy_cell`` serves a row or a few (a numpy call costs about a microsecond against
torch's several); ``rows_cell`` serves a batch of rows and gives the same bits. Both read
the gate layout of ``lstm_core.step_weights``: rows i, f, o then g, with i, f and o's
pre-activations halved.
"""

from __future__ import annotations

import numpy as np
import torch

from lstm_core.step_rows import StepRows


def numpy_cell(gates: np.ndarray, c: np.ndarray | None, h: np.ndarray, tmp: np.ndarray) -> None:
    """``h`` and ``c`` (None for a vanilla RNN) get the new state from ``gates`` (rows, 4H or
    H), which it overwrites. One tanh serves every gate: σ(x) = ½·tanh(x/2) + ½."""
    if c is None:
        np.tanh(gates, out=h)
        return
    hid = h.shape[1]
    np.tanh(gates, out=gates)
    sig = gates[:, : 3 * hid]
    sig *= 0.5
    sig += 0.5
    c *= gates[:, hid : 2 * hid]
    c += np.multiply(gates[:, :hid], gates[:, 3 * hid :], out=tmp)
    np.multiply(gates[:, 2 * hid : 3 * hid], np.tanh(c, out=tmp), out=h)


def rows_cell(gates: GateBuffers, layer: int, state: StepRows) -> None:
    """``numpy_cell`` over a batch of rows, to the last bit: its tanh is numpy's, and its adds
    and multiplies are torch's, which round exactly as numpy's do and split the larger ones
    over every core. torch's own tanh and sigmoid round differently, by a last bit that a
    recurrence grows: with them a batch's samples drifted from the single runs of the same
    seeds (8 of 32 samples of 500 characters from an untrained 2×512 LSTM)."""
    values_np = gates.values_np[layer]
    if not state.c:  # a vanilla RNN
        np.tanh(values_np, out=state.h_np[layer])
        return
    np.tanh(values_np, out=values_np)
    i, f, o, g = gates.views[layer]
    gates.sigmoids[layer].mul_(0.5).add_(0.5)
    c = state.c[layer]
    c.mul_(f).add_(torch.mul(i, g, out=gates.scratch))
    np.tanh(state.c_np[layer], out=gates.scratch_np)
    torch.mul(o, gates.scratch, out=state.h[layer])


class GateBuffers:
    """Every layer's gate values for a batch of rows, kept from step to step with their views
    made once: at every step a fresh sum and its views cost tens of microseconds."""

    def __init__(self, layers: int, rows: int, gates: int, hidden: int) -> None:
        self.rows = rows
        self.values = [torch.empty(rows, gates) for _ in range(layers)]
        self.values_np = [v.numpy() for v in self.values]
        lstm = gates == 4 * hidden
        self.views = [v.split(hidden, dim=1) for v in self.values] if lstm else []  # i, f, o, g
        self.sigmoids = [v[:, : 3 * hidden] for v in self.values] if lstm else []
        self.scratch = torch.empty(rows, hidden)
        self.scratch_np = self.scratch.numpy()
