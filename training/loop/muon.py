"""Muon for the recurrent and input matrices, AdamW for the rest, in one optimizer.

Muon (momentum, then the update's singular values set to one by a few Newton-Schulz
iterations) takes steps of the same size in every direction of a weight matrix, where Adam
scales each entry on its own. The LSTM's four gates are four matrices stacked in one
tensor; each is orthogonalised on its own, since the gates do different jobs. The step is
scaled to the RMS an AdamW update has (0.2 · sqrt(max(rows, columns))), so one learning
rate and one schedule serve both kinds of parameter.

One optimizer rather than torch's Muon beside an AdamW: checkpoints, roll-back snapshots
and exact resume keep a single ``state_dict`` of the usual form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor

# The quintic iteration's coefficients from Muon's authors: it pushes every singular value
# of a matrix scaled to norm ≤ 1 into about [0.7, 1.2] in five steps.
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5


def orthogonalise(update: Tensor, steps: int = NS_STEPS) -> Tensor:
    """The nearest semi-orthogonal matrix to each matrix of ``update`` (..., rows, columns),
    approximately (Newton-Schulz). A stack of matrices goes through batched products: on a
    CPU the gates' four small products per iteration cost more in calls than in arithmetic."""
    a, b, c = NS_COEFFICIENTS
    x = update / (update.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    wide = x.shape[-2] <= x.shape[-1]
    if not wide:
        x = x.mT  # iterate on the smaller Gram matrix
    stacked = x.dim() == 3
    x = x if stacked else x.unsqueeze(0)
    for _ in range(steps):
        gram = x @ x.mT
        # x ← a·x + (b·G + c·G²)·x, each line one fused batched product
        x = torch.baddbmm(x, torch.baddbmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    x = x if stacked else x.squeeze(0)
    return x if wide else x.mT


class MuonAdamW(torch.optim.Optimizer):
    """Groups with ``muon=True`` hold 2-D matrices whose first dimension stacks ``blocks``
    equal matrices (4 for an LSTM's gates); the other groups are updated by AdamW."""

    def __init__(
        self,
        groups: Iterable[dict[str, Any]],
        *,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.99),
        momentum: float = 0.95,
        eps: float = 1e-8,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "momentum": momentum,
            "eps": eps,
            "weight_decay": 0.0,
            "muon": False,
            "blocks": 1,
        }
        super().__init__(list(groups), defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            if group["muon"]:
                self._muon(group)
            else:
                self._adamw(group)
        return loss

    def _muon(self, group: dict[str, Any]) -> None:
        lr, decay, mu = group["lr"], group["weight_decay"], group["momentum"]
        for param in group["params"]:
            if param.grad is None:
                continue
            grad = param.grad.float()
            state = self.state[param]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = torch.zeros_like(grad)
            buffer = state["momentum_buffer"]
            buffer.mul_(mu).add_(grad)
            nesterov = grad.add(buffer, alpha=mu)
            blocks = nesterov.view(group["blocks"], -1, nesterov.shape[1])  # one per gate
            update = orthogonalise(blocks).reshape(nesterov.shape)
            rows, cols = blocks.shape[1:]
            scale = 0.2 * math.sqrt(max(rows, cols))
            param.mul_(1.0 - lr * decay)
            param.add_(update.to(param.dtype), alpha=-lr * scale)

    def _adamw(self, group: dict[str, Any]) -> None:
        lr, decay, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        for param in group["params"]:
            if param.grad is None:
                continue
            state = self.state[param]
            if "step" not in state:
                state["step"] = torch.tensor(0.0)
                state["exp_avg"] = torch.zeros_like(param)
                state["exp_avg_sq"] = torch.zeros_like(param)
            state["step"] += 1
            step = float(state["step"])
            state["exp_avg"].lerp_(param.grad, 1.0 - beta1)
            state["exp_avg_sq"].mul_(beta2).addcmul_(param.grad, param.grad, value=1.0 - beta2)
            denominator = (state["exp_avg_sq"] / (1.0 - beta2**step)).sqrt_().add_(eps)
            param.mul_(1.0 - lr * decay)
            param.addcdiv_(state["exp_avg"], denominator, value=-lr / (1.0 - beta1**step))
