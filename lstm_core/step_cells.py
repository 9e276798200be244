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


_HALF = torch.tensor(0.5)


def rows_cell(gates: GateBuffers, layer: int, state: StepRows) -> None:
    """``numpy_cell`` over a batch of rows, to the last bit: the same numpy calls, but for the
    sigmoid gates' ½·t + ½, one torch call where numpy makes two (½·t is exact, so either
    rounds once). torch's own tanh and sigmoid round differently, by a last bit that a
    recurrence grows: with them a batch's samples drifted from the single runs of the same
    seeds (8 of 32 samples of 500 characters from an untrained 2×512 LSTM)."""
    values = gates.values_np[layer]
    if not state.c:  # a vanilla RNN
        np.tanh(values, out=state.h_np[layer])
        return
    np.tanh(values, out=values)
    sigmoids = gates.sigmoids[layer]
    torch.add(_HALF, sigmoids, alpha=0.5, out=sigmoids)
    i, f, o, g = gates.views[layer]
    c, tmp = state.c_np[layer], gates.scratch
    c *= f
    c += np.multiply(i, g, out=tmp)
    np.multiply(o, np.tanh(c, out=tmp), out=state.h_np[layer])


class GateBuffers:
    """Every layer's gate values for a batch of rows, kept from step to step with their views
    made once (each view costs a call at every step)."""

    def __init__(self, layers: int, rows: int, gates: int, hidden: int) -> None:
        self.rows = rows
        self.values = [torch.empty(rows, gates) for _ in range(layers)]
        self.values_np = [v.numpy() for v in self.values]
        lstm = gates == 4 * hidden
        self.sigmoids = [v[:, : 3 * hidden] for v in self.values] if lstm else []
        self.views = [np.split(v, 4, axis=1) for v in self.values_np] if lstm else []  # i, f, o, g
        self.scratch = np.empty((rows, hidden), dtype=np.float32)
