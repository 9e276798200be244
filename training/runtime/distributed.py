"""Data-parallel training under torchrun: one process per GPU (or CPU process with gloo).

Each rank trains on its own contiguous shard of the token stream, gradients are
averaged by DistributedDataParallel, and only rank 0 reports events and writes
checkpoints. With a wall-clock budget the ranks' clocks differ, so rank 0 decides
when to stop and tells the others every step.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch
import torch.distributed as dist

T = TypeVar("T")


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
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        rank = int(os.environ["RANK"])
        store = _attempt_store(world_size)
        dist.init_process_group(backend=backend, store=store, rank=rank, world_size=world_size)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
    return DistContext(dist.get_rank(), world_size, local_rank)


def _attempt_store(world_size: int) -> dist.Store:
    """torchrun's store, seen under a prefix of its own for each restart attempt.

    After ``--max-restarts`` starts the processes again they meet in the same store, where
    the dead attempt's addresses are still written: gloo then dials a process that is gone
    and fails ("Connection refused"). A prefix per attempt keeps the attempts apart."""
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    rank = int(os.environ.get("RANK", "0"))
    agent_hosts_it = os.environ.get("TORCHELASTIC_USE_AGENT_STORE", "").lower() == "true"
    store = dist.TCPStore(
        os.environ.get("MASTER_ADDR", "127.0.0.1"),
        int(os.environ.get("MASTER_PORT", "29500")),
        world_size,
        is_master=rank == 0 and not agent_hosts_it,
    )
    return dist.PrefixStore(f"lstm-studio/attempt-{attempt}", store)


def device_for(ctx: DistContext, device: torch.device) -> torch.device:
    if ctx.enabled and device.type == "cuda":
        return torch.device("cuda", ctx.local_rank)
    return device


def shard(tokens: np.ndarray, ctx: DistContext, batch_size: int) -> np.ndarray:
    """This rank's rows of the global stream layout (``training.data.batching``).

    With N processes of ``batch_size`` streams each, the training stream is laid out as
    N × batch_size rows, exactly as one process with a batch of N × batch_size would lay
    it out, and rank r takes rows r·B … (r+1)·B − 1::

        rows 0..B-1   -> rank 0      (one contiguous slice of the stream)
        rows B..2B-1  -> rank 1

    so an N-process run takes the same steps as that single process: the gradients DDP
    averages are the ones the single process would compute over all its rows.
    """
    if not ctx.enabled:
        return tokens
    columns = (len(tokens) - 1) // (batch_size * ctx.world_size)
    start = ctx.rank * batch_size * columns
    return tokens[start : start + batch_size * columns + 1]


def builder_first(ctx: DistContext, work: Callable[[], T]) -> T:
    """Run ``work`` on each node's first process, then on the others once it is done: the
    first builds what is cached on the node's disk (the token file), the rest read it."""
    if not ctx.enabled:
        return work()
    if ctx.local_rank == 0:
        result = work()
        dist.barrier()
        return result
    dist.barrier()
    return work()


def agree(flag: bool, ctx: DistContext, device: torch.device) -> bool:
    """Rank 0's value of flag, on every rank."""
    if not ctx.enabled:
        return flag
    value = torch.tensor([1 if flag else 0], device=device)
    dist.broadcast(value, src=0)
    return bool(value.item())


def budget_spent(
    spent: bool, ctx: DistContext, device: torch.device, step_budget: bool, read_back: bool
) -> bool:
    """Whether every rank stops now, given this rank's own ``spent``.

    A step budget ends on the same step on every rank. A time budget ends when rank 0's
    clock says so, told to the others only at the steps where every rank reads its losses
    back (a broadcast read on the host waits for the device like any other read)."""
    if not ctx.enabled or step_budget:
        return spent
    return agree(spent, ctx, device) if read_back else False


def is_main_process() -> bool:
    """Rank 0 under torchrun, or a single process: the one that writes files."""
    return int(os.environ.get("RANK", "0")) == 0
