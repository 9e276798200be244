"""Carrying B rows of state through generation: many samples or beams in one recurrence.

At batch 1 a step reads every weight once to multiply it by one vector; with B rows
the same read serves B vectors, so B samples cost far less than B runs. ``reorder``
lets beam search keep the rows of the surviving hypotheses.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import Tensor

from lstm_core.model import LanguageModel, State
from lstm_core.step_rows import StepRows
from lstm_core.stepper import FastStepper, _prefill, use_int8


class BatchStepper(Protocol):
    @property
    def rows(self) -> int: ...

    def prefill(self, ids: list[int], rows: int) -> Tensor:
        """Prime on ids from a fresh state, copied into ``rows`` rows; return (rows, V) logits."""
        ...

    def step(self, tokens: Tensor) -> Tensor:
        """Advance each row by its token, (rows,) int64; return (rows, V) logits."""
        ...

    def reorder(self, index: Tensor) -> None:
        """Row i takes the state row index[i] had (beam search's survivors)."""
        ...


def _float_state(state: State, rows: int) -> list[Tensor]:
    parts = list(state) if isinstance(state, tuple) else [state]
    return [p.float().expand(-1, rows, -1).contiguous() for p in parts]


class FusedBatchStepper:
    """Every cell, every device: the fused module over a sequence of length one."""

    def __init__(self, model: LanguageModel) -> None:
        self.model = model
        self.state: list[Tensor] = []

    @property
    def rows(self) -> int:
        return self.state[0].shape[1] if self.state else 0

    @torch.no_grad()
    def prefill(self, ids: list[int], rows: int) -> Tensor:
        out = _prefill(self.model, ids)
        self.state = _float_state(out.state, rows)
        return out.logits[0, -1].float().expand(rows, -1).clone()

    @torch.no_grad()
    def step(self, tokens: Tensor) -> Tensor:
        state: State = (self.state[0], self.state[1]) if len(self.state) == 2 else self.state[0]
        out = self.model(tokens.to(self.model.device)[:, None], state)
        self.state = list(out.state) if isinstance(out.state, tuple) else [out.state]
        return out.logits[:, -1].float()

    def reorder(self, index: Tensor) -> None:
        self.state = [s.index_select(1, index.to(s.device)) for s in self.state]


class FastBatchStepper:
    """The hand-fused step of ``FastStepper`` (LSTM and vanilla RNN on the CPU) over B rows:
    a few in numpy as a single run steps, many with ``FastStepper.advance_many``. Both give
    a row the bits a single run gives it."""

    def __init__(self, model: LanguageModel, *, int8: bool = False) -> None:
        # Its laid-out (or int8) weights and its thread choice; its own state stays unused.
        self.fast = FastStepper(model, int8=int8)
        self.state: StepRows | None = None
        # Its stepper's choice, which only this batch uses: 4 rows ran faster on one thread.
        self.threads = self.fast.threads

    @property
    def rows(self) -> int:
        return self.state.rows if self.state else 0

    @torch.no_grad()
    def prefill(self, ids: list[int], rows: int) -> Tensor:
        out = _prefill(self.fast.model, ids)
        self.state = self.fast.rows_from(out.state, rows)
        return out.logits[0, -1].float().expand(rows, -1).clone()

    # No torch.no_grad, as in FastStepper.step: nothing a step reads requires grad.
    def step(self, tokens: Tensor) -> Tensor:
        fast, state = self.fast, self.state
        assert state is not None, "prefill first"
        if fast.many_rows(state.rows):
            # Its products always on the team: at 32 rows of a 2×512 LSTM they are bound by
            # arithmetic, and a choice timed during a burst of load could keep one thread.
            return fast.advance_many(tokens, state)
        return self.threads.run(fast.advance, fast.input_table.index_select(0, tokens), state)

    def reorder(self, index: Tensor) -> None:
        assert self.state is not None, "prefill first"
        self.state = self.state.reorder(index)


def make_batch_stepper(model: LanguageModel, *, int8: bool | None = None) -> BatchStepper:
    """The fastest batched stepper for this model on its device (eval mode); ``int8`` as
    in ``stepper.make_stepper``. A row's result never depends on the other rows."""
    if model.training:
        raise ValueError("put the model in eval mode before generating")
    if model.config.cell in ("lstm", "rnn") and model.device.type == "cpu":
        return FastBatchStepper(model, int8=use_int8(model) if int8 is None else int8)
    return FusedBatchStepper(model)
