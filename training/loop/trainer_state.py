"""What a Trainer keeps beyond its weights: checkpoints it writes and resumes from, the
snapshot it rolls back to when a step diverges, and the best weights a run ends on."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from training.checkpoints import checkpoint as ckpt
from training.checkpoints.run_meta import Metrics, Progress
from training.common.events import WarningEvent
from training.loop.evaluate import EvalResult
from training.loop.rollback_message import Rollback, rollback_message

if TYPE_CHECKING:
    from lstm_core.model import State
    from training.loop.trainer import Trainer


IMPLEMENTATION_KEYS = ("fused", "foreach", "capturable", "differentiable")


def detach_state(state: State) -> State:
    """The carried state, cut from the graph of the chunk that produced it."""
    if isinstance(state, tuple):
        h, c = state
        return h.detach(), c.detach()
    return state.detach()


# Each stream's carried state is zeroed once every this many chunks, a different share of the
# streams at each step. Generation starts from a zero state; a model that only ever continued
# a carried one (a run shorter than a pass over its text saw the zero state once, at its
# first step) could not start there, and wrote noise after a short prompt.
RESTART_EVERY_CHUNKS = 32

# nats: a final held-out loss this close to the best is the same within the capped sample's
# noise; the run then keeps its last weights and says nothing.
STALL = 0.005


def restart_some_streams(
    state: State, step: int, first_row: int = 0, every: int = RESTART_EVERY_CHUNKS
) -> None:
    """Zero, in place, the carried state of the streams whose turn it is at ``step``: global
    stream ``first_row + row`` restarts at the steps ``≡ first_row + row (mod every)``, so a
    run split over processes restarts the same streams as one process."""
    rows = slice((step - first_row) % every, None, every)
    for part in state if isinstance(state, tuple) else (state,):
        part[:, rows] = 0


@dataclass(frozen=True)
class Snapshot:
    """Weights and optimizer state at the last checkpoint: where a diverged step rolls back to."""

    model: dict[str, Any]
    optimizer: dict[str, Any]
    step: int

    @classmethod
    def take(cls, model: torch.nn.Module, optimizer: torch.optim.Optimizer, step: int) -> Snapshot:
        return cls(copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()), step)

    def restore(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
        model.load_state_dict(self.model)
        optimizer.load_state_dict(self.optimizer)
        return self.step


class BestWeights:
    """The weights at the lowest periodic validation so far. A budget that lets a model pass
    over a small corpus many times ends past its best; a completed run goes back to it."""

    def __init__(self) -> None:
        self.step: int | None = None
        self.loss = float("inf")
        self.weights: dict[str, Tensor] | None = None

    def offer(self, model: torch.nn.Module, *, step: int, loss: float) -> None:
        if loss < self.loss:
            self.step, self.loss = step, loss
            self.weights = {k: v.detach().clone() for k, v in model.state_dict().items()}


def metrics_of(trainer: Trainer) -> Metrics:
    last = trainer.last_eval
    rate = None
    if trainer.step_time_ema:
        rate = trainer.config.batch_size * trainer.config.seq_len / trainer.step_time_ema
    return Metrics(
        val_loss=last.loss_nats if last else None,
        bits_per_char=last.bits_per_char if last else None,
        perplexity=last.perplexity if last else None,
        tokens_scored=last.tokens if last else None,
        tokens_per_s=rate,
        history=tuple(trainer.history),
    )


def save_trainer(trainer: Trainer) -> Path:
    """Everything exact resume needs: weights, optimizer, RNG, the carried state and progress."""
    state = trainer.state if isinstance(trainer.state, tuple) else (trainer.state,)
    extra = {"rng.torch": torch.get_rng_state(), "state.h": state[0]}
    if trainer.device.type == "cuda":  # dropout masks on a GPU come from the GPU's generator
        extra["rng.cuda"] = torch.cuda.get_rng_state(trainer.device)
    if len(state) > 1:
        extra["state.c"] = state[1]
    meta = trainer.meta.updated(
        name=trainer.name,
        training=trainer.config,
        progress=Progress(
            step=trainer.step,
            chunk_index=trainer.chunk_index,
            train_seconds=trainer.train_seconds,
            done=trainer.done,
        ),
        metrics=metrics_of(trainer),
        saved_at=time.time(),
    )
    return ckpt.save_checkpoint(
        trainer.out_path,
        model=trainer.model,
        tokenizer=trainer.tokenizer,
        meta=meta,
        optimizer=trainer.optimizer,
        extra_tensors=extra,
    )


def restore_trainer(trainer: Trainer, loaded: ckpt.LoadedCheckpoint) -> None:
    trainer.model.load_state_dict(loaded.prefixed("model."), strict=False)
    if loaded.optimizer_groups is not None:  # shipped models carry weights only
        # How the update runs (fused, foreach) is this machine's choice, not the file's: a run
        # saved on a GPU resumes on a CPU and the other way round.
        how = [{k: g[k] for k in IMPLEMENTATION_KEYS if k in g} for g in trainer.optimizer.param_groups]
        ckpt.restore_optimizer(trainer.optimizer, loaded)
        for group, kept in zip(trainer.optimizer.param_groups, how, strict=True):
            group.update(kept)
            _place_step_counts(trainer.optimizer, group)
    progress = loaded.meta.progress
    trainer.step = progress.step
    trainer.chunk_index = progress.chunk_index
    trainer.train_seconds = progress.train_seconds
    trainer.history = list(loaded.meta.metrics.history)
    if "rng.torch" in loaded.tensors:
        torch.set_rng_state(loaded.tensors["rng.torch"])
    if "rng.cuda" in loaded.tensors and trainer.device.type == "cuda":
        torch.cuda.set_rng_state(loaded.tensors["rng.cuda"], trainer.device)
    h = loaded.tensors.get("state.h")
    if h is None or h.shape[1] != trainer.config.batch_size:
        return  # a different batch layout: the carried state starts afresh
    h = h.to(trainer.device)
    c = loaded.tensors.get("state.c")
    trainer.state = (h, c.to(trainer.device)) if c is not None else h


def _place_step_counts(optimizer: torch.optim.Optimizer, group: dict[str, Any]) -> None:
    """Each parameter's step count where this group's update reads it: beside the parameter
    for the fused and capturable kernels, on the host otherwise (as torch puts them)."""
    on_device = bool(group.get("fused") or group.get("capturable"))
    for param in group["params"]:
        slots = optimizer.state.get(param)
        if slots and torch.is_tensor(slots.get("step")):
            slots["step"] = slots["step"].to(param.device if on_device else "cpu", torch.float32)


def end_on_best_weights(trainer: Trainer) -> EvalResult | None:
    """End a completed run on its best weights, as judged by the periodic validation.

    A budget that lets a model pass over a small corpus many times ends past its best:
    held-out loss turns up while training loss still falls. The weights at the lowest
    periodic validation are kept (on the same capped sample, so like is compared with
    like); a stopped run keeps its last weights, which is what stopping asks for.
    Returns the validation of the weights the run ends on when it has one.
    """
    best_step, best_loss, weights = trainer.best.step, trainer.best.loss, trainer.best.weights
    if weights is None or best_step is None or best_step == trainer.step:
        return None
    final = trainer.validate(max_tokens=trainer.config.eval_tokens)
    if final.loss_nats < best_loss + STALL:
        return final  # as good as the best, within the sample's noise: the last weights stand
    trainer.model.load_state_dict(weights)
    rollback = Rollback(
        best_step=best_step,
        best_loss=best_loss,
        final_step=trainer.step,
        final_loss=final.loss_nats,
        train_at_best=trainer.train_loss_at_best,
        train_now=trainer.train_loss_ema,
        chance=math.log(max(trainer.model.config.vocab_size, 2)),
        clipped=trainer.config.grad_clip is not None,
    )
    trainer.emit(WarningEvent(model=trainer.name, message=rollback_message(rollback)))
    return None
