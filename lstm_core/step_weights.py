"""The hand-fused step's weights, laid out once per model and kept while the model is.

Each layer's new h is multiplied once, by every matrix that reads it stacked into one
product: its own W_hh (whose result waits for the next step) over the layer above's W_ih
with that layer's bias (or, for the top layer, the output head). A step of an L-layer
model thus makes L matrix products, each reading only h, where a product per layer plus
one for the head, over concatenated [x, h] inputs, made L + 1. Layer 0's input projection
of every token is a lookup table.

Laying them out (and quantizing them to int8) takes tens to hundreds of milliseconds for
a 2×512 model: paid on every generation, that would be most of the time to the first
character. So the layout is kept beside the model and reused until any of its
parameters changes (torch counts every in-place change in a tensor's version).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import torch
from torch import Tensor

from lstm_core.int8_weights import Int8Linear
from lstm_core.model import LanguageModel


class DenseLinear:
    """y = x · Wᵀ + b in float32; W (out, in). The exact counterpart of Int8Linear."""

    def __init__(self, weight: Tensor, bias: Tensor) -> None:
        self.weight_t = weight.t().contiguous()
        self.bias = bias.unsqueeze(0).contiguous()
        self.nbytes = (self.weight_t.numel() + self.bias.numel()) * 4

    def __call__(self, x: Tensor) -> Tensor:
        return torch.addmm(self.bias, x, self.weight_t)


@dataclass
class StepWeights:
    input_table: Tensor  # (V, gates): layer 0's input projection of every token, its bias included
    products: list[DenseLinear | Int8Linear]  # per layer: [W_hh; W_ih above, or the head] · h
    gates: int  # rows of a layer's gates (4H for an LSTM, H for an RNN)


def _gate_order(lstm: bool, hidden: int) -> Tensor:
    # torch stores LSTM gate rows as (i, f, g, o); (i, f, o, g) makes the sigmoids one slice.
    if not lstm:
        return torch.arange(hidden)
    parts = [
        torch.arange(0, 2 * hidden),
        torch.arange(3 * hidden, 4 * hidden),
        torch.arange(2 * hidden, 3 * hidden),
    ]
    return torch.cat(parts)


def _gate_scale(lstm: bool, hidden: int) -> Tensor:
    """Per reordered gate row: 1 for the sigmoid gates, 2 for the candidate g.

    tanh(b) = 2σ(2b) - 1, so with the candidate's pre-activation doubled one sigmoid over all
    four gates serves them all (lstm_core.step_cells). Doubling is exact in floating point
    and in int8 (only the row's scale changes)."""
    scale = torch.ones(4 * hidden if lstm else hidden)
    if lstm:
        scale[3 * hidden :] = 2.0
    return scale


@torch.no_grad()
def _lay_out(model: LanguageModel, int8: bool) -> StepWeights:
    cfg = model.config
    lstm = cfg.cell == "lstm"
    order, scale = _gate_order(lstm, cfg.hidden), _gate_scale(lstm, cfg.hidden)
    w_ih, w_hh, bias = [], [], []
    for layer in range(cfg.layers):
        w_i, w_h, b_i, b_h = (t.detach().float() for t in model.layer_weights(layer))
        w_ih.append(w_i[order] * scale[:, None])
        w_hh.append(w_h[order] * scale[:, None])
        bias.append((b_i + b_h)[order] * scale)
    emb = model.embedding.weight.detach().float()
    table = torch.addmm(bias[0], emb, w_ih[0].t()).contiguous()
    linear = Int8Linear if int8 else DenseLinear
    products = []
    for layer in range(cfg.layers):
        if layer + 1 < cfg.layers:
            above, above_bias = w_ih[layer + 1], bias[layer + 1]
        else:
            above, above_bias = model.head.weight.detach().float(), model.head.bias.detach().float()
        stacked = torch.cat([w_hh[layer], above])
        products.append(linear(stacked, torch.cat([torch.zeros(len(order)), above_bias])))
    return StepWeights(input_table=table, products=products, gates=len(order))


_KEPT: weakref.WeakKeyDictionary[LanguageModel, dict[bool, tuple[tuple[int, ...], StepWeights]]] = (
    weakref.WeakKeyDictionary()
)


def step_weights(model: LanguageModel, *, int8: bool) -> StepWeights:
    """The model's step weights, laid out now or reused from an earlier call."""
    stamp = model.weights_stamp()
    kept = _KEPT.setdefault(model, {})
    if int8 in kept and kept[int8][0] == stamp:
        return kept[int8][1]
    weights = _lay_out(model, int8)
    kept[int8] = (stamp, weights)
    return weights
