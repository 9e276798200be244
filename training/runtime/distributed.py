"""Data-parallel training under torchrun: one process per GPU (or CPU process with gloo).

Each rank trains on its own contiguous shard of the token stream, gradients are
averaged by DistributedDataParallel, and only rank 0 reports events and writes
checkpoints. With a wall-clock budget the ranks' clocks differ, so rank 0 decides
when to stop and tells the others; a signal sent to any one rank stops them all
after the same step (``StopVote``).
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


# Steps between the ranks' agreements on stopping on a GPU: as often as losses are read back,
# since reading the agreed numbers on the host waits for the device. On the CPU, where a
# collective of two numbers costs microseconds, they agree every step.
GPU_AGREE_STEPS = 16


class StopVote:
    """A stop asked of one process of the run (a signal sent to it alone) made the stop of all.

    A process that left the training loop on its own would leave the others waiting for it
    in their next collective until its exit broke the group. So under torchrun a signal only
    records its number here, every rank learns the largest number any rank recorded at the
    next agreement (``budget_spent``), and all of them stop after that same step."""

    def __init__(self) -> None:
        self.asked = 0  # the signal this process was sent; 0 while none
        self._on_agreed: Callable[[int], None] | None = None
        self._steps = 0  # steps taken, counted alike on every rank: when to agree

    @property
    def is_open(self) -> bool:
        return self._on_agreed is not None

    def open(self, on_agreed: Callable[[int], None]) -> None:
        """From now on a stop is voted; ``on_agreed(signum)`` runs on every rank once agreed."""
        self._on_agreed = on_agreed

    def ask(self, signum: int) -> None:
        self.asked = self.asked or int(signum)

    def agree_now(self, device: torch.device) -> bool:
        """Whether this step is one the ranks agree at. Not the trainer's read-back steps:
        rank 0 also reads back before each validation and checkpoint, so those differ by rank."""
        self._steps += 1
        return device.type == "cpu" or self._steps % GPU_AGREE_STEPS == 0

    def agreed(self, signum: int) -> None:
        if signum and self._on_agreed is not None:
            on_agreed, self._on_agreed = self._on_agreed, None  # once: the run stops
            on_agreed(signum)


STOP_VOTE = StopVote()  # one per process, as its signal handlers are


def budget_spent(
    spent: bool, ctx: DistContext, device: torch.device, step_budget: bool, read_back: bool
) -> bool:
    """Whether every rank stops now, given this rank's own ``spent``; a stop voted on any rank
    (``STOP_VOTE``) is told to every rank here too.

    A step budget ends on the same step on every rank. A time budget ends when rank 0's clock
    says so, told to the others at the next agreement. ``read_back`` is not used to time it
    (see ``StopVote.agree_now``)."""
    del read_back
    if not ctx.enabled:
        return spent
    if not STOP_VOTE.agree_now(device):
        return spent if step_budget else False
    # One collective carries both: rank 0's clock (the others send 0) and any rank's signal.
    clock_spent = spent and ctx.is_main and not step_budget
    values = torch.tensor([int(clock_spent), STOP_VOTE.asked], device=device)
    dist.all_reduce(values, op=dist.ReduceOp.MAX)
    any_clock_spent, signum = (int(v) for v in values.tolist())
    STOP_VOTE.agreed(signum)
    return spent if step_budget else bool(any_clock_spent)


def leave_together() -> None:
    """Wait until every process of the run is here. One that exited first with a signal's code
    would have torchrun stop the others: rank 0 perhaps in the middle of its last save."""
    if dist.is_initialized() and dist.get_world_size() > 1:
        dist.barrier()


def leave_group() -> None:
    """Take down this process's part of the group before Python shuts down. Left up, gloo's
    threads may still hold tensors when the interpreter is finalized, and a process can then
    abort after a finished run: SIGABRT, "terminate called without an active exception", seen
    twice in about sixty runs of the tests' two-process job, each time in rank 1, which
    leaves first. Called after the run's last collective: taking it down waits for no other
    process."""
    if dist.is_initialized():
        dist.destroy_process_group()
        _stores.clear()


# What gloo and NCCL say when a process of the group is gone (killed, crashed, its host down).
_PEER_LOST_MARKERS = (
    "connection closed by peer",
    "connection reset by peer",
    "broken pipe",
    "remote process exited",
    "communicator was aborted",
)


def peer_lost_message(err: BaseException) -> str | None:
    """``err`` said as the loss of another process of the run, when it is one; else None."""
    if not dist.is_initialized() or not any(m in str(err).lower() for m in _PEER_LOST_MARKERS):
        return None
    rank, world_size = dist.get_rank(), dist.get_world_size()
    # With two processes the other one is known; with more, the error does not say which.
    which = f" (rank {1 - rank})" if world_size == 2 else ""
    return (
        f"another process of the run stopped{which}; the last checkpoint stands; restart with "
        "the same torchrun command and --resume (torchrun --max-restarts does it by itself)"
    )


def is_main_process() -> bool:
    """Rank 0 under torchrun, or a single process: the one that writes files."""
    return int(os.environ.get("RANK", "0")) == 0
