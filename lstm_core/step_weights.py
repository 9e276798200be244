"""The hand-fused step's weights, laid out once per model and kept while the model is.

Laying them out (and quantizing them to int8) takes tens to hundreds of milliseconds for
a 2×512 model: paid on every generation, that would be most of the time to the first
character. So the layout is kept beside the model and reused until any of its
parameters changes (torch counts every in-place change in a tensor's version).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import torch
from torch import Tensor

from lstm_core.int8_weights import Int8Linear
from lstm_core.model import LanguageModel


@dataclass
class StepWeights:
    layers: list[tuple[Tensor, Tensor]]  # (W^T over [x, h], bias) per layer; W^T empty with int8
    input_table: Tensor  # layer 0's input projection of every token, bias included: (V, gates)
    w0_hh: Tensor  # layer 0's recurrent W^T (empty with int8)
    head_w: Tensor  # the head's W^T (empty with int8)
    head_b: Tensor
    products: list[Int8Linear] = field(default_factory=list)  # int8: layer 0's W_hh, upper layers, head


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


@torch.no_grad()
def _lay_out(model: LanguageModel, int8: bool) -> StepWeights:
    cfg = model.config
    order = _gate_order(cfg.cell == "lstm", cfg.hidden)
    layers = []
    for layer in range(cfg.layers):
        w_ih, w_hh, b_ih, b_hh = (t.detach().float() for t in model.layer_weights(layer))
        w = torch.cat([w_ih, w_hh], dim=1)[order]
        layers.append((w.t().contiguous(), (b_ih + b_hh)[order].unsqueeze(0)))
    w0, b0 = layers[0]
    emb = model.embedding.weight.detach().float()
    weights = StepWeights(
        layers=layers,
        input_table=torch.addmm(b0, emb, w0[: cfg.embed]).contiguous(),
        w0_hh=w0[cfg.embed :].contiguous(),
        head_w=model.head.weight.detach().float().t().contiguous(),
        head_b=model.head.bias.detach().float().unsqueeze(0),
    )
    if int8:
        weights.products = [Int8Linear(weights.w0_hh.t(), None)]
        weights.products += [Int8Linear(w.t(), b[0]) for w, b in layers[1:]]
        weights.products.append(Int8Linear(weights.head_w.t(), weights.head_b[0]))
        # Only the int8 copies are read from now on: free the float32 ones.
        weights.layers = [(torch.empty(0), b) for _, b in layers]
        weights.w0_hh = weights.head_w = torch.empty(0)
    return weights


_KEPT: weakref.WeakKeyDictionary[LanguageModel, dict[bool, tuple[tuple[int, ...], StepWeights]]] = (
    weakref.WeakKeyDictionary()
)


def _stamp(model: LanguageModel) -> tuple[int, ...]:
    """Changes whenever a parameter is replaced or changed in place."""
    return tuple(v for p in model.parameters() for v in (id(p), p.data_ptr(), p._version))


def step_weights(model: LanguageModel, *, int8: bool) -> StepWeights:
    """The model's step weights, laid out now or reused from an earlier call."""
    stamp = _stamp(model)
    kept = _KEPT.setdefault(model, {})
    if int8 in kept and kept[int8][0] == stamp:
        return kept[int8][1]
    weights = _lay_out(model, int8)
    kept[int8] = (stamp, weights)
    return weights
