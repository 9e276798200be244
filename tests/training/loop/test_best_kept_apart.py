"""A run stopped past its best validation is used with its best weights, kept apart from the
checkpoint that holds its last ones for an exact resume."""

from __future__ import annotations

from pathlib import Path

import torch

from training.checkpoints.checkpoint import best_path, load_checkpoint, load_model, model_file
from training.common.control import TrainingControl
from training.demo.tiny import TINY_MODEL, TINY_TRAIN
from training.run import prepare_run
from training.run_spec import RunSpec


def _spec(corpus: Path, out: Path, *, resume: bool = False) -> RunSpec:
    options = {**TINY_TRAIN, "steps": 6}
    return RunSpec(
        paths=(str(corpus),), out_dir=out, model_options=TINY_MODEL, train_options=options, resume=resume
    )


def test_a_stopped_run_is_used_with_its_best_weights_and_resumes_from_its_last(
    corpus_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m"
    prepared = prepare_run(_spec(corpus_file, out))
    trainer = prepared.trainers[0]
    trainer.train_step()
    best_weights = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    # As if step 1 had validated far better than the weights the run stops on.
    trainer.best.offer(trainer.model, step=1, loss=0.25, train_loss=None)
    trainer.train_step()
    control = TrainingControl()
    control.cancel()
    stopped = prepared.train(control)[0]
    assert stopped.reason == "cancelled" and stopped.val_loss > 0.25

    checkpoint = out / "checkpoint.safetensors"
    assert model_file(out) == best_path(checkpoint) == model_file(checkpoint)
    model, _, meta = load_model(out)
    assert meta.progress.step == 1 and meta.metrics.val_loss == 0.25 and not meta.resumable
    for name, value in model.state_dict().items():
        assert torch.equal(value, best_weights[name]), name
    assert load_checkpoint(out).meta.progress.step == 2  # the resume point keeps the last weights

    done = prepare_run(_spec(corpus_file, out, resume=True)).train(TrainingControl())[0]
    assert done.reason == "completed" and done.steps == 6
    assert not best_path(checkpoint).exists() and model_file(out) == checkpoint


def test_a_stop_on_weights_as_good_as_any_keeps_no_file(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    prepared = prepare_run(_spec(corpus_file, out))
    prepared.trainers[0].train_step()
    control = TrainingControl()
    control.cancel()
    prepared.train(control)
    assert not best_path(out / "checkpoint.safetensors").exists()
    assert model_file(out) == out / "checkpoint.safetensors"
