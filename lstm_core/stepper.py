"""Carrying a model's state through generation, one token at a time.

``prefill`` runs the whole prompt through the fused kernel in one call; ``step``
advances by one token. The hand-fused stepper exists because at batch 1 the
cost of a step is the number of kernel launches, not arithmetic: it folds the
first layer's input projection into a lookup table and does each layer in one
matrix product plus a few pointwise ops (lstm_core.step_weights, lstm_core.step_rows).
Tests hold it to the fused kernel.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch import Tensor

from lstm_core.hardware import inference_autocast
from lstm_core.int8_weights import int8_available
from lstm_core.model import LanguageModel, State
from lstm_core.openmp_team import on_one_thread
from lstm_core.step_cells import GateBuffers, lstm_cell, rnn_cell
from lstm_core.step_rows import StepRows
from lstm_core.step_threads import StepThreads
from lstm_core.step_weights import step_weights

# Prompts shorter than this are primed in float32; longer ones in the precision
# training used (bfloat16 where the CPU has it), which halves the time to first token.
_BF16_PREFILL_TOKENS = 64

# Int8 step weights pay once the recurrent matrices pass about 8 MB of float32 (2M
# weights: a 2×512 LSTM, a 2×1024 RNN). Below that they stay in the caches and a step costs
# its kernel calls. Per step on a 2-core Zen 3, int8 against float32: 2×512 LSTM 375 against
# 712 µs, 2×1024 RNN 235 against 532; 1×512 LSTM (1M weights) 200 against 219; 2×256 LSTM
# 278 against 234, 2×512 RNN 226 against 196.
_INT8_FROM_WEIGHTS = 2_000_000


# Up to this many gate values (rows × gates) a step is the few-rows one (``advance``, with
# the thread choice of lstm_core.step_threads); above, the many-rows one (``advance_many``:
# torch's add of strided views into kept buffers, the products always on every thread). The
# bound also keeps a few-rows step's sigmoid on one thread (torch splits a call between
# threads only above 32,768 values), so that it runs each row as a single run does.
# Per step of a 2×512 model (int8), few against many: on a 2-core Zen 4 VM (the cell then in
# tanh), LSTM 8 rows 323 against 436 µs, 16 rows 463 against 414, 32 rows 788 against 680;
# RNN 16 rows 174 against 279, 64 rows 445 against 500. On a 2-core Zen 3 VM (the LSTM's
# cell in one sigmoid, RNN 2×1024): LSTM 8 rows 756 against 765, 16 rows 1,113 against
# 1,167, 32 rows 2,018 against 1,865; RNN 16 rows 1,029 against 1,060, 32 rows 1,703
# against 1,728.
_NUMPY_UP_TO = 32768


def _prefill(model: LanguageModel, ids: list[int]):
    idx = torch.tensor([ids], device=model.device)
    if len(ids) < _BF16_PREFILL_TOKENS:
        return model(idx)
    with inference_autocast(model.device):
        return model(idx)


class Stepper(Protocol):
    def prefill(self, ids: list[int]) -> Tensor:
        """Run ids through the model from a fresh state; return (V,) logits after the last."""
        ...

    def step(self, token: int) -> Tensor:
        """Advance one token; return (V,) logits for the next."""
        ...


class FusedStepper:
    """Works for every cell: calls the fused module with a sequence of length one."""

    def __init__(self, model: LanguageModel) -> None:
        self.model = model
        self.state: State | None = None

    @torch.no_grad()
    def prefill(self, ids: list[int]) -> Tensor:
        out = _prefill(self.model, ids)
        state = out.state
        self.state = tuple(s.float() for s in state) if isinstance(state, tuple) else state.float()
        return out.logits[0, -1].float()

    @torch.no_grad()
    def step(self, token: int) -> Tensor:
        out = self.model(torch.tensor([[token]], device=self.model.device), self.state)
        self.state = out.state
        return out.logits[0, -1]


class FastStepper:
    """Hand-fused single step for LSTM and vanilla RNN at batch 1 (weights re-laid out once,
    lstm_core.step_weights).

    With ``int8`` the recurrent, upper-layer and output matrices are kept as int8
    (lstm_core.int8_weights): a quarter of the bytes to read per token; layer 0's input
    projection stays a float32 lookup table.
    """

    def __init__(self, model: LanguageModel, *, int8: bool = False) -> None:
        cfg = model.config
        if cfg.cell not in ("lstm", "rnn"):
            raise ValueError(f"no hand-fused step for {cfg.cell}")
        self.model = model
        self.lstm = cfg.cell == "lstm"
        self.int8 = int8
        weights = step_weights(model, int8=int8)
        self.input_table, self.products, self.gates = weights.input_table, weights.products, weights.gates
        self.state: StepRows | None = None
        self.threads = StepThreads()
        self._gate_buffers: GateBuffers | None = None

    def gate_buffers(self, rows: int) -> GateBuffers:
        """Every layer's gate values for ``rows`` rows, kept while the number of rows is."""
        buffers = self._gate_buffers
        if buffers is None or buffers.rows != rows:
            hidden = self.model.config.hidden
            buffers = self._gate_buffers = GateBuffers(len(self.products), rows, self.gates, hidden)
        return buffers

    def weight_bytes(self) -> int:
        """Bytes of weights one step reads (layer 0 reads one row of its lookup table)."""
        return self.input_table.shape[1] * 4 + sum(p.nbytes for p in self.products)

    def rows_from(self, state: State, rows: int) -> StepRows:
        """The model's state (its first row) copied into ``rows`` rows of step state."""
        parts = list(state) if isinstance(state, tuple) else [state]
        per_layer = [[layer[0:1].float().expand(rows, -1) for layer in part] for part in parts]
        c2s = [2 * c for c in per_layer[1]] if self.lstm else []  # doubling is exact
        rows_state = StepRows(per_layer[0], c2s, [])
        for product, buffer in zip(self.products, rows_state.h, strict=True):
            rows_state.pending.append(product(buffer).numpy()[:, : self.gates])
        return rows_state

    @torch.no_grad()
    def prefill(self, ids: list[int]) -> Tensor:
        out = _prefill(self.model, ids)
        self.state = self.rows_from(out.state, 1)
        return out.logits[0, -1].float()

    # No torch.no_grad here: no tensor a step reads requires grad (the weights were laid out
    # under no_grad), and entering it at every token costs microseconds.
    def step(self, token: int) -> Tensor:
        assert self.state is not None, "prefill first"
        return self.threads.run(self.advance, self.input_table[token : token + 1], self.state)[0]

    def many_rows(self, rows: int) -> bool:
        """Whether a step over this many rows is the many-rows one (``_NUMPY_UP_TO``): its
        products are then bound by arithmetic, which every core speeds up."""
        return rows * self.gates > _NUMPY_UP_TO

    def advance(self, token_rows: Tensor, state: StepRows) -> Tensor:
        """One step for every row: `token_rows` (rows, gates) are layer 0's input projections
        of the rows' tokens; `state` is updated in place. Returns the logits (rows, V). The
        batched stepper runs the same step over a few rows, and ``advance_many`` over many."""
        gates_end, lstm = self.gates, self.lstm
        gates = self.gate_buffers(state.rows)
        below = token_rows.numpy()  # this layer's input projection, bias included
        for layer, product in enumerate(self.products):
            values = gates.values_np[layer]
            np.add(state.pending[layer], below, out=values)
            if lstm:
                lstm_cell(gates.values[layer], gates.parts[layer], state, layer)
            else:
                rnn_cell(values, state, layer)
            out = product(state.h[layer])
            out_np = out.numpy()
            state.pending[layer], below = out_np[:, :gates_end], out_np[:, gates_end:]
        return out[:, gates_end:]

    def advance_many(self, tokens: Tensor, state: StepRows) -> Tensor:
        """``advance`` over a batch of rows, each with its token, to the last bit. Each layer's
        gates are summed by torch (several times faster than numpy at adding strided (rows,
        gates) views) and updated by the cell (lstm_core.step_cells), on one kernel thread,
        which also keeps torch's sigmoid from splitting a row between threads: the products
        alone use the team. The application's OpenMP threads spin only briefly
        (training/runtime/cpu_runtime.py), so a parallel call between two products first
        wakes a sleeping thread; per step of 32 rows of a 2×512 LSTM on a 2-core Zen 4 VM,
        640 µs against 700 with the pointwise part on the team too."""
        gates_end, gates = self.gates, self.gate_buffers(state.rows)
        below = on_one_thread(self.input_table.index_select, 0, tokens)  # layer 0's input projection
        for layer, product in enumerate(self.products):
            on_one_thread(self._gates_and_cell, layer, below, state, gates)
            out = product(state.h[layer])
            state.pending[layer] = out.numpy()[:, :gates_end]
            below = out[:, gates_end:]
        return below

    def _gates_and_cell(self, layer: int, below: Tensor, state: StepRows, gates: GateBuffers) -> None:
        """Layer ``layer``'s part of ``advance_many`` before its product."""
        torch.add(torch.from_numpy(state.pending[layer]), below, out=gates.values[layer])
        if self.lstm:
            lstm_cell(gates.values[layer], gates.parts[layer], state, layer)
        else:
            rnn_cell(gates.values_np[layer], state, layer)


def use_int8(model: LanguageModel) -> bool:
    """Int8 step weights where they pay: on the CPU, for models big enough that reading
    the weights is a step's cost."""
    cfg = model.config
    if model.device.type != "cpu" or cfg.cell not in ("lstm", "rnn") or not int8_available():
        return False
    gates = 4 if cfg.cell == "lstm" else 1
    return gates * cfg.layers * cfg.hidden**2 >= _INT8_FROM_WEIGHTS


def make_stepper(model: LanguageModel, *, int8: bool | None = None) -> Stepper:
    """The fastest stepper for this model on its device (model must be in eval mode).

    ``int8=None`` chooses int8 step weights where they pay (``use_int8``); False keeps
    the exact float32 step."""
    if model.training:
        raise ValueError("put the model in eval mode before generating")
    if model.config.cell in ("lstm", "rnn") and model.device.type == "cpu":
        return FastStepper(model, int8=use_int8(model) if int8 is None else int8)
    return FusedStepper(model)
