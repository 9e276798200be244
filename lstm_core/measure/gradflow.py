"""Vanishing gradients, measured: how much does the loss at step t care about h_{t-k}?

The fused kernels hide the recurrence inside one autograd node, so the gradient
reaching an earlier hidden state cannot be read from them. Here the explicit
cells of ``cells.py`` run step by step on the model's own weights with autograd
on; every top-layer h_t is kept (``retain_grad``), the loss is taken at the last
position only, and ||∂loss_T/∂h_{T-k}|| is read for k = 1..K. A vanilla RNN
multiplies by tanh' · W_hh at every step and the norm falls geometrically; the
LSTM's additive cell path (C_t = f_t·C_{t-1} + ...) lets it fall far more slowly.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from lstm_core import cells
from lstm_core.model import LanguageModel

DEFAULT_MAX_K = 200
DEFAULT_WINDOWS = 16
EXPLODE_FACTOR = 3.0  # recurrent weights scaled by this push a trained RNN's per-step factor above 1
WARMUP = 16  # steps before the earliest measured h, so it is not the all-zero start state


@dataclass(frozen=True)
class GradientFlow:
    """One model's ‖∂L_t/∂h_(t−k)‖ against k, and what it was measured on."""

    name: str
    cell: str
    norms: dict[int, float]  # k -> mean gradient norm k steps back
    measured_on: str  # one line: "16 windows of 217 tokens spread over ... of <the text>"
    scale: float = 1.0  # the recurrent weights were multiplied by this (1: the model as trained)

    def kept(self, k: int) -> float:
        """The share of the k = 1 gradient left k steps back (above 1: it grew)."""
        return self.norms[k] / self.norms[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cell": self.cell,
            "norms": {str(k): v for k, v in self.norms.items()},
            "measured_on": self.measured_on,
            "scale": self.scale,
        }


def _top_hidden_states(model: LanguageModel, idx: Tensor) -> list[Tensor]:
    """Run the explicit cells over idx (B, T) from a zero state; top-layer h_t per step, each (B, H)."""
    kind = model.config.cell
    batch = idx.shape[0]
    zeros = model.head.weight.new_zeros(batch, model.config.hidden)
    hs = [zeros] * model.config.layers
    cs = [zeros] * model.config.layers
    weights = [model.cell_weights(layer) for layer in range(model.config.layers)]
    x_seq = model.embedding(idx)  # (B, T, E)
    tops = []
    for t in range(idx.shape[1]):
        x = x_seq[:, t]
        for layer, w in enumerate(weights):
            if kind == "lstm":
                step = cells.lstm_step(x, hs[layer], cs[layer], *w)
                hs[layer], cs[layer] = step.h, step.c
            elif kind == "mingru":
                hs[layer] = cells.mingru_step(x, hs[layer], *w).h
            elif kind == "gru":
                hs[layer] = cells.gru_step(x, hs[layer], *w).h
            else:
                hs[layer] = cells.rnn_step(x, hs[layer], *w)
            x = hs[layer]
        x.retain_grad()
        tops.append(x)
    return tops


def gradient_norms(model: LanguageModel, windows: Tensor, max_k: int = DEFAULT_MAX_K) -> dict[int, float]:
    """Mean over windows of ||∂loss_T/∂h_{T-k}||, k = 1..max_k.

    ``windows`` is (N, T+1) token ids with T > max_k: inputs are the first T,
    the loss is the cross-entropy of the last input's prediction of the final id.
    """
    if windows.shape[1] - 1 <= max_k:
        raise ValueError(f"windows of {windows.shape[1] - 1} inputs are too short for k up to {max_k}")
    # A float64 copy in eval mode: a vanilla RNN's gradient drops below float32's smallest
    # number (1e-38) within ~150 steps, and a log-scale plot cannot show a zero. No dropout.
    probe = copy.deepcopy(model).double().eval()
    with torch.enable_grad():
        idx = windows[:, :-1].to(probe.device)
        tops = _top_hidden_states(probe, idx)
        logits = probe.head(tops[-1])  # (N, V)
        # Summed, not averaged: each window's gradient is then that window's own loss's.
        loss = F.cross_entropy(logits, windows[:, -1].to(probe.device), reduction="sum")
        loss.backward()
    last = len(tops) - 1
    grads = [t.grad for t in tops]
    assert all(g is not None for g in grads)  # every state is a leaf that requires grad
    return {k: float(grads[last - k].norm(dim=-1).mean()) for k in range(1, max_k + 1)}  # type: ignore[union-attr]


def text_windows(ids: Sequence[int], *, count: int, length: int) -> Tensor:
    """``count`` windows of ``length`` ids, evenly spaced over the text (deterministic)."""
    if len(ids) < length:
        raise ValueError(f"the text has {len(ids)} tokens; at least {length} are needed")
    span = len(ids) - length
    starts = [round(i * span / max(1, count - 1)) for i in range(count)] if count > 1 else [0]
    return torch.tensor([list(ids[s : s + length]) for s in starts], dtype=torch.long)


def measure_gradient_flow(
    model: LanguageModel, ids: Sequence[int], *, max_k: int = DEFAULT_MAX_K, windows: int = DEFAULT_WINDOWS
) -> dict[int, float]:
    """Gradient norms on real text: ``windows`` windows of max_k + WARMUP + 1 tokens each."""
    return gradient_norms(model, text_windows(ids, count=windows, length=max_k + WARMUP + 1), max_k)


def scaled_recurrence(model: LanguageModel, factor: float) -> LanguageModel:
    """A copy whose recurrent weights W_hh are multiplied by ``factor``: above 1 the per-step
    factor of a vanilla RNN's backward pass passes 1 and gradients grow instead of fading."""
    if model.config.cell == "mingru":
        raise ValueError("a minGRU has no recurrent weights W_hh to scale")
    scaled = copy.deepcopy(model)
    with torch.no_grad():
        for layer in range(scaled.config.layers):
            scaled.layer_weights(layer)[1].mul_(factor)
    return scaled


def gradient_flow(
    model: LanguageModel,
    ids: Sequence[int],
    *,
    source: str,
    name: str | None = None,
    max_k: int = DEFAULT_MAX_K,
    windows: int = DEFAULT_WINDOWS,
    scale: float = 1.0,
) -> GradientFlow:
    """``measure_gradient_flow`` on ``ids`` (the text ``source`` names, in words), with the
    recurrent weights × ``scale`` when it is not 1 (the exploding view)."""
    measured = model if scale == 1.0 else scaled_recurrence(model, scale)
    norms = measure_gradient_flow(measured, ids, max_k=max_k, windows=windows)
    length = max_k + WARMUP + 1
    where = f"{windows} windows of {length} tokens spread over {len(ids):,} tokens of {source}"
    return GradientFlow(name or model.config.cell, model.config.cell, norms, where, scale)
