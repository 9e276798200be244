"""The recurrent cells written out as the notes' equations, one time step at a time.

These are the readable reference. Training runs on torch's fused kernels
(nn.LSTM / nn.RNN / nn.GRU); the inspection path runs these functions on the
same weights, and a test holds the two within 1e-5 of each other.

Weights use torch's layout: for the LSTM, ``w_ih`` is (4H, X) and ``w_hh`` is
(4H, H), rows stacked in the order input, forget, candidate, output. The notes
write ``W · [h_{t-1}, x_t] + b``; that is ``w_hh @ h + w_ih @ x + b_ih + b_hh``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class LSTMStep(NamedTuple):
    h: Tensor  # (B, H) hidden state: short-term memory, what the layer outputs
    c: Tensor  # (B, H) cell state: the long-term conveyor belt
    forget: Tensor  # (B, H) f_t ≈ 1 keeps C, ≈ 0 wipes it
    input: Tensor  # (B, H) i_t: how much of the candidate is written
    candidate: Tensor  # (B, H) C~_t: the new content on offer
    output: Tensor  # (B, H) o_t: how much of tanh(C) is shown as h


class MinGRUStep(NamedTuple):
    h: Tensor  # (B, H) always positive: a convex mix of positive candidates
    update: Tensor  # (B, H) z_t: ≈ 1 takes the candidate, ≈ 0 keeps h_{t-1}
    candidate: Tensor  # (B, H) h~_t = g(W_h · x_t + b_h) > 0


class GRUStep(NamedTuple):
    h: Tensor  # (B, H)
    reset: Tensor  # (B, H) r_t: how much of h_{t-1} the candidate sees
    update: Tensor  # (B, H) z_t: ≈ 1 keeps h_{t-1}, ≈ 0 takes the candidate
    candidate: Tensor  # (B, H)


def _affine(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> Tensor:
    """W · [h_{t-1}, x_t] + b, with W = [w_hh | w_ih] and b = b_hh + b_ih."""
    w = torch.cat([w_hh, w_ih], dim=1)
    return torch.cat([h, x], dim=-1) @ w.T + (b_hh + b_ih)


def lstm_step(
    x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor
) -> LSTMStep:
    """One LSTM step: the six equations of the notes, in their order."""
    z_i, z_f, z_c, z_o = _affine(x, h, w_ih, w_hh, b_ih, b_hh).chunk(4, dim=-1)
    f = torch.sigmoid(z_f)  # forget gate
    i = torch.sigmoid(z_i)  # input gate
    c_tilde = torch.tanh(z_c)  # candidate memory
    c_new = f * c + i * c_tilde  # cell state update
    o = torch.sigmoid(z_o)  # output gate
    h_new = o * torch.tanh(c_new)  # hidden state
    return LSTMStep(h_new, c_new, f, i, c_tilde, o)


def rnn_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> Tensor:
    """One vanilla RNN step: h_t = tanh(W · [h_{t-1}, x_t] + b). h is overwritten every step."""
    return torch.tanh(_affine(x, h, w_ih, w_hh, b_ih, b_hh))


def gru_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> GRUStep:
    """One GRU step (rows ordered reset, update, candidate, as torch stores them).

    The reset gate multiplies the recurrent part of the candidate only, so the
    candidate's two halves cannot be summed before the gate as in the LSTM.
    """
    gx_r, gx_z, gx_n = (x @ w_ih.T + b_ih).chunk(3, dim=-1)
    gh_r, gh_z, gh_n = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
    r = torch.sigmoid(gx_r + gh_r)
    z = torch.sigmoid(gx_z + gh_z)
    n = torch.tanh(gx_n + r * gh_n)
    h_new = (1.0 - z) * n + z * h
    return GRUStep(h_new, r, z, n)


def positive_candidate(a: Tensor) -> Tensor:
    """g(a) = a + 1/2 for a >= 0, sigmoid(a) below: continuous, increasing, always positive,
    so the scan may run in log space (Feng et al. 2024)."""
    return torch.where(a >= 0, a + 0.5, torch.sigmoid(a))


def mingru_step(x: Tensor, h: Tensor, w_ih: Tensor, b_ih: Tensor) -> MinGRUStep:
    """One minGRU step. Neither gate nor candidate reads h_{t-1}:

        z_t  = σ(W_z · x_t + b_z)
        h~_t = g(W_h · x_t + b_h)
        h_t  = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t

    so h_t is a linear recurrence in h whose coefficients are known for every t at
    once, and a whole sequence can be computed as a scan (``lstm_core.mingru``).
    Rows of ``w_ih`` (2H, X): update gate, then candidate.
    """
    a_z, a_h = (x @ w_ih.T + b_ih).chunk(2, dim=-1)
    z = torch.sigmoid(a_z)
    h_tilde = positive_candidate(a_h)
    return MinGRUStep((1.0 - z) * h + z * h_tilde, z, h_tilde)
