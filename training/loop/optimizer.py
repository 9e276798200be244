"""The optimizer and its learning-rate schedule: AdamW with decoupled weight decay on the
matrices (or Muon on the recurrent and input matrices, ``optimizer="muon"``), linear
warm-up, then cosine decay to a floor."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor

from lstm_core.model import LanguageModel
from training.common.config import TrainConfig
from training.loop.muon import MuonAdamW

FUSED_DEVICES = ("cpu", "cuda")


def learning_rate(*, step: int, progress: float, peak: float, warmup_steps: int, floor_ratio: float) -> float:
    """``progress`` is the fraction of the budget spent (steps or seconds), in [0, 1].

    Warm-up counts steps because its job, letting Adam's moment estimates settle,
    is measured in updates whatever the budget's unit.
    """
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, progress))))
    return peak * (floor_ratio + (1.0 - floor_ratio) * cosine)


def set_learning_rate(
    optimizer: torch.optim.Optimizer, config: TrainConfig, *, step: int, progress: float
) -> float:
    """Put the schedule's rate for this step into every parameter group; that rate.

    A group whose rate is a tensor (``make_capturable``) has it filled in place: a step
    captured in a CUDA graph reads the rate from that tensor's memory, not from the group."""
    lr = learning_rate(
        step=step,
        progress=progress,
        peak=config.lr,
        warmup_steps=config.warmup_steps,
        floor_ratio=config.lr_floor,
    )
    filled: set[int] = set()  # the groups share one tensor: one fill each step, not one per group
    for group in optimizer.param_groups:
        rate = group["lr"]
        if not isinstance(rate, Tensor):
            group["lr"] = lr
        elif id(rate) not in filled:
            rate.fill_(lr)  # a kernel queued like the step's own: the host does not wait
            filled.add(id(rate))
    return lr


def make_capturable(optimizer: torch.optim.Optimizer, rate: Tensor) -> None:
    """Make the (fused) AdamW's step fit for capture in a CUDA graph: each group reads its
    learning rate from ``rate``, a tensor on the parameters' device that takes the group's
    current rate, and says ``capturable`` (torch refuses to capture a step that does not).
    A float rate would be baked into the captured kernel as the number it was then."""
    rate.fill_(float(optimizer.param_groups[0]["lr"]))
    for group in optimizer.param_groups:
        group["lr"] = rate
        group["capturable"] = True


def undo_capturable(optimizer: torch.optim.Optimizer) -> None:
    """Back to plain eager steps: rates as numbers, ``capturable`` off (torch warns when a
    capturable optimizer steps outside a capture)."""
    for group in optimizer.param_groups:
        if isinstance(group["lr"], Tensor):
            group["lr"] = float(group["lr"])
        group["capturable"] = False


def gradient_norm(parameters: Iterable[Tensor], clip: float | None) -> Tensor:
    """The global gradient norm as a device tensor (nothing is read back), after clipping
    to ``clip`` when given. One multi-tensor kernel per step, not one per parameter."""
    params = [p for p in parameters if p.grad is not None]
    if clip is None:
        return torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None], foreach=True)
    return torch.nn.utils.clip_grad_norm_(params, clip, foreach=True)


GATE_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1}  # matrices stacked in each recurrent weight


def make_optimizer(model: LanguageModel, config: TrainConfig) -> torch.optim.Optimizer:
    # Decay only matrices that multiply activations; biases and the embedding table stay free.
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.startswith("embedding")]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or n.startswith("embedding")]
    if config.optimizer == "muon":
        return _muon(model, config, decay, no_decay)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    # The fused kernel updates every parameter in one pass (CPU and CUDA); elsewhere the
    # multi-tensor path. Both skip the per-parameter Python loop of the default on a CPU.
    fused = all(p.device.type in FUSED_DEVICES and p.is_floating_point() for p in model.parameters())
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.99), fused=fused or None, foreach=not fused)


def _muon(
    model: LanguageModel,
    config: TrainConfig,
    decay: list[torch.nn.Parameter],
    no_decay: list[torch.nn.Parameter],
) -> MuonAdamW:
    blocks = GATE_BLOCKS.get(model.config.cell)
    recurrent = [
        p for n, p in model.named_parameters() if blocks and n.startswith("rnn.weight_") and p.dim() == 2
    ]
    chosen = {id(p) for p in recurrent}
    other_decay = [p for p in decay if id(p) not in chosen]
    groups = [
        {"params": recurrent, "weight_decay": config.weight_decay, "muon": True, "blocks": blocks or 1},
        {"params": other_decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return MuonAdamW([g for g in groups if g["params"]], lr=config.lr)
