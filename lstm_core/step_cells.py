"""The generation step's pointwise part: the cell update from a layer's gate pre-activations,
in place, for one row or a batch of rows, to the same bits.

The LSTM's transcendentals are all one sigmoid. The step's weights (lstm_core.step_weights)
double the candidate's pre-activation and the state keeps 2c, so that i, f, o = σ(a),
g = tanh(b) = 2σ(2b) - 1 and tanh(c) = 2σ(2c) - 1: torch's vectorised sigmoid, where numpy's
tanh on CPUs without AVX-512 takes one value at a time (32 rows × 2,048 gate values on a
2-core Zen 3: 77 µs against 275). The adds and multiplies are numpy's, which cost about a
microsecond a call against torch's several at one row.

torch computes a run of values in vector blocks and its last few values one at a time, and
the two round differently. So a row's values must be one run of their own, whatever rows lie
around them, as in a single run: every buffer a sigmoid reads or writes for many rows is made
by ``rows_apart``, whose gap after each row keeps torch from joining the rows into one run.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from lstm_core.step_rows import StepRows, rows_apart


def lstm_cell(gates: Tensor, parts: list[np.ndarray], state: StepRows, layer: int) -> None:
    """Layer ``layer``'s new h and 2c in ``state`` from ``gates`` (rows, 4H: i, f, o, then
    the doubled candidate), which it overwrites; ``parts`` are numpy's views of its four
    quarters."""
    torch.sigmoid(gates, out=gates)
    i, f, o, g = parts
    c2, tmp = state.c2_np[layer], state.scratch
    np.multiply(g, 4.0, out=tmp)  # 2c' = f·2c + 2i·(2σ(2b) - 1) = f·2c + i·(4σ(2b) - 2)
    tmp -= 2.0
    tmp *= i
    c2 *= f
    c2 += tmp
    torch.sigmoid(state.c2[layer], out=state.squashed)
    squashed = state.squashed_np
    squashed *= 2.0  # tanh(c') = 2σ(2c') - 1
    squashed -= 1.0
    np.multiply(o, squashed, out=state.h_np[layer])


def rnn_cell(gates: np.ndarray, state: StepRows, layer: int) -> None:
    """A vanilla RNN's h = tanh(pre-activation): numpy's tanh, exact element by element."""
    np.tanh(gates, out=state.h_np[layer])


def quarters(gates: np.ndarray) -> list[np.ndarray]:
    """The LSTM's four gate blocks (i, f, o, doubled g) of (rows, 4H) gate values."""
    hid = gates.shape[1] // 4
    return [gates[:, :hid], gates[:, hid : 2 * hid], gates[:, 2 * hid : 3 * hid], gates[:, 3 * hid :]]


class GateBuffers:
    """Every layer's gate values for one row or a batch of rows, kept from step to step with
    their views made once (each view costs a call at every step)."""

    def __init__(self, layers: int, rows: int, gates: int, hidden: int) -> None:
        self.rows = rows
        self.values = [rows_apart(rows, gates) for _ in range(layers)]
        self.values_np = [v.numpy() for v in self.values]
        lstm = gates == 4 * hidden
        self.parts = [quarters(v) for v in self.values_np] if lstm else []
