"""A Trainer's saves: the checkpoint written now, and what a failed one says.

A save writes the run's whole state (``trainer_state.save_run``) and then refreshes the
snapshot a diverged step rolls back to. A full disk or a save out of memory leaves the
previous checkpoint as it was and is said once as a SaveFailedEvent; training goes on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from training.checkpoints.run_meta import Progress
from training.common.events import CheckpointEvent, SaveFailedEvent
from training.loop.trainer_state import checkpoint_meta, save_run

if TYPE_CHECKING:
    from training.loop.trainer import Trainer

log = logging.getLogger(__name__)


def save_now(trainer: Trainer) -> Path | None:
    """Write a checkpoint; None when the disk (or memory) refused it. Training goes on
    either way, with its state in memory, and the previous checkpoint stays whole."""
    if not trainer.dist.is_main:
        return trainer.out_path
    if not trainer.flush():
        return None  # diverged: the run was rolled back and saved as it finished
    trainer.saves += 1
    try:
        path = _write_checkpoint(trainer)
        trainer._snapshot.refresh(trainer.model, trainer.optimizer, trainer.step)
    except OSError as err:
        _save_failed(trainer, f"could not save into {trainer.out_path.parent}: {err.strerror or err}")
        return None
    except (torch.OutOfMemoryError, MemoryError) as err:
        if trainer.saved_step != trainer.step:  # the file was written; only the snapshot was not
            _save_failed(trainer, f"ran out of memory while saving into {trainer.out_path.parent}")
            return None
        log.warning("no memory to refresh the roll-back point at step %d (%s)", trainer.step, err)
        path = trainer.out_path
    trainer.save_error = None
    trainer.emit(CheckpointEvent(model=trainer.name, step=trainer.step, path=str(path)))
    return path


def _save_failed(trainer: Trainer, why: str) -> None:
    """Say that this save failed and which checkpoint, if any, stands instead."""
    kept = trainer.saved_step
    stands = "nothing is saved yet" if kept is None else f"the checkpoint of step {kept} stands"
    trainer.save_error = f"{why}; {stands}"
    where = str(trainer.out_path.parent)
    failed = SaveFailedEvent(model=trainer.name, step=trainer.step, folder=where, message=trainer.save_error)
    trainer.emit(failed)


def _write_checkpoint(trainer: Trainer) -> Path:
    meta = checkpoint_meta(
        trainer.meta,
        name=trainer.name,
        config=trainer.config,
        progress=Progress(
            trainer.step, trainer.chunk_index, trainer.train_seconds, trainer.done, trainer.dist.world_size
        ),
        last_eval=trainer.last_eval,
        history=trainer.history,
        seconds_per_step=trainer.step_time_ema,
    )
    path = save_run(
        trainer.out_path,
        model=trainer.model,
        tokenizer=trainer.tokenizer,
        optimizer=trainer.optimizer,
        meta=meta,
        state=trainer.state,
        device=trainer.device,
    )
    trainer.saved_step = trainer.step
    return path
