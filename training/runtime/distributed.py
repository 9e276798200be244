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
from datetime import timedelta
from typing import TypeVar

import numpy as np
import torch
import torch.distributed as dist

T = TypeVar("T")

# How long the other processes of a node wait for its first one to read the corpus into the
# token cache: far longer than any build (a BPE corpus of 10 GB takes hours on 2 cores), and
# set apart from the collectives' own timeout (torch's default: 30 min for gloo, 10 for
# NCCL), which a build of a large corpus would otherwise run past.
BUILD_WAIT_ENV = "LSTM_STUDIO_BUILD_WAIT_S"
BUILD_WAIT_S = 24 * 3600.0
_stores: list[dist.Store] = []  # the store this process joined the group through


class BuildWaitError(TimeoutError):
    """The corpus's first process failed, or took longer than the wait allows (an OSError,
    so the CLI says it in one line)."""


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
        _stores[:] = [store]
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
    first builds what is cached on the node's disk (the token file), the rest read it.

    The others wait on the group's store, not in a collective, for up to
    ``$LSTM_STUDIO_BUILD_WAIT_S`` (a day by default): a long build must not run into the
    collectives' timeout. A failed build is told to them at once."""
    if not ctx.enabled:
        return work()
    if not _stores:  # a group this module did not start: its barrier is all there is
        return _barrier_first(ctx, work)
    store = _stores[0]
    key = f"corpus-read/node-{ctx.rank - ctx.local_rank}"
    if ctx.local_rank == 0:
        try:
            result = work()
        except BaseException:
            store.set(key, "failed")
            raise
        store.set(key, "done")
        return result
    wait_s = float(os.environ.get(BUILD_WAIT_ENV, BUILD_WAIT_S))
    try:
        store.wait([key], timedelta(seconds=wait_s))
    except RuntimeError as err:  # torch's DistStoreError, on its timeout
        raise BuildWaitError(
            f"waited {wait_s:,.0f} s for the first process to read the corpus; set "
            f"{BUILD_WAIT_ENV} to wait longer"
        ) from err
    if store.get(key) != b"done":
        raise BuildWaitError("the first process could not read the corpus (its message says why)")
    return work()


def _barrier_first(ctx: DistContext, work: Callable[[], T]) -> T:
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
