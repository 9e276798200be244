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

import torch
import torch.nn.functional as F
from torch import Tensor

from lstm_core import cells
from lstm_core.model import LanguageModel

DEFAULT_MAX_K = 200
WARMUP = 16  # steps before the earliest measured h, so it is not the all-zero start state


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
    model: LanguageModel, ids: Sequence[int], *, max_k: int = DEFAULT_MAX_K, windows: int = 16
) -> dict[int, float]:
    """Gradient norms on real text: ``windows`` windows of max_k + WARMUP + 1 tokens each."""
    return gradient_norms(model, text_windows(ids, count=windows, length=max_k + WARMUP + 1), max_k)
