"""The generation step over a batch of rows, in torch: many samples, or a wide beam.

Past a few rows (``FastStepper.many_rows``) a step's products are bound by arithmetic and
its pointwise part runs in torch, whose calls use every core but cost microseconds each
whatever they compute. So this step is ``FastStepper``'s with three changes, each of
which spares a pass over every layer's gates or a few calls:

- the weights are laid out doubled (``step_weights(doubled=True)``), the scale at which
  ``step_cells.torch_cell``'s sigmoids read the gates;
- the cell state is kept as −2c, the argument of the sigmoid that gives h;
- each layer's gates are summed into one buffer kept for the whole generation, whose four
  gate views are made once, where a fresh sum into the product's output and a split
  made them again at every step.

Per step of 32 rows of a 2×512 LSTM (int8) on a 2-core Zen 4 VM these took 575 µs to
490, side by side; while the host ran the VM's two cores as one, about 780 µs either way.
Both changes of scale are by powers of two, which are exact: every value is the few-rows
step's, times two or −2. A batch whose rows end until only a few are left goes on with
the few-rows step from the same bits (``ManyRows.few_rows``).
"""

from __future__ import annotations

import torch
from torch import Tensor

from lstm_core.model import LanguageModel
from lstm_core.step_cells import torch_cell
from lstm_core.step_rows import StepRows, input_buffers
from lstm_core.step_weights import step_weights


class ManyRows:
    """h, −2c and the pending recurrent products (doubled) of every layer for a batch of
    rows, with each layer's gate buffer. ``inputs`` and ``h`` are as in ``StepRows``."""

    def __init__(
        self, hs: list[Tensor], neg2cs: list[Tensor], pending: list[Tensor], *, pinned: bool
    ) -> None:
        rows, hidden = hs[0].shape
        self.pinned = pinned
        self.inputs = input_buffers(hs, pinned=pinned)
        self.h = [buffer[:, :hidden] for buffer in self.inputs]
        self.neg2c = neg2cs
        self.pending = pending  # (rows, gates) per layer: W_hh · h, this step's start
        self.gates = [torch.empty(rows, p.shape[1]) for p in pending]
        self.views = [gates.split(hidden, dim=1) for gates in self.gates]  # i, f, o, g
        self.tmp = torch.empty(rows, hidden)

    @property
    def rows(self) -> int:
        return self.inputs[0].shape[0]

    @staticmethod
    def from_few(state: StepRows) -> ManyRows:
        return ManyRows(
            state.h,
            [c.mul(-2.0) for c in state.c],
            [torch.from_numpy(p).mul(2.0) for p in state.pending],
            pinned=state.pinned,
        )

    def few_rows(self) -> StepRows:
        """The same state in the few-rows step's layout."""
        cs = [c.mul(-0.5) for c in self.neg2c]
        return StepRows(self.h, cs, [p.mul(0.5).numpy() for p in self.pending], pinned=self.pinned)

    def reorder(self, index: Tensor) -> ManyRows:
        """Row i takes the state row index[i] had (beam search's survivors)."""
        return ManyRows(
            [h.index_select(0, index) for h in self.h],
            [c.index_select(0, index) for c in self.neg2c],
            [p.index_select(0, index) for p in self.pending],
            pinned=self.pinned,
        )


class ManyRowsStep:
    """The hand-fused step (LSTM and vanilla RNN on the CPU) over a batch of rows."""

    def __init__(self, model: LanguageModel, *, int8: bool) -> None:
        self.lstm = model.config.cell == "lstm"
        weights = step_weights(model, int8=int8, doubled=True)
        self.input_table, self.products, self.gates = weights.input_table, weights.products, weights.gates

    def advance(self, tokens: Tensor, state: ManyRows) -> Tensor:
        """One step for every row of ``state`` (updated in place), each with its token;
        returns the logits (rows, V)."""
        gates_end = self.gates
        below = self.input_table.index_select(0, tokens)  # layer 0's input projection
        for layer, product in enumerate(self.products):
            gates = torch.add(state.pending[layer], below, out=state.gates[layer])
            neg2c = state.neg2c[layer] if self.lstm else None
            torch_cell(gates, state.views[layer], neg2c, state.h[layer], state.tmp)
            out = product(state.inputs[layer])
            state.pending[layer] = out[:, :gates_end]
            below = out[:, gates_end:]
        return below
