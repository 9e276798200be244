"""Steer generation by holding one unit at a chosen value.

A clamp ``LAYER:UNIT=VALUE`` overwrites one unit of one layer's memory after every
step: the cell state C of an LSTM (then h_t = o_t · tanh(C_t) is computed from the
clamped C, as the notes' last equation says), the hidden state h of every other
cell. Everything downstream — the layers above, the head, the next step — sees the
clamped value. If a unit tracks "inside a quotation", holding it on should make the
model write as if inside one.

The clamped stepper runs the explicit cells of ``cells.py`` one token at a time:
slower than the hand-fused stepper, but it is the notes' equations with one value
replaced, which is what the tests check it against. The prompt is primed through the
fused kernel up to its last token; the clamp holds from that last token on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from lstm_core import cells
from lstm_core.model import LanguageModel

_CLAMP = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Clamp:
    layer: int
    unit: int
    value: float  # C for an LSTM (tanh(C) bounds its effect on h to ±1), h for other cells

    @classmethod
    def parse(cls, text: str) -> Clamp:
        """'LAYER:UNIT=VALUE', e.g. '0:17=1.5'."""
        match = _CLAMP.match(text)
        if match is None:
            raise ValueError(f"a clamp reads LAYER:UNIT=VALUE, e.g. 0:17=1.5, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)), float(match.group(3)))

    def check(self, model: LanguageModel) -> None:
        cfg = model.config
        if self.layer >= cfg.layers:
            raise ValueError(f"clamp {self}: the model has {cfg.layers} layer(s), numbered from 0")
        if self.unit >= cfg.hidden:
            raise ValueError(f"clamp {self}: a layer has {cfg.hidden} units, numbered from 0")

    def __str__(self) -> str:
        return f"{self.layer}:{self.unit}={self.value:g}"


class ClampedStepper:
    """A Stepper (see lstm_core.stepper) that holds the clamped units at their values."""

    def __init__(self, model: LanguageModel, clamps: Sequence[Clamp]) -> None:
        for clamp in clamps:
            clamp.check(model)
        self.model, self.clamps = model, tuple(clamps)
        self.kind = model.config.cell
        self.h: list[Tensor] = []
        self.c: list[Tensor] = []

    def _set_state(self, state: object) -> None:
        if self.kind == "lstm":
            assert isinstance(state, tuple)
            self.h, self.c = [t.float().clone() for t in state[0]], [t.float().clone() for t in state[1]]
        else:
            assert isinstance(state, Tensor)
            self.h, self.c = [t.float().clone() for t in state], []

    @torch.no_grad()
    def prefill(self, ids: list[int]) -> Tensor:
        if len(ids) > 1:
            self._set_state(self.model(torch.tensor([ids[:-1]], device=self.model.device)).state)
        else:
            self._set_state(self.model.init_state(1))
        return self.step(ids[-1])

    def _held(self, layer: int, values: Tensor) -> Tensor:
        """values (1, H) with this layer's clamped units replaced."""
        mine = [c for c in self.clamps if c.layer == layer]
        if not mine:
            return values
        values = values.clone()
        for clamp in mine:
            values[0, clamp.unit] = clamp.value
        return values

    @torch.no_grad()
    def step(self, token: int) -> Tensor:
        model = self.model
        x = model.embedding.weight[token : token + 1].float()  # (1, E)
        for layer in range(model.config.layers):
            weights = [w.float() for w in model.cell_weights(layer)]
            if self.kind == "lstm":
                out = cells.lstm_step(x, self.h[layer], self.c[layer], *weights)
                c = self._held(layer, out.c)
                self.c[layer] = c
                h = out.output * torch.tanh(c)  # h_t = o_t · tanh(C_t), from the clamped C
            elif self.kind == "gru":
                h = self._held(layer, cells.gru_step(x, self.h[layer], *weights).h)
            elif self.kind == "mingru":
                h = self._held(layer, cells.mingru_step(x, self.h[layer], *weights).h)
            else:
                h = self._held(layer, cells.rnn_step(x, self.h[layer], *weights))
            self.h[layer] = h
            x = h
        return model.head(x)[0]
