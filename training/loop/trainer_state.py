"""What a Trainer keeps beyond its weights: checkpoints it writes and resumes from, the
snapshot it rolls back to when a step diverges, and the best weights a run ends on.

Each function here takes the values it works on and returns what the Trainer should
keep; the Trainer assigns its own fields, so this module never needs the Trainer."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from lstm_core.model import LanguageModel, State
from lstm_core.tokenizers import Tokenizer
from training.checkpoints import checkpoint as ckpt
from training.checkpoints.checkpoint_io import previous_path
from training.checkpoints.run_meta import Metrics, Progress, RunMeta, ValidationPoint
from training.common.config import TrainConfig
from training.loop.evaluate import EvalResult
from training.loop.rollback_message import Rollback

IMPLEMENTATION_KEYS = ("fused", "foreach", "capturable", "differentiable")

# nats: a final held-out loss this close to the best is the same within the capped sample's
# noise; the run then keeps its last weights and says nothing.
STALL = 0.005


@dataclass
class Snapshot:
    """Weights and optimizer state at the last checkpoint: where a diverged step rolls back to."""

    model: dict[str, Any]
    optimizer: dict[str, Any]
    step: int

    @classmethod
    def take(cls, model: torch.nn.Module, optimizer: torch.optim.Optimizer, step: int) -> Snapshot:
        return cls(copy.deepcopy(model.state_dict()), copy.deepcopy(_optimizer_state(optimizer)), step)

    def refresh(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, step: int) -> None:
        """Hold the state as it is now, copied into the tensors already held wherever their
        names and shapes still fit: a second copy of a large model beside the first would be
        what sends a save out of memory. Where memory runs out before all is in place, the
        previous snapshot stands, whole."""
        live_model, live_optimizer = model.state_dict(), _optimizer_state(optimizer)
        if _fits(self.model, live_model) and _fits(self.optimizer, live_optimizer):
            self.model = _copied_into(self.model, live_model)
            self.optimizer = _copied_into(self.optimizer, live_optimizer)
        else:  # the optimizer's state appeared (the first steps) or changed: built anew
            taken = Snapshot.take(model, optimizer, step)
            self.model, self.optimizer = taken.model, taken.optimizer
        self.step = step

    def restore(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
        model.load_state_dict(self.model)
        optimizer.load_state_dict(self.optimizer)
        return self.step


def _optimizer_state(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """The state a snapshot holds: the groups plain (a CUDA graph's tensor learning rate as its
    number), so that a refresh after the capture still fits the snapshot taken before it."""
    state = optimizer.state_dict()
    return {**state, "param_groups": ckpt.plain_param_groups(state["param_groups"])}


def _fits(held: Any, live: Any) -> bool:
    """Whether every tensor in `live` has a tensor of its shape, type and device in `held`."""
    if torch.is_tensor(live):
        return (
            torch.is_tensor(held)
            and held.shape == live.shape
            and held.dtype == live.dtype
            and held.device == live.device
        )
    if isinstance(live, dict):
        same_keys = isinstance(held, dict) and held.keys() == live.keys()
        return same_keys and all(_fits(held[k], live[k]) for k in live)
    if isinstance(live, list | tuple):
        return isinstance(held, list | tuple) and len(held) == len(live) and all(map(_fits, held, live))
    return True  # plain values are copied whole


def _copied_into(held: Any, live: Any) -> Any:
    """`live` with each tensor copied into the tensor `held` has in its place (`_fits` said
    there is one) and each plain value copied: the containers are new, the tensors reused."""
    if torch.is_tensor(live):
        return held.copy_(live)
    if isinstance(live, dict):
        return {key: _copied_into(held[key], value) for key, value in live.items()}
    if isinstance(live, list | tuple):
        return type(live)(_copied_into(mine, value) for mine, value in zip(held, live, strict=True))
    return copy.deepcopy(live)


class BestWeights:
    """The weights at the lowest periodic validation so far. A budget that lets a model pass
    over a small corpus many times ends past its best; a completed run goes back to it."""

    def __init__(self) -> None:
        self.step: int | None = None
        self.loss = float("inf")
        self.weights: dict[str, Tensor] | None = None
        self.train_loss: float | None = None  # smoothed training loss then: tells overfitting from divergence

    def offer(self, model: torch.nn.Module, *, step: int, loss: float, train_loss: float | None) -> None:
        if loss < self.loss:
            self.step, self.loss, self.train_loss = step, loss, train_loss
            self.weights = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def left_behind(self, step: int) -> bool:
        """Whether the run has trained past its best weights, so its end must weigh them."""
        return self.weights is not None and self.step is not None and self.step != step


def back_to_best(
    best: BestWeights,
    final: EvalResult,
    *,
    model: LanguageModel,
    step: int,
    train_now: float | None,
    clipped: bool,
) -> Rollback | None:
    """Load the best weights into ``model`` when the final validation is worse than the best by
    more than the sample's noise; what to report then, None when the last weights stand.

    A budget that lets a model pass over a small corpus many times ends past its best:
    held-out loss turns up while training loss still falls. Both validations score the
    same capped sample, so like is compared with like."""
    if best.weights is None or best.step is None or final.loss_nats < best.loss + STALL:
        return None
    model.load_state_dict(best.weights)
    return Rollback(
        best_step=best.step,
        best_loss=best.loss,
        final_step=step,
        final_loss=final.loss_nats,
        train_at_best=best.train_loss,
        train_now=train_now,
        chance=math.log(max(model.config.vocab_size, 2)),
        clipped=clipped,
    )


def keep_best_for_use(
    best: BestWeights,
    stopped_at: EvalResult,
    *,
    checkpoint: Path,
    model: LanguageModel,
    tokenizer: Tokenizer,
    meta: RunMeta,
) -> Path | None:
    """After a stop: the best weights written beside the checkpoint (``ckpt.best_path``) when
    the stopped weights validate worse by more than the sample's noise, as the run's model;
    None, and any best file left by an earlier stop removed, when the stopped weights are as
    good. A best file from an earlier stop that beats this stop's best stays."""
    target = ckpt.best_path(checkpoint)
    kept = _best_loss(target)
    if best.weights is None or best.step is None or stopped_at.loss_nats < best.loss + STALL:
        if kept is None or stopped_at.loss_nats < kept + STALL:
            remove_best(checkpoint)
        return None
    if kept is not None and kept <= best.loss:
        return target
    weights_only = LanguageModel(model.config)
    weights_only.load_state_dict(best.weights)
    point = next((p for p in meta.metrics.history if p.step == best.step), None)
    metrics = Metrics(
        val_loss=best.loss,
        bits_per_char=point.bits_per_char if point else None,
        perplexity=math.exp(min(best.loss, 50.0)),
        history=meta.metrics.history,
    )
    best_meta = meta.updated(progress=Progress(step=best.step, done=True), metrics=metrics)
    return ckpt.save_checkpoint(target, model=weights_only, tokenizer=tokenizer, meta=best_meta)


def _best_loss(path: Path) -> float | None:
    if not path.is_file():
        return None
    try:
        return ckpt.read_metadata(path).metrics.val_loss
    except (ckpt.CheckpointError, OSError):
        return None


def remove_best(checkpoint: Path) -> None:
    """The checkpoint holds the run's best weights (it completed, or its last are as good)."""
    target = ckpt.best_path(checkpoint)
    for path in (target, previous_path(target)):
        path.unlink(missing_ok=True)


def checkpoint_meta(
    base: RunMeta,
    *,
    name: str,
    config: TrainConfig,
    progress: Progress,
    last_eval: EvalResult | None,
    history: Sequence[ValidationPoint],
    seconds_per_step: float | None,
) -> RunMeta:
    """``base`` brought up to now, as a checkpoint written at this moment says it."""
    rate = None
    if seconds_per_step:
        rate = config.batch_size * config.seq_len / seconds_per_step
    metrics = Metrics(
        val_loss=last_eval.loss_nats if last_eval else None,
        bits_per_char=last_eval.bits_per_char if last_eval else None,
        perplexity=last_eval.perplexity if last_eval else None,
        tokens_scored=last_eval.tokens if last_eval else None,
        tokens_per_s=rate,
        history=tuple(history),
    )
    return base.updated(name=name, training=config, progress=progress, metrics=metrics, saved_at=time.time())


def save_run(
    path: Path,
    *,
    model: LanguageModel,
    tokenizer: Tokenizer,
    optimizer: torch.optim.Optimizer,
    meta: RunMeta,
    state: State,
    device: torch.device,
) -> Path:
    """Everything exact resume needs: weights, optimizer, RNG, the carried state and progress."""
    parts = state if isinstance(state, tuple) else (state,)
    extra = {"rng.torch": torch.get_rng_state(), "state.h": parts[0]}
    if device.type == "cuda":  # dropout masks on a GPU come from the GPU's generator
        extra["rng.cuda"] = torch.cuda.get_rng_state(device)
    if len(parts) > 1:
        extra["state.c"] = parts[1]
    return ckpt.save_checkpoint(
        path, model=model, tokenizer=tokenizer, meta=meta, optimizer=optimizer, extra_tensors=extra
    )


@dataclass(frozen=True)
class Resumed:
    """Where a resumed run stands; its weights, optimizer and RNG are already back in place."""

    progress: Progress
    history: tuple[ValidationPoint, ...]
    state: State | None  # None for a different batch layout: the carried state starts afresh


def restore_run(
    loaded: ckpt.LoadedCheckpoint,
    *,
    model: LanguageModel,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    batch_size: int,
) -> Resumed:
    """Put a checkpoint's weights, optimizer state and RNG back; what else it holds to resume."""
    model.load_state_dict(loaded.prefixed("model."), strict=False)
    if loaded.optimizer_groups is not None:  # shipped models carry weights only
        # How the update runs (fused, foreach) is this machine's choice, not the file's: a run
        # saved on a GPU resumes on a CPU and the other way round.
        how = [{k: g[k] for k in IMPLEMENTATION_KEYS if k in g} for g in optimizer.param_groups]
        ckpt.restore_optimizer(optimizer, loaded)
        for group, kept in zip(optimizer.param_groups, how, strict=True):
            group.update(kept)
            _place_step_counts(optimizer, group)
    if "rng.torch" in loaded.tensors:
        torch.set_rng_state(loaded.tensors["rng.torch"])
    if "rng.cuda" in loaded.tensors and device.type == "cuda":
        torch.cuda.set_rng_state(loaded.tensors["rng.cuda"], device)
    return Resumed(
        progress=loaded.meta.progress,
        history=tuple(loaded.meta.metrics.history),
        state=_carried_state(loaded.tensors, device=device, batch_size=batch_size),
    )


def processes_note(before: int, now: int, batch_per_process: int) -> str:
    """What a resume on another number of processes changes: each process keeps its batch, so
    the batch of a step, all processes together, grows or shrinks with their number."""
    was, becomes = before * batch_per_process, now * batch_per_process
    keep = before * batch_per_process // now
    advice = f"; --batch {keep} keeps it at {was}" if keep * now == was else ""
    return (
        f"trained on {before} process{'es' if before > 1 else ''}, now on {now}: a step now takes "
        f"{becomes} sequences where it took {was}{advice}"
    )


def _carried_state(tensors: dict[str, Tensor], *, device: torch.device, batch_size: int) -> State | None:
    h = tensors.get("state.h")
    if h is None or h.shape[1] != batch_size:
        return None
    c = tensors.get("state.c")
    return (h.to(device), c.to(device)) if c is not None else h.to(device)


def _place_step_counts(optimizer: torch.optim.Optimizer, group: dict[str, Any]) -> None:
    """Each parameter's step count where this group's update reads it: beside the parameter
    for the fused and capturable kernels, on the host otherwise (as torch puts them)."""
    on_device = bool(group.get("fused") or group.get("capturable"))
    for param in group["params"]:
        slots = optimizer.state.get(param)
        if slots and torch.is_tensor(slots.get("step")):
            slots["step"] = slots["step"].to(param.device if on_device else "cpu", torch.float32)
