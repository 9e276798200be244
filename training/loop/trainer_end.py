"""How a Trainer's run ends: completed (on its best weights), stopped, or diverged.

Each ends with a last validation, a save and one FinishedEvent. A completed run goes back to
its best weights when it trained past them; a stopped one keeps its last weights for resuming
and its best apart (``ckpt.best_path``); a diverged one rolls back to its last snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from training.checkpoints import checkpoint as ckpt
from training.common.events import FinishedEvent, FinishReason, WarningEvent
from training.loop.early_stop import memorised_message
from training.loop.evaluate import EvalResult
from training.loop.rollback_message import Rollback, divergence_message, rollback_message
from training.loop.trainer_state import back_to_best, keep_best_for_use, remove_best

if TYPE_CHECKING:
    from training.loop.trainer import Trainer

# Held-out tokens a stopped run's last validation scores: a few tenths of a second for the
# presets' models on 2 cores, against seconds for the 65,536 a completed run scores.
STOPPED_EVAL_TOKENS = 8192


def roll_back_and_finish(trainer: Trainer, bad_step: int, loss: float, grad_norm: float) -> None:
    """A step diverged: back to the snapshot of the last save, said, and the run ends there."""
    trainer.readout.clear()  # the steps after the bad one are undone with it
    steps_undone = trainer.step - trainer._snapshot.step
    trainer.step = trainer._snapshot.restore(trainer.model, trainer.optimizer)
    if trainer.graph_step is not None:
        trainer.graph_step.drop()  # the optimizer's state it captured was just replaced
    trainer.chunk_index -= steps_undone
    # The carried state went through the non-finite steps; the snapshot holds none.
    trainer.state = trainer.model.init_state(trainer.config.batch_size)
    message = divergence_message(bad_step=bad_step, loss=loss, grad_norm=grad_norm, back_to=trainer.step)
    trainer.emit(WarningEvent(model=trainer.name, message=message))
    finish_run(trainer, "diverged")


def finish_run(trainer: Trainer, reason: FinishReason) -> FinishedEvent:
    """Final evaluation and checkpoint, once; the FinishedEvent that says how the run ended."""
    if trainer.finished is not None:
        return trainer.finished
    if not trainer.flush() and trainer.finished is not None:
        return trainer.finished  # diverged: rolled back and finished just now
    rollback, result = _end_on_best_weights(trainer) if reason == "completed" else (None, None)
    if result is None:
        # Capped like the periodic ones: a 100 MB corpus holds out a million tokens, and
        # scoring all of them would take far longer than a short run's steps. A stopped run
        # scores a smaller sample: the person who pressed Ctrl+C or Stop is waiting for it.
        cap = trainer.config.eval_tokens if reason == "completed" else STOPPED_EVAL_TOKENS
        result = trainer.validate(max_tokens=min(cap, trainer.config.eval_tokens))
    # Not after a rollback (said already), nor on cut held-out text (its gap is novelty).
    quiet = reason != "completed" or rollback is not None or trainer.meta.corpus.heldout_cut
    said = None if quiet else memorised_message(train_loss=trainer.train_loss_ema, held_out=result.loss_nats)
    if said:
        trainer.emit(WarningEvent(model=trainer.name, message=said))
    path = trainer.save()
    if path is not None and reason == "cancelled":
        _keep_best_for_use(trainer, result)
    elif path is not None and reason == "completed":
        remove_best(path)  # it ends on its best weights
    per_step = trainer.config.batch_size * trainer.config.seq_len * trainer.dist.world_size
    rate = per_step * trainer.step / max(trainer.train_seconds, 1e-9)
    trainer.finished = FinishedEvent(
        model=trainer.name,
        reason=reason,
        steps=trainer.step,
        seconds=trainer.train_seconds,
        tokens_per_s=rate,
        val_loss=result.loss_nats,
        bits_per_char=result.bits_per_char,
        checkpoint=str(path or ""),
        saved=path is not None,
        tokens_scored=result.tokens,
        stopped_early=bool(trainer.stopped_early),
        heldout_seen=trainer.meta.corpus.heldout_seen,
        memorised=bool(said) or (rollback is not None and not rollback.diverged),  # said once
        save_error=None if path is not None else trainer.save_error,
    )
    trainer.emit(trainer.finished)
    return trainer.finished


def _keep_best_for_use(trainer: Trainer, stopped_at: EvalResult) -> None:
    """A run stopped past its best keeps those weights beside its checkpoint, as its model."""
    try:
        keep_best_for_use(
            trainer.best,
            stopped_at,
            checkpoint=trainer.out_path,
            model=trainer.model,
            tokenizer=trainer.tokenizer,
            meta=ckpt.read_metadata(trainer.out_path),
        )
    except (OSError, ckpt.CheckpointError) as err:  # the run itself is saved: only say it
        said = f"its best weights could not be kept apart: {err}"
        trainer.emit(WarningEvent(model=trainer.name, message=said))


def _end_on_best_weights(trainer: Trainer) -> tuple[Rollback | None, EvalResult | None]:
    """End a completed run on its best weights (``back_to_best``), saying why; a stopped run
    keeps its last ones, which is what stopping asks for. (How it went back, if it did; the
    validation of the weights it ends on when that is already known.)"""
    if not trainer.best.left_behind(trainer.step):
        return None, None
    final = trainer.validate(max_tokens=trainer.config.eval_tokens)
    rollback = back_to_best(
        trainer.best,
        final,
        model=trainer.model,
        step=trainer.step,
        train_now=trainer.train_loss_ema,
        clipped=trainer.config.grad_clip is not None,
    )
    if rollback is None:
        return None, final  # as good as the best, within the sample's noise: the last weights stand
    trainer.emit(WarningEvent(model=trainer.name, message=trainer.stopped_early + rollback_message(rollback)))
    return rollback, None
