"""Data-parallel training under torchrun: one process per GPU (or CPU process with gloo).

Each rank trains on its own contiguous shard of the token stream, gradients are
averaged by DistributedDataParallel, and only rank 0 reports events and writes
checkpoints. With a wall-clock budget the ranks' clocks differ, so rank 0 decides
when to stop and tells the others every step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


SINGLE = DistContext()


def init_from_env() -> DistContext:
    """Join the process group torchrun describes in the environment, or run alone."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return SINGLE
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
    return DistContext(dist.get_rank(), world_size, local_rank)


def device_for(ctx: DistContext, device: torch.device) -> torch.device:
    if ctx.enabled and device.type == "cuda":
        return torch.device("cuda", ctx.local_rank)
    return device


def shard(tokens: np.ndarray, ctx: DistContext) -> np.ndarray:
    """This rank's contiguous share of the training stream."""
    if not ctx.enabled:
        return tokens
    size = len(tokens) // ctx.world_size
    return tokens[ctx.rank * size : (ctx.rank + 1) * size]


def agree(flag: bool, ctx: DistContext, device: torch.device) -> bool:
    """Rank 0's value of flag, on every rank."""
    if not ctx.enabled:
        return flag
    value = torch.tensor([1 if flag else 0], device=device)
    dist.broadcast(value, src=0)
    return bool(value.item())


def is_main_process() -> bool:
    """Rank 0 under torchrun, or a single process: the one that writes files."""
    return int(os.environ.get("RANK", "0")) == 0
